import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureLocalTls, localTlsFiles, type LocalTlsFiles } from './local-tls';
import {
  type CommandResult,
  aptInstall,
  canConnect,
  isProcessAlive,
  isRoot,
  listeningPids,
  processArgv,
  processEnvironment,
  processIds,
  readPidFile,
  runChecked,
  runCommand,
  sleep,
  terminateProcess,
  waitUntil,
} from './processes';

/** Where Debian's `rabbitmq-server` package puts the scripts that run as the calling user. */
const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';
const ADMIN_USER = 'cstr-admin';
const LOOPBACK_ONLY_DISTRIBUTION = '-kernel inet_dist_use_interface {127,0,0,1}';
/** Environment variable of the node's VM recording its listeners and certificate (see `listenersMark`). */
const LISTENERS_MARK = 'CSTR_RABBITMQ_LISTENERS';

/** Options of {@link LocalRabbitMq}: a data folder and five loopback ports nobody else uses. */
export interface LocalRabbitMqOptions {
  /** Folder holding the node's configuration, database, logs, pid file and Erlang cookie. */
  readonly dataDir: string;
  /** The TLS listener (`amqps://`): the only one unless {@link plainAmqp}. */
  readonly amqpsPort: number;
  /** The plain AMQP listener's port: listened on only with {@link plainAmqp} (still names the node). */
  readonly amqpPort: number;
  /** Listen on {@link amqpPort} in clear too (a benchmark's TLS-off run). Default false. */
  readonly plainAmqp?: boolean;
  /**
   * The CA and the server certificate (see {@link ensureLocalTls}); default: made in `<dataDir>/tls`
   * at {@link LocalRabbitMq.start}.
   */
  readonly tls?: LocalTlsFiles;
  readonly managementPort: number;
  /** Erlang distribution port of the node (rabbitmqctl talks to it). */
  readonly distPort: number;
  /** Port of the node's own epmd, so the machine's epmd (4369) is never involved. */
  readonly epmdPort: number;
  /** Defaults to `cstr-<amqpPort>@localhost`. */
  readonly nodeName?: string;
  /** How long {@link LocalRabbitMq.start} waits for the node to boot (default 60 s). */
  readonly bootTimeoutMs?: number;
  /** The node is one of a cluster's on this machine (see {@link LocalRabbitMqCluster}). Default: a node alone. */
  readonly cluster?: LocalRabbitMqClusterMembership;
}

/**
 * What a node of a local cluster shares with the others: the Erlang cookie, the administrator,
 * and one epmd on the common epmd port (the first node starts it; stopping a node leaves it to
 * the cluster's stop).
 */
export interface LocalRabbitMqClusterMembership {
  /** Every node name of the cluster, this node's included. */
  readonly nodeNames: readonly string[];
  /** The file of the cluster's Erlang cookie, copied into the node's folder at each start. */
  readonly erlangCookieFile: string;
  /** The file of the administrator's password, the same on every node (users are cluster-wide). */
  readonly adminPasswordFile: string;
  /** The data folder of the node whose environment starts the shared epmd (the first node). */
  readonly epmdOwnerDataDir: string;
  /** Replicas of every new quorum queue (`quorum_cluster_size`): the cluster's size. */
  readonly quorumSize: number;
}

/** User name and password of the node's administrator. */
export interface RabbitMqCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * A private RabbitMQ node for development and tests, run from Debian's `rabbitmq-server`
 * package with everything under one data folder and every listener (AMQPS, management,
 * distribution, epmd) on 127.0.0.1 ports of its own, so a RabbitMQ already running on the
 * machine is never touched. (epmd also listens on ::1: it always adds the loopback addresses.)
 *
 * AMQP is over TLS only (`verify_peer`: a client certificate, when one is shown, must be of the
 * stack's CA) unless {@link LocalRabbitMqOptions.plainAmqp}; users log in with a password
 * (PLAIN) or with a client certificate whose common name is their user name (EXTERNAL,
 * `rabbitmq_auth_mechanism_ssl`). The management API is HTTP on 127.0.0.1.
 *
 * The node outlives the process that started it (the stack CLI starts it, a later `down`
 * stops it): its identity is the pid file in the data folder. An Erlang VM of the data folder
 * that the pid file does not name (a start that died before writing it, a data folder deleted
 * under a running node) is stale: {@link start} and {@link stop} stop it. {@link stop} keeps the
 * data, so {@link start} brings back the same node with its durable queues and messages.
 */
export class LocalRabbitMq {
  readonly dataDir: string;
  readonly nodeName: string;
  /** Milliseconds the last {@link start} took until the node answered (0 when reused). */
  lastBootMs = 0;

  /** The CA and server certificate the node uses. */
  readonly tls: LocalTlsFiles;

  private readonly bootTimeoutMs: number;

  constructor(private readonly options: LocalRabbitMqOptions) {
    this.dataDir = resolve(options.dataDir);
    this.tls = options.tls ?? localTlsFiles(join(this.dataDir, 'tls'));
    this.nodeName = options.nodeName ?? `cstr-${options.amqpPort}@localhost`;
    this.bootTimeoutMs = options.bootTimeoutMs ?? 60_000;
  }

  /**
   * Starts the node, or reuses it if a previous run with the same data folder left it running
   * and it answers. Resolves once AMQP accepts connections and the management API answers.
   */
  async start(): Promise<void> {
    // First, before any file is written: a stale VM stopping now must not write into a data
    // folder recreated under it (one deleted while it ran).
    await this.stopStaleVms();
    mkdirSync(this.dataDir, { recursive: true, mode: 0o755 });
    await ensureRabbitMqInstalled(this.dataDir);
    if (!this.options.tls) await ensureLocalTls({ dir: this.tls.dir });
    this.writeConfiguration();

    let existing = this.runningPid();
    if (existing !== undefined && processEnvironment(existing)?.get(LISTENERS_MARK) !== this.listenersMark()) {
      // Started with other listeners or another certificate (an earlier version, a renewed CA).
      await this.stop();
      existing = undefined;
    }
    if (existing !== undefined) {
      if (await this.answers()) {
        this.lastBootMs = 0;
        return;
      }
      // Ours but not answering: perhaps still booting from a concurrent start; give it time.
      try {
        await waitUntil(
          `RabbitMQ node ${this.nodeName} (pid ${existing})`,
          () => this.answers(),
          this.bootTimeoutMs,
          250,
        );
        this.lastBootMs = 0;
        return;
      } catch {
        await terminateProcess(existing, `RabbitMQ node ${this.nodeName}`, 'SIGKILL', 10_000);
      }
    }
    rmSync(this.pidFile, { force: true });
    await this.assertPortsFree();

    const startedAt = Date.now();
    await this.ensureEpmd();
    const out = openSync(join(this.logDir, 'server.out.log'), 'a');
    let exited: string | undefined;
    try {
      const child = spawn(join(RABBITMQ_BIN, 'rabbitmq-server'), [], {
        cwd: this.dataDir,
        env: this.environment(),
        // Own session and process group: the node survives the CLI that started it and
        // receives none of its terminal's signals.
        detached: true,
        stdio: ['ignore', out, out],
      });
      child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
      child.once('error', (error) => (exited = error.message));
      child.unref();
    } finally {
      closeSync(out);
    }

    const ctl = await runCommand(
      join(RABBITMQ_BIN, 'rabbitmqctl'),
      ['-n', this.nodeName, 'wait', '--timeout', String(Math.ceil(this.bootTimeoutMs / 1000)), this.pidFile],
      { env: this.environment(), cwd: this.dataDir, timeoutMs: this.bootTimeoutMs + 10_000 },
    );
    try {
      if (ctl.code !== 0 || exited !== undefined) {
        const reason = exited ?? (ctl.stderr || ctl.stdout).trim();
        throw new Error(`RabbitMQ node ${this.nodeName} did not start (${reason}); see ${this.logDir}`);
      }
      await waitUntil(
        `RabbitMQ ${this.nodeName} AMQP and management listeners`,
        () => this.answers(),
        this.bootTimeoutMs,
        100,
      );
    } catch (error) {
      // Leave nothing half-started behind.
      await this.kill().catch(() => undefined);
      throw error;
    }
    this.lastBootMs = Date.now() - startedAt;
  }

  /**
   * Stops the node gracefully (SIGTERM; SIGKILL after `timeoutMs`) and then its epmd.
   * The data folder stays, so {@link start} restarts the same node with its durable queues.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    const pid = this.runningPid();
    if (pid !== undefined) await terminateProcess(pid, `RabbitMQ node ${this.nodeName}`, 'SIGTERM', timeoutMs);
    await this.stopStaleVms();
    rmSync(this.pidFile, { force: true });
    if (!this.options.cluster) await this.stopEpmd();
  }

  /** Kills the node abruptly (SIGKILL), as a crash would, and then its epmd. Data stays. */
  async kill(): Promise<void> {
    const pid = this.runningPid();
    if (pid !== undefined) await terminateProcess(pid, `RabbitMQ node ${this.nodeName}`, 'SIGKILL', 10_000);
    await this.stopStaleVms();
    rmSync(this.pidFile, { force: true });
    if (!this.options.cluster) await this.stopEpmd();
  }

  /** The node's AMQPS port. */
  get amqpsPort(): number {
    return this.options.amqpsPort;
  }

  /** Runs `rabbitmqctl` against this node (its environment, cookie and epmd); rejects unless it exits 0. */
  async rabbitmqctl(args: readonly string[], timeoutMs = 60_000): Promise<CommandResult> {
    return runChecked(join(RABBITMQ_BIN, 'rabbitmqctl'), ['-n', this.nodeName, ...args], {
      env: this.environment(),
      cwd: this.dataDir,
      timeoutMs,
    });
  }

  /**
   * The pids of every Erlang VM of this data folder (the node, and `rabbitmqctl` runs against
   * it), recognised by `-home <data folder>` in their command line, pid file or not.
   */
  vmPids(): number[] {
    return processIds().filter((pid) => this.isOwnVm(pid));
  }

  /** Whether the node's Erlang VM is alive (it may still be booting or shutting down). */
  isRunning(): boolean {
    return this.runningPid() !== undefined;
  }

  /** The OS pid of the node's Erlang VM, if it runs. */
  pid(): number | undefined {
    return this.runningPid();
  }

  /** The administrator created on the node's first boot; its password is generated once and kept in the data folder. */
  adminCredentials(): RabbitMqCredentials {
    const file = this.options.cluster?.adminPasswordFile ?? join(this.dataDir, 'admin-password');
    mkdirSync(this.dataDir, { recursive: true });
    if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('hex'), { mode: 0o600 });
    return { username: ADMIN_USER, password: readFileSync(file, 'utf8').trim() };
  }

  /**
   * `amqps://` URL of any user on this node, trusting the stack's CA (`cacertfile`, see
   * `connectAmqp` of libs/messaging); `vhost` defaults to `/`.
   */
  amqpUrl(username: string, password: string, vhost = '/'): string {
    const query = new URLSearchParams({ cacertfile: this.tls.caFile });
    return `amqps://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${this.options.amqpsPort}/${encodeURIComponent(vhost)}?${query}`;
  }

  /** The same URL in clear, on the plain listener (only there with `plainAmqp`). */
  plainAmqpUrl(username: string, password: string, vhost = '/'): string {
    return `amqp://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${this.options.amqpPort}/${encodeURIComponent(vhost)}`;
  }

  /** AMQP URL of the administrator. */
  adminUrl(vhost = '/'): string {
    const { username, password } = this.adminCredentials();
    return this.amqpUrl(username, password, vhost);
  }

  /** Base URL of the management HTTP API (`/api/...`). */
  managementUrl(): string {
    return `http://127.0.0.1:${this.options.managementPort}`;
  }

  private get pidFile(): string {
    return join(this.dataDir, 'rabbitmq.pid');
  }

  private get logDir(): string {
    return join(this.dataDir, 'log');
  }

  private writeConfiguration(): void {
    mkdirSync(this.logDir, { recursive: true });
    mkdirSync(join(this.dataDir, 'mnesia'), { recursive: true });
    const { username, password } = this.adminCredentials();
    const { amqpPort, amqpsPort, managementPort, plainAmqp } = this.options;
    writeFileSync(
      join(this.dataDir, 'rabbitmq.conf'),
      [
        '# Written by LocalRabbitMq on every start; edits are overwritten.',
        plainAmqp ? `listeners.tcp.1 = 127.0.0.1:${amqpPort}` : 'listeners.tcp = none',
        `listeners.ssl.1 = 127.0.0.1:${amqpsPort}`,
        `ssl_options.cacertfile = ${this.tls.caFile}`,
        `ssl_options.certfile = ${this.tls.serverCertFile}`,
        `ssl_options.keyfile = ${this.tls.serverKeyFile}`,
        // A client certificate is checked against the CA when shown; password users show none.
        'ssl_options.verify = verify_peer',
        'ssl_options.fail_if_no_peer_cert = false',
        'ssl_options.versions.1 = tlsv1.3',
        'ssl_options.versions.2 = tlsv1.2',
        // EXTERNAL: a partner may log in with a client certificate of the stack's CA, its CN the user name.
        'auth_mechanisms.1 = PLAIN',
        'auth_mechanisms.2 = AMQPLAIN',
        'auth_mechanisms.3 = EXTERNAL',
        'ssl_cert_login_from = common_name',
        'management.tcp.ip = 127.0.0.1',
        `management.tcp.port = ${managementPort}`,
        // The default user is created on the node's first boot only.
        `default_user = ${username}`,
        `default_pass = ${password}`,
        'default_user_tags.administrator = true',
        'default_permissions.configure = .*',
        'default_permissions.read = .*',
        'default_permissions.write = .*',
        'log.console = false',
        'log.file.level = info',
        // Larger messages are refused at publish (channel closed); apps dead-letter them too (MAX_MESSAGE_BYTES).
        'max_message_size = 1048576',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    writeFileSync(
      join(this.dataDir, 'enabled_plugins'),
      '[rabbitmq_management,rabbitmq_auth_mechanism_ssl,rabbitmq_consistent_hash_exchange].\n',
    );
    // Shadows /etc/rabbitmq/rabbitmq-env.conf, whose NODENAME and flags belong to the machine's broker.
    writeFileSync(join(this.dataDir, 'rabbitmq-env.conf'), '# Intentionally empty: see LocalRabbitMq.\n');
    // rabbitmq-server and rabbitmqctl must share a cookie; creating it up front avoids a race
    // between the two creating it at the same time.
    const cookie = join(this.dataDir, '.erlang.cookie');
    const { cluster } = this.options;
    if (cluster) {
      // The cluster's own cookie: its nodes (and their rabbitmqctl runs) authenticate with it.
      const shared = readFileSync(cluster.erlangCookieFile, 'utf8');
      if (!existsSync(cookie) || readFileSync(cookie, 'utf8') !== shared) {
        rmSync(cookie, { force: true });
        writeFileSync(cookie, shared, { mode: 0o400 });
      }
      writeFileSync(
        join(this.dataDir, 'advanced.config'),
        `%% Written by LocalRabbitMq: every new quorum queue gets a replica on each node.\n[{rabbit, [{quorum_cluster_size, ${cluster.quorumSize}}]}].\n`,
      );
    } else if (!existsSync(cookie)) {
      writeFileSync(cookie, randomBytes(20).toString('hex').toUpperCase(), { mode: 0o400 });
    }
  }

  private environment(): NodeJS.ProcessEnv {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(RABBITMQ_|ERL_|NODENAME$|NODE_PORT$|HOME$)/.test(key)),
    );
    const { distPort, epmdPort } = this.options;
    return {
      ...inherited,
      HOME: this.dataDir,
      RABBITMQ_NODENAME: this.nodeName,
      // No RABBITMQ_NODE_PORT: it would open a plain listener; rabbitmq.conf names the listeners.
      [LISTENERS_MARK]: this.listenersMark(),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_MNESIA_BASE: join(this.dataDir, 'mnesia'),
      RABBITMQ_LOG_BASE: this.logDir,
      RABBITMQ_CONFIG_FILE: join(this.dataDir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(this.dataDir, 'advanced.config'),
      RABBITMQ_CONF_ENV_FILE: join(this.dataDir, 'rabbitmq-env.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dataDir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: this.pidFile,
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: LOOPBACK_ONLY_DISTRIBUTION,
      RABBITMQ_CTL_ERL_ARGS: LOOPBACK_ONLY_DISTRIBUTION,
      ERL_EPMD_ADDRESS: '127.0.0.1',
      ERL_EPMD_PORT: String(epmdPort),
      ERL_CRASH_DUMP: join(this.logDir, 'erl_crash.dump'),
    };
  }

  /** The pid in our pid file, if that process is alive and is this node's VM (not a recycled pid). */
  private runningPid(): number | undefined {
    const pid = readPidFile(this.pidFile);
    return pid !== undefined && isProcessAlive(pid) && this.isOwnVm(pid) ? pid : undefined;
  }

  private isOwnVm(pid: number): boolean {
    const argv = processArgv(pid);
    const home = argv?.indexOf('-home') ?? -1;
    return home >= 0 && argv?.[0]?.endsWith('beam.smp') === true && argv[home + 1] === this.dataDir;
  }

  /** Stops the VMs of this data folder other than the node the pid file names (see the class comment). */
  private async stopStaleVms(): Promise<void> {
    const node = this.runningPid();
    const stale = this.vmPids().filter((pid) => pid !== node);
    await Promise.all(
      stale.map((pid) => terminateProcess(pid, `stale Erlang VM of ${this.dataDir}`, 'SIGTERM', 15_000)),
    );
  }

  /** What the node listens with: its ports and its certificate (a running node with another mark is restarted). */
  private listenersMark(): string {
    const { amqpPort, amqpsPort, plainAmqp } = this.options;
    const cert = existsSync(this.tls.serverCertFile) ? readFileSync(this.tls.serverCertFile) : '';
    const fingerprint = createHash('sha256').update(cert).digest('hex').slice(0, 16);
    return `amqps=${amqpsPort};amqp=${plainAmqp ? amqpPort : 'off'};cert=${fingerprint}`;
  }

  /** Whether the node accepts AMQP connections and its management API answers. */
  async answers(): Promise<boolean> {
    if (!(await canConnect(this.options.amqpsPort))) return false;
    if (this.options.plainAmqp && !(await canConnect(this.options.amqpPort))) return false;
    const { username, password } = this.adminCredentials();
    try {
      const response = await fetch(`${this.managementUrl()}/api/overview`, {
        headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
        signal: AbortSignal.timeout(2_000),
      });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  }

  private async assertPortsFree(): Promise<void> {
    const { amqpPort, amqpsPort, managementPort, distPort } = this.options;
    for (const port of [amqpsPort, amqpPort, managementPort, distPort]) {
      if (await canConnect(port)) {
        throw new Error(
          `Port ${port} on 127.0.0.1 is already in use by something other than RabbitMQ node ${this.nodeName}; choose other ports`,
        );
      }
    }
  }

  /**
   * RabbitMQ 3.10 starts Erlang distribution only during its prelaunch, so the VM does not start
   * epmd itself; prelaunch then races to start one. Starting ours first (same environment as the
   * node, so {@link ownEpmdPid} recognises it) makes boots after {@link kill} or {@link stop} reliable.
   */
  async ensureEpmd(): Promise<void> {
    if ((await this.ownEpmdPid()) !== undefined) return;
    const { epmdPort } = this.options;
    if (await canConnect(epmdPort)) {
      throw new Error(
        `Port ${epmdPort} on 127.0.0.1 is already in use by another epmd or server; choose another epmd port`,
      );
    }
    await runCommand(epmdBinary(), ['-daemon', '-address', '127.0.0.1', '-port', String(epmdPort)], {
      env: this.environment(),
      cwd: this.dataDir,
      timeoutMs: 10_000,
    });
    await waitUntil(`epmd on 127.0.0.1:${epmdPort}`, () => canConnect(epmdPort), 10_000, 50);
  }

  /**
   * Stops this node's epmd (see {@link ownEpmdPid}); a cluster's, once its nodes are stopped.
   * Never `epmd -kill` blindly: the port could belong to another user's epmd.
   */
  async stopEpmd(): Promise<void> {
    const pid = await this.ownEpmdPid();
    if (pid === undefined) return;
    const env = { ...this.environment() };
    // epmd refuses -kill while a node is still registered; a dying node deregisters within moments.
    for (let attempt = 0; attempt < 20 && isProcessAlive(pid); attempt++) {
      await runCommand(epmdBinary(), ['-port', String(this.options.epmdPort), '-kill'], {
        env,
        timeoutMs: 5_000,
      }).catch(() => undefined);
      if (!isProcessAlive(pid)) return;
      await sleep(100);
    }
    if (isProcessAlive(pid)) process.kill(pid, 'SIGTERM');
  }

  /**
   * This node's epmd: the one started with its environment (data folder as HOME, its epmd port),
   * or else an epmd listening on its epmd port with no node registered but this one and its
   * `rabbitmqctl` runs (one left by an earlier start that was started some other way).
   */
  private async ownEpmdPid(): Promise<number | undefined> {
    const port = String(this.options.epmdPort);
    const isEpmd = (pid: number): boolean => processArgv(pid)?.[0]?.endsWith('epmd') === true;
    const started = processIds().find((pid) => {
      if (!isEpmd(pid)) return false;
      const env = processEnvironment(pid);
      return env?.get('HOME') === this.epmdOwnerDataDir && env.get('ERL_EPMD_PORT') === port;
    });
    if (started !== undefined) return started;
    const listener = listeningPids(this.options.epmdPort).find(isEpmd);
    if (listener === undefined) return undefined;
    const names = await this.epmdNames();
    return names?.every((name) => this.isOwnNodeName(name)) ? listener : undefined;
  }

  /** The node names registered with the epmd on this node's epmd port, or undefined if it does not answer. */
  private async epmdNames(): Promise<string[] | undefined> {
    const result = await runCommand(epmdBinary(), ['-port', String(this.options.epmdPort), '-names'], {
      env: this.environment(),
      timeoutMs: 5_000,
    }).catch(() => undefined);
    if (result?.code !== 0 || !/up and running/.test(result.stdout)) return undefined;
    return [...result.stdout.matchAll(/^name (\S+) at port/gm)].map((match) => match[1]);
  }

  /** The data folder whose environment starts this node's epmd: its own, or its cluster's first node's. */
  private get epmdOwnerDataDir(): string {
    return this.options.cluster ? resolve(this.options.cluster.epmdOwnerDataDir) : this.dataDir;
  }

  /** This node's (or a cluster peer's) short name, or a `rabbitmqctl` run's (`rabbitmqcli-<n>-<name>`: short-lived, hidden). */
  private isOwnNodeName(name: string): boolean {
    const names = this.options.cluster?.nodeNames ?? [this.nodeName];
    return names.some((node) => name === node.split('@')[0]) || name.startsWith('rabbitmqcli-');
  }
}

/** Installs Debian's `rabbitmq-server` when it is missing (root only; otherwise says what to do). */
export async function ensureRabbitMqInstalled(logDir: string): Promise<void> {
  if (existsSync(join(RABBITMQ_BIN, 'rabbitmq-server'))) return;
  if (!isRoot()) {
    throw new Error(
      `RabbitMQ is not installed (${RABBITMQ_BIN}/rabbitmq-server is missing): run \`apt-get install rabbitmq-server\` as root, or set RABBITMQ_URL to use another broker`,
    );
  }
  await aptInstall(['rabbitmq-server'], join(logDir, 'apt-get.log'));
}

/** `epmd` from PATH, else from the Erlang runtime Debian's `erlang-base` installs. */
export function epmdBinary(): string {
  const onPath = (process.env.PATH ?? '')
    .split(':')
    .map((dir) => join(dir, 'epmd'))
    .find((file) => existsSync(file));
  if (onPath) return onPath;
  const erlang = '/usr/lib/erlang';
  const erts = existsSync(erlang) ? readdirSync(erlang).filter((dir) => dir.startsWith('erts-')) : [];
  return erts.length ? join(erlang, erts.sort().reverse()[0], 'bin', 'epmd') : 'epmd';
}
