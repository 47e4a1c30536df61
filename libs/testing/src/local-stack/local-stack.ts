import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import {
  BrokerProvisioner,
  DEFAULT_RETRY_DELAYS_MS,
  HUB_BROKER_USER,
  brokerUrls,
  databaseUrlFor,
  provisionDatabaseRoles,
} from '@cstr/messaging';
import { loadPartnersFile } from '@cstr/policy';
import { HUB_DATABASE_APP, databaseUrlVariables, type DatabaseApp } from './database-apps';
import { LocalPostgres } from './local-postgres';
import { LocalRabbitMq } from './local-rabbitmq';
import { LocalRabbitMqCluster, clusterNodePorts } from './local-rabbitmq-cluster';
import { ensureLocalTls, localTlsFiles, type LocalTlsFiles } from './local-tls';
import { isProcessAlive, sleep } from './processes';

/** The loopback ports of one local stack. */
export interface LocalStackPorts {
  /** AMQP over TLS (`amqps://`), the broker's only AMQP listener unless the stack is started `plain`. */
  readonly amqps: number;
  /** AMQP in clear: listened on only when the stack is started `plain`. */
  readonly amqp: number;
  readonly management: number;
  /** Erlang distribution port of the RabbitMQ node. */
  readonly dist: number;
  /** The RabbitMQ node's own epmd. */
  readonly epmd: number;
  readonly postgres: number;
}

/** Ports of the development stack (`npm run stack up`). */
export const DEV_STACK_PORTS: LocalStackPorts = {
  amqps: 5681,
  amqp: 5682,
  management: 15682,
  dist: 25682,
  epmd: 4379,
  postgres: 5442,
};

/** Ports of the integration-test stack (Jest global set-up). */
export const TEST_STACK_PORTS: LocalStackPorts = {
  amqps: 5691,
  amqp: 5692,
  management: 15692,
  dist: 25692,
  epmd: 4389,
  postgres: 5452,
};

/** A broker someone else runs (docker compose, a user's own): used as is, never started or stopped. */
export interface ExternalBroker {
  /** AMQP URL of an administrator (management tag `administrator`). */
  readonly adminUrl: string;
  /** Management API base URL; defaults to `http://<amqp host>:15672`. */
  readonly managementUrl?: string;
}

/** Options of {@link startLocalStack}. */
export interface LocalStackOptions {
  /** Folder for the servers' data, credentials and `stack.env` (e.g. `.stack`, `.stack/test`). */
  readonly dataDir: string;
  readonly ports: LocalStackPorts;
  /** Partners to provision a broker user and inbox for. */
  readonly partners: readonly { readonly id: string }[];
  /** Use this broker instead of starting a local RabbitMQ. */
  readonly externalBroker?: ExternalBroker;
  /** Use this database instead of starting a local PostgreSQL. */
  readonly externalDatabaseUrl?: string;
  /** Start no database at all (e.g. a fault test's dedicated broker). Default true. */
  readonly postgres?: boolean;
  /** Database name of the local PostgreSQL. Default `cstr`. */
  readonly database?: string;
  /** Retry back-off of every provisioned queue. Default {@link DEFAULT_RETRY_DELAYS_MS}. */
  readonly retryDelaysMs?: readonly number[];
  /**
   * Open the plain ports too: AMQP in clear on `ports.amqp`, PostgreSQL without TLS (`host` in
   * `pg_hba.conf`). Default false: TLS only. The stack's URLs stay TLS ones; {@link LocalStack.plain}
   * gives the plain ones.
   */
  readonly plain?: boolean;
  /**
   * App instances to give database roles of their own (`systemDatabaseApps`): each gets a runtime
   * and an owner role with passwords generated once into `credentials.json`, its schema owned by
   * the owner, and its URLs in `stack.env`. Default none (tests make throw-away roles of their own).
   */
  readonly databaseApps?: readonly DatabaseApp[];
  /**
   * RabbitMQ nodes to run: 1 (default) a single node in `<dataDir>/rabbitmq`; more, a cluster of
   * that many in `<dataDir>/rabbitmq-cluster/node-<n>` ({@link LocalRabbitMqCluster}, ports from
   * {@link clusterNodePorts}), every quorum queue replicated on each node. The stack's broker URLs
   * then list every node, comma-separated (as `RABBITMQ_URL` takes them); the administrator's is
   * the first node's.
   */
  readonly brokerNodes?: number;
}

/** The database URLs of one app instance of a stack. */
export interface StackDatabaseApp {
  readonly schema: string;
  /** Its runtime role (`DATABASE_URL`). */
  readonly url: string;
  /** Its schema's owner, for the migrations (`DATABASE_MIGRATION_URL`). */
  readonly migrationUrl: string;
}

/** Where everything of a started stack is, and how each party connects. */
export interface LocalStack {
  readonly dataDir: string;
  /** The hub's user on vhost `cstr` (on a cluster: a URL per node, comma-separated). */
  readonly rabbitmqUrl: string;
  /** The administrator on vhost `cstr` (tests declare and inspect topology with it); on a cluster, on its first node. */
  readonly rabbitmqAdminUrl: string;
  readonly rabbitmqManagementUrl: string;
  /** The database administrator (superuser, or the external URL given); undefined when started with `postgres: false`. */
  readonly databaseUrl?: string;
  /** Each app instance of `databaseApps`, by name (`hub`, `partner-sandbox`, partner ids). */
  readonly databaseApps: Readonly<Record<string, StackDatabaseApp>>;
  /** Each partner's user on vhost `cstr`, by partner id (on a cluster: a URL per node, comma-separated). */
  readonly partnerUrls: Readonly<Record<string, string>>;
  /** The local cluster's nodes, when started with `brokerNodes` > 1 (to stop one in a fault test). */
  readonly brokerCluster?: LocalRabbitMqCluster;
  /** The same as `KEY=value` pairs, as written to `<dataDir>/stack.env`. */
  readonly env: Readonly<Record<string, string>>;
  /** Which servers this stack runs itself (as opposed to external ones). */
  readonly local: { readonly rabbitmq: boolean; readonly postgres: boolean };
  /** The stack's CA (`<dataDir>/tls/ca.pem`), server certificate and a client certificate per broker user. */
  readonly tls: LocalTlsFiles;
  /**
   * The same URLs in clear, when started with `plain` (a local server's; an external one's as
   * given). {@link plainDatabaseUrl} turns any other database URL of the stack into its plain one.
   */
  readonly plain?: {
    readonly rabbitmqUrl: string;
    readonly rabbitmqAdminUrl: string;
    readonly databaseUrl?: string;
    readonly partnerUrls: Readonly<Record<string, string>>;
  };
  /** Milliseconds each local server took to start (0 when it was already running). */
  readonly timings: { readonly rabbitmqMs: number; readonly postgresMs: number; readonly provisionMs: number };
}

/** What a stack's `state.json` remembers, so another process can stop exactly what was started. */
interface StackState {
  readonly rabbitmq?: { readonly ports: LocalStackPorts; readonly plain?: boolean; readonly nodes?: number };
  readonly postgres?: { readonly ports: LocalStackPorts; readonly database: string };
  readonly external: { readonly rabbitmqManagementUrl?: string; readonly database?: boolean };
}

interface Credentials {
  hub: string;
  partners: Record<string, string>;
  /** Passwords of each database app's runtime and owner roles, by app name. */
  database?: Record<string, { runtime: string; owner: string }>;
}

const started = new Set<string>();

/**
 * Starts (or reuses) a local RabbitMQ and PostgreSQL on the given loopback ports with their data
 * in `dataDir`, provisions the broker for the partners (vhost, topology, users, permissions) and
 * the database for `databaseApps` (each app's runtime and owner roles, its schema) and writes
 * `stack.env`. Passwords are generated once and kept in `credentials.json` (0600).
 * Idempotent: servers already running from the same folder are reused.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  return withStackLock(dataDir, () => startLocked(dataDir, options));
}

async function startLocked(dataDir: string, options: LocalStackOptions): Promise<LocalStack> {
  const database = options.database ?? 'cstr';
  const wantsPostgres = options.postgres !== false && !options.externalDatabaseUrl;

  // The CA and certificates first: the servers start with them (and restart when they are renewed).
  const { files: tls } = await ensureLocalTls({
    dir: join(dataDir, 'tls'),
    clientUsers: [HUB_BROKER_USER, ...options.partners.map(({ id }) => id)],
  });
  const plain = options.plain === true;
  const nodes = options.brokerNodes ?? 1;
  const rabbit = options.externalBroker ? undefined : localBroker(dataDir, options.ports, plain, nodes, tls);
  const postgres = wantsPostgres ? localPostgres(dataDir, options.ports, database, plain) : undefined;
  // Servers of an earlier start that this one would not use (other ports, now external) would
  // otherwise be orphaned: `stop` only knows what the latest state records.
  const previous = readState(dataDir);
  if (
    previous?.rabbitmq &&
    (!rabbit ||
      (previous.rabbitmq.nodes ?? 1) !== nodes ||
      !samePorts(previous.rabbitmq.ports, options.ports, ['amqps', 'amqp', 'management', 'dist', 'epmd']))
  ) {
    await localBroker(dataDir, previous.rabbitmq.ports, false, previous.rabbitmq.nodes ?? 1).stop();
  }
  if (
    previous?.postgres &&
    (!postgres ||
      previous.postgres.ports.postgres !== options.ports.postgres ||
      previous.postgres.database !== database)
  ) {
    await localPostgres(dataDir, previous.postgres.ports, previous.postgres.database).stop();
  }
  writeState(dataDir, {
    rabbitmq: rabbit ? { ports: options.ports, plain, ...(nodes > 1 ? { nodes } : {}) } : undefined,
    postgres: postgres ? { ports: options.ports, database } : undefined,
    external: {
      rabbitmqManagementUrl: options.externalBroker?.managementUrl,
      database: options.externalDatabaseUrl ? true : undefined,
    },
  });
  started.add(dataDir);
  const runningBefore = { rabbit: rabbit?.isRunning() ?? false, postgres: postgres?.isRunning() ?? false };
  try {
    await settleAll([rabbit?.start(), postgres?.start()]);
    return await provisionAndDescribe(dataDir, options, rabbit, postgres, tls);
  } catch (error) {
    // A failed start stops what it started (a server it found running stays), so that nothing
    // of it holds the stack's ports when the next start comes.
    await Promise.allSettled([
      rabbit && (!runningBefore.rabbit || rabbit.lastBootMs > 0) ? rabbit.stop() : undefined,
      postgres && (!runningBefore.postgres || postgres.lastStartMs > 0) ? postgres.stop() : undefined,
    ]);
    throw error;
  }
}

/**
 * Waits for every start to settle (so that none is still starting something), then rejects with
 * the failure, or with one error naming all of them.
 */
async function settleAll(starts: readonly (Promise<void> | undefined)[]): Promise<void> {
  const failures = (await Promise.allSettled(starts.filter((start) => start !== undefined)))
    .filter((result): result is PromiseRejectedResult => result.status === 'rejected')
    .map((result) => result.reason as unknown);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new Error(
      failures.map((failure) => (failure instanceof Error ? failure.message : String(failure))).join('; '),
    );
  }
}

async function provisionAndDescribe(
  dataDir: string,
  options: LocalStackOptions,
  rabbit: LocalBroker | undefined,
  postgres: LocalPostgres | undefined,
  tls: LocalTlsFiles,
): Promise<LocalStack> {
  const { adminUrl, managementUrl } = rabbit
    ? { adminUrl: rabbit.adminUrl(), managementUrl: rabbit.managementUrl() }
    : externalEndpoint(options.externalBroker);
  const credentials = loadCredentials(dataDir, options.partners, options.databaseApps ?? []);
  const provisioner = new BrokerProvisioner({ managementUrl, adminAmqpUrl: adminUrl });
  const provisionStartedAt = Date.now();
  await provisioner.provision({
    partners: options.partners,
    passwords: credentials.partners,
    hubPassword: credentials.hub,
    retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    // The hub's INGRESS_PARTITIONS, when the environment sets it (the provisioner checks it).
    ingressPartitions: process.env.INGRESS_PARTITIONS ? Number(process.env.INGRESS_PARTITIONS) : undefined,
  });
  const databaseUrl = options.externalDatabaseUrl ?? postgres?.url();
  const databaseApps: Record<string, StackDatabaseApp> = {};
  if (databaseUrl && options.databaseApps?.length) {
    const passwords = credentials.database ?? {};
    const logins = options.databaseApps.map((app) => {
      const generated = passwords[app.name];
      if (!generated) throw new Error(`No database passwords were generated for ${app.name}`);
      return { ...app, runtimePassword: generated.runtime, ownerPassword: generated.owner };
    });
    await provisionDatabaseRoles(databaseUrl, logins);
    for (const app of logins) {
      databaseApps[app.name] = {
        schema: app.schema,
        url: databaseUrlFor(databaseUrl, app.runtimeRole, app.runtimePassword),
        migrationUrl: databaseUrlFor(databaseUrl, app.ownerRole, app.ownerPassword),
      };
    }
  }
  const provisionMs = Date.now() - provisionStartedAt;

  const cluster = rabbit instanceof LocalRabbitMqCluster ? rabbit : undefined;
  // On a cluster, a user's URL names every node (the apps move to the next when one goes).
  const userUrl = (user: string, password: string): string =>
    everyNode(provisioner.userAmqpUrl(user, password), cluster?.amqpsPorts());
  const partnerUrls = Object.fromEntries(options.partners.map(({ id }) => [id, userUrl(id, credentials.partners[id])]));
  const stack = {
    dataDir,
    rabbitmqUrl: userUrl(HUB_BROKER_USER, credentials.hub),
    rabbitmqAdminUrl: provisioner.adminUrl(),
    rabbitmqManagementUrl: managementUrl,
    databaseUrl,
    databaseApps,
    partnerUrls,
  };
  const env: Record<string, string> = {
    RABBITMQ_URL: stack.rabbitmqUrl,
    RABBITMQ_ADMIN_URL: stack.rabbitmqAdminUrl,
    RABBITMQ_MANAGEMENT_URL: stack.rabbitmqManagementUrl,
    ...databaseEnv(stack.databaseUrl, databaseApps),
    ...Object.fromEntries(options.partners.map(({ id }) => [partnerUrlVariable(id), partnerUrls[id]])),
    // The CA every app trusts for an amqps:// URL that names none (the stack's own URLs name it).
    TLS_CA_FILE: tls.caFile,
  };
  const plainAmqp = (url: string): string =>
    !rabbit
      ? url
      : brokerUrls(url)
          .map((nodeUrl, index) => inClear(nodeUrl, clusterNodePorts(options.ports, index).amqp))
          .join(',');
  const plain = options.plain
    ? {
        rabbitmqUrl: plainAmqp(stack.rabbitmqUrl),
        rabbitmqAdminUrl: plainAmqp(stack.rabbitmqAdminUrl),
        databaseUrl: postgres && stack.databaseUrl ? plainDatabaseUrl(stack.databaseUrl) : stack.databaseUrl,
        partnerUrls: Object.fromEntries(Object.entries(partnerUrls).map(([id, url]) => [id, plainAmqp(url)])),
      }
    : undefined;
  writeSecretFile(
    join(dataDir, 'stack.env'),
    Object.entries(env)
      .map(([key, value]) => `${key}='${value}'\n`)
      .join(''),
  );
  return {
    ...stack,
    ...(cluster ? { brokerCluster: cluster } : {}),
    env,
    local: { rabbitmq: rabbit !== undefined, postgres: postgres !== undefined },
    tls,
    plain,
    timings: { rabbitmqMs: rabbit?.lastBootMs ?? 0, postgresMs: postgres?.lastStartMs ?? 0, provisionMs },
  };
}

/**
 * Stops the servers a stack started (never external ones), keeping their data. Without
 * `dataDir`, stops every stack this process started.
 */
export async function stopLocalStack(dataDir?: string): Promise<void> {
  const dirs = dataDir === undefined ? [...started] : [resolve(dataDir)];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    await withStackLock(dir, async () => {
      const state = readState(dir);
      await Promise.all([
        state?.rabbitmq ? localBroker(dir, state.rabbitmq.ports, false, state.rabbitmq.nodes ?? 1).stop() : undefined,
        state?.postgres ? localPostgres(dir, state.postgres.ports, state.postgres.database).stop() : undefined,
      ]);
    });
    started.delete(dir);
  }
}

/**
 * Stops a stack and deletes all its data: its folder and, as root, its database files kept
 * outside it (see {@link LocalPostgres.clusterDir}). For tests with stacks of their own.
 */
export async function removeLocalStack(dataDir: string): Promise<void> {
  const dir = resolve(dataDir);
  await stopLocalStack(dir);
  const state = readState(dir);
  if (state?.postgres) await localPostgres(dir, state.postgres.ports, state.postgres.database).remove();
  rmSync(dir, { recursive: true, force: true });
}

/** What runs for a stack's data folder, for `stack status`. */
export interface LocalStackStatus {
  readonly rabbitmq:
    | {
        /** Whether the node runs (on a cluster: every node). */
        readonly running: boolean;
        readonly pid?: number;
        readonly ports: LocalStackPorts;
        /** A cluster's nodes, each with its name, pid and ports. */
        readonly nodes?: readonly LocalBrokerNodeStatus[];
      }
    | 'external';
  readonly postgres:
    | {
        readonly running: boolean;
        readonly ports: LocalStackPorts;
        /** Where the database files are (see {@link LocalPostgres.clusterDir}). */
        readonly clusterDir: string;
      }
    | 'external'
    | 'none';
}

/** One node of a local cluster, for `stack status`. */
export interface LocalBrokerNodeStatus {
  readonly name: string;
  readonly running: boolean;
  readonly pid?: number;
  readonly amqpsPort: number;
  readonly managementPort: number;
}

/** The state of the stack in `dataDir` (as recorded by the last {@link startLocalStack}), or undefined if never started. */
export function localStackStatus(dataDir: string): LocalStackStatus | undefined {
  const dir = resolve(dataDir);
  const state = readState(dir);
  if (!state) return undefined;
  const postgres = state.postgres ? localPostgres(dir, state.postgres.ports, state.postgres.database) : undefined;
  return {
    rabbitmq: state.rabbitmq ? brokerStatus(dir, state.rabbitmq) : 'external',
    postgres:
      postgres && state.postgres
        ? { running: postgres.isRunning(), ports: state.postgres.ports, clusterDir: postgres.clusterDir }
        : state.external.database
          ? 'external'
          : 'none',
  };
}

function brokerStatus(
  dir: string,
  { ports, nodes = 1 }: NonNullable<StackState['rabbitmq']>,
): LocalStackStatus['rabbitmq'] {
  const broker = localBroker(dir, ports, false, nodes);
  if (broker instanceof LocalRabbitMq) return { running: broker.isRunning(), pid: broker.pid(), ports };
  const nodeStatus = broker.nodes.map((node, index) => ({
    name: node.nodeName,
    running: node.isRunning(),
    pid: node.pid(),
    amqpsPort: node.amqpsPort,
    managementPort: clusterNodePorts(ports, index).management,
  }));
  return { running: broker.isRunning(), ports, nodes: nodeStatus };
}

/**
 * The variables of a `stack.env`: `KEY='value'` lines, quoted so that a shell can source the file
 * (the database URLs hold `&`); unquoted `KEY=value` lines are read too.
 */
export function readStackEnvFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/^'(.*)'$/, '$1')]),
  );
}

/** `RABBITMQ_URL_<PARTNER_ID_UPPER_SNAKE>`: the variable holding a partner's broker URL in `stack.env`. */
export function partnerUrlVariable(partnerId: string): string {
  return `RABBITMQ_URL_${partnerId.toUpperCase().replace(/-/g, '_')}`;
}

/** A partner as configured in `config/partners.yaml` (only what the stack needs is typed). */
export interface ConfiguredPartner {
  readonly id: string;
  readonly kind: string;
  readonly name?: string;
  readonly [key: string]: unknown;
}

/**
 * Reads the `partners:` list of a partners file (`config/partners.yaml`, the one list of partners),
 * checked by `loadPartnersFile` of libs/policy (which throws a `PolicyConfigError` naming file,
 * line and reason).
 */
export function readPartnersFile(file: string): ConfiguredPartner[] {
  if (!existsSync(file)) throw new Error(`Partners file ${file} does not exist`);
  return loadPartnersFile(file).map(({ adapter, ...partner }) => ({ ...partner, ...adapter }));
}

/**
 * Serialises starts and stops of one stack folder across processes (two Jest runs, `up` while a
 * test run starts): without it both would find no server running and start one each.
 */
async function withStackLock<T>(dataDir: string, action: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  const lock = join(dataDir, '.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(lock, 'utf8').trim(), 10);
      // A lock whose holder died is stale; an empty one is still being written.
      if (Number.isInteger(holder) && !isProcessAlive(holder)) rmSync(lock, { force: true });
      else if (Date.now() > deadline)
        throw new Error(`${lock} is held by pid ${holder}; remove it if that process is not a stack start`);
      else await sleep(200);
    }
  }
  try {
    return await action();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** An `amqps://` URL of the stack's broker as the same user in clear, on the plain port. */
function inClear(url: string, amqpPort: number): string {
  const parsed = new URL(url);
  parsed.protocol = 'amqp:';
  parsed.port = String(amqpPort);
  parsed.search = '';
  return parsed.toString();
}

/** A database URL of a local stack (any role) in clear: `sslmode=disable`, accepted only when the stack is `plain`. */
export function plainDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  parsed.search = '?sslmode=disable';
  return parsed.toString();
}

function localRabbitMq(dataDir: string, ports: LocalStackPorts, plain = false): LocalRabbitMq {
  return new LocalRabbitMq({
    dataDir: join(dataDir, 'rabbitmq'),
    amqpsPort: ports.amqps,
    amqpPort: ports.amqp,
    plainAmqp: plain,
    tls: localTlsFiles(join(dataDir, 'tls')),
    managementPort: ports.management,
    distPort: ports.dist,
    epmdPort: ports.epmd,
  });
}

/** What a stack needs of its local broker, a single node or a cluster. */
type LocalBroker = LocalRabbitMq | LocalRabbitMqCluster;

/** The stack's local broker: a single node, or a cluster of `nodes` in `<dataDir>/rabbitmq-cluster`. */
function localBroker(
  dataDir: string,
  ports: LocalStackPorts,
  plain: boolean,
  nodes: number,
  tls: LocalTlsFiles = localTlsFiles(join(dataDir, 'tls')),
): LocalBroker {
  if (nodes <= 1) return localRabbitMq(dataDir, ports, plain);
  return new LocalRabbitMqCluster({
    dataDir: join(dataDir, 'rabbitmq-cluster'),
    size: nodes,
    ports,
    tls,
    plainAmqp: plain,
  });
}

/** A broker URL of the first node as a comma-separated list naming every node (by AMQPS port); as is without ports. */
function everyNode(url: string, amqpsPorts: readonly number[] | undefined): string {
  if (!amqpsPorts) return url;
  return amqpsPorts
    .map((port) => {
      const parsed = new URL(url);
      parsed.port = String(port);
      return parsed.toString();
    })
    .join(',');
}

function localPostgres(dataDir: string, ports: LocalStackPorts, database: string, plain = false): LocalPostgres {
  return new LocalPostgres({
    dataDir: join(dataDir, 'postgres'),
    port: ports.postgres,
    database,
    tls: localTlsFiles(join(dataDir, 'tls')),
    plain,
  });
}

function samePorts(a: LocalStackPorts, b: LocalStackPorts, keys: readonly (keyof LocalStackPorts)[]): boolean {
  return keys.every((key) => a[key] === b[key]);
}

function externalEndpoint(broker: ExternalBroker | undefined): Required<ExternalBroker> {
  if (!broker) throw new Error('No broker: neither a local RabbitMQ nor an external one');
  return {
    adminUrl: broker.adminUrl,
    managementUrl: broker.managementUrl ?? `http://${new URL(broker.adminUrl).hostname}:15672`,
  };
}

/**
 * The database variables of `stack.env`: `DATABASE_ADMIN_URL`; the hub's `DATABASE_URL` and
 * `DATABASE_MIGRATION_URL`; `DATABASE_URL_<APP>` and `DATABASE_MIGRATION_URL_<APP>` of every app.
 * Without database apps, `DATABASE_URL` is the administrator's (as before roles).
 */
function databaseEnv(
  adminUrl: string | undefined,
  apps: Readonly<Record<string, StackDatabaseApp>>,
): Record<string, string> {
  if (!adminUrl) return {};
  const hub = apps[HUB_DATABASE_APP];
  const env: Record<string, string> = {
    DATABASE_ADMIN_URL: adminUrl,
    DATABASE_URL: hub?.url ?? adminUrl,
    ...(hub ? { DATABASE_MIGRATION_URL: hub.migrationUrl } : {}),
  };
  for (const [name, app] of Object.entries(apps)) {
    const keys = databaseUrlVariables(name);
    env[keys.url] = app.url;
    env[keys.migrationUrl] = app.migrationUrl;
  }
  return env;
}

/** Passwords are generated once per user and kept; partners and apps added later get theirs on the next start. */
function loadCredentials(
  dataDir: string,
  partners: readonly { readonly id: string }[],
  databaseApps: readonly { readonly name: string }[],
): Credentials {
  const file = join(dataDir, 'credentials.json');
  const credentials: Credentials = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Credentials)
    : { hub: newPassword(), partners: {} };
  let changed = !existsSync(file);
  for (const { id } of partners) {
    if (!credentials.partners[id]) {
      credentials.partners[id] = newPassword();
      changed = true;
    }
  }
  for (const { name } of databaseApps) {
    credentials.database ??= {};
    if (!credentials.database[name]) {
      credentials.database[name] = { runtime: newPassword(), owner: newPassword() };
      changed = true;
    }
  }
  if (changed) writeSecretFile(file, `${JSON.stringify(credentials, null, 2)}\n`);
  return credentials;
}

function newPassword(): string {
  return randomBytes(24).toString('hex');
}

function writeSecretFile(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function writeState(dataDir: string, state: StackState): void {
  writeFileSync(join(dataDir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
}

function readState(dataDir: string): StackState | undefined {
  const file = join(dataDir, 'state.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StackState) : undefined;
}
