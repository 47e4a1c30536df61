import * as path from 'node:path';
import {
  LocalPostgres,
  LocalRabbitMqCluster,
  LocalStackPorts,
  TEST_STACK_PORTS,
  projectRoot,
  readPartnersFile,
  removeLocalStack,
  startLocalStack,
  stopLocalStack,
  localTlsFiles,
} from '../local-stack';
import { TEST_ENV_KEYS, TestEnvironment } from './test-env';

const ROOT = projectRoot();

/** Ports of the benchmark's own stack, apart from the development and test stacks. */
export const BENCH_STACK_PORTS: LocalStackPorts = {
  amqps: 5701,
  amqp: 5702,
  management: 15702,
  dist: 25702,
  epmd: 4399,
  postgres: 5462,
};

/** A broker and database for integration tests or benchmarks, and how to release them. */
export interface IntegrationStack extends TestEnvironment {
  /**
   * The same servers in clear (AMQP on the plain port, PostgreSQL with `sslmode=disable`), when
   * asked for with `plain` (a benchmark's TLS-off run); a user's own servers as given.
   */
  readonly plain?: TestEnvironment;
  /** Stops what this call started (nothing, when the user pointed at their own servers). */
  stop(): Promise<void>;
}

/**
 * The broker and database integration tests and benchmarks run against. When the user points at
 * their own (`RABBITMQ_URL` or `RABBITMQ_ADMIN_URL` — an administrator — with `RABBITMQ_MANAGEMENT_URL`, and
 * `DATABASE_URL`), those are provisioned and used; otherwise a private RabbitMQ and PostgreSQL
 * are started in `.stack/<name>` on loopback ports of their own.
 */
export async function ensureIntegrationStack(
  name: 'test' | 'bench',
  options: { readonly plain?: boolean } = {},
): Promise<IntegrationStack> {
  const slot = testStackSlot();
  const dataDir = path.join(ROOT, '.stack', slot === 0 ? name : `${name}-${slot}`);
  const adminUrl = process.env.RABBITMQ_ADMIN_URL ?? process.env.RABBITMQ_URL;
  const databaseUrl = process.env.DATABASE_URL;
  const stack = await startLocalStack({
    dataDir,
    ports: shiftedPorts(name === 'test' ? TEST_STACK_PORTS : BENCH_STACK_PORTS, slot * 100),
    partners: readPartnersFile(path.join(ROOT, 'config/partners.yaml')),
    externalBroker: adminUrl ? { adminUrl, managementUrl: process.env.RABBITMQ_MANAGEMENT_URL } : undefined,
    externalDatabaseUrl: databaseUrl,
    plain: options.plain,
  });
  if (!stack.databaseUrl) throw new Error('The integration stack has no database');
  const plain = stack.plain;
  return {
    rabbitAdminUrl: stack.rabbitmqAdminUrl,
    rabbitManagementUrl: stack.rabbitmqManagementUrl,
    databaseUrl: stack.databaseUrl,
    hubUrl: stack.rabbitmqUrl,
    partnerUrls: stack.partnerUrls,
    plain: plain && {
      rabbitAdminUrl: plain.rabbitmqAdminUrl,
      rabbitManagementUrl: stack.rabbitmqManagementUrl,
      databaseUrl: plain.databaseUrl ?? stack.databaseUrl,
      hubUrl: plain.rabbitmqUrl,
      partnerUrls: plain.partnerUrls,
    },
    // Stop only what this call booted: another run may be using a stack it found running.
    stop: async () => {
      if (stack.timings.rabbitmqMs > 0 || stack.timings.postgresMs > 0) await stopLocalStack(dataDir);
    },
  };
}

/**
 * `TEST_STACK_SLOT` (1–9) gives a test or benchmark run a private stack of its own
 * (`.stack/test-<slot>`, `.stack/bench-<slot>`, every port shifted by 100 × slot), so that several
 * runs on one machine never stop each other's broker.
 */
export function testStackSlot(): number {
  const raw = process.env.TEST_STACK_SLOT;
  if (raw === undefined || raw === '') return 0;
  const slot = Number(raw);
  if (!Number.isInteger(slot) || slot < 1 || slot > 9)
    throw new Error(`TEST_STACK_SLOT must be a whole number from 1 to 9, not "${raw}"`);
  return slot;
}

function shiftedPorts(ports: LocalStackPorts, by: number): LocalStackPorts {
  return {
    amqps: ports.amqps + by,
    amqp: ports.amqp + by,
    management: ports.management + by,
    dist: ports.dist + by,
    epmd: ports.epmd + by,
    postgres: ports.postgres + by,
  };
}

/** Exports a stack's addresses to the test workers (they inherit the environment). */
export function exportTestEnvironment(environment: TestEnvironment): void {
  process.env[TEST_ENV_KEYS.rabbitAdminUrl] = environment.rabbitAdminUrl;
  process.env[TEST_ENV_KEYS.rabbitManagementUrl] = environment.rabbitManagementUrl;
  process.env[TEST_ENV_KEYS.databaseUrl] = environment.databaseUrl;
  process.env[TEST_ENV_KEYS.hubUrl] = environment.hubUrl;
  process.env[TEST_ENV_KEYS.partnerUrls] = JSON.stringify(environment.partnerUrls);
}

/**
 * Ports of a fault test's broker cluster (node 1's; the others follow, see `clusterNodePorts`),
 * apart from the test, bench and broker-restart stacks, shifted by 100 × `TEST_STACK_SLOT`.
 */
export const CLUSTER_TEST_STACK_PORTS: LocalStackPorts = {
  amqps: 5721,
  amqp: 5722,
  management: 15722,
  dist: 25722,
  epmd: 4422,
  postgres: 5472,
};

/** A RabbitMQ cluster a test started for itself, provisioned like the test stack (no database of its own). */
export interface BrokerClusterStack extends Omit<TestEnvironment, 'databaseUrl'> {
  /** The nodes, to stop or kill one in the middle of a test. */
  readonly cluster: LocalRabbitMqCluster;
  /** Stops every node and deletes the cluster's folder; safe to call after a failed start. */
  remove(): Promise<void>;
}

/**
 * Starts a RabbitMQ cluster of `nodes` nodes for a fault test in `.stack/<name>[-<slot>]` (what an
 * earlier run left there removed first), on {@link CLUSTER_TEST_STACK_PORTS} shifted by the slot, and
 * provisions vhost `cstr` for the partners of `config/partners.yaml`. The hub's and the partners'
 * URLs list every node (as `RABBITMQ_URL` takes them); the administrator's is the first node's.
 * The single-node test stack ({@link ensureIntegrationStack}) is not touched.
 */
export async function startBrokerClusterStack(name: string, nodes = 3): Promise<BrokerClusterStack> {
  const { stack } = await startClusterStack(name, nodes, CLUSTER_TEST_STACK_PORTS, false);
  return stack;
}

/**
 * Ports of the whole-hub fault test's cluster and database (node 1's; the others follow, see
 * `clusterNodePorts`), apart from every other stack's, shifted by 100 × `TEST_STACK_SLOT`.
 */
export const HUB_CLUSTER_TEST_STACK_PORTS: LocalStackPorts = {
  amqps: 5731,
  amqp: 5732,
  management: 15732,
  dist: 25732,
  epmd: 4432,
  postgres: 5482,
};

/** A RabbitMQ cluster and a PostgreSQL a test started for itself, both to stop and start again mid-test. */
export interface ClusterStackWithDatabase extends BrokerClusterStack {
  /** The database administrator (superuser) of {@link postgres}, over TLS (`sslmode=verify-full`). */
  readonly databaseUrl: string;
  /** The test's own PostgreSQL (never the machine's): `stop()` and `start()` keep its data. */
  readonly postgres: LocalPostgres;
}

/**
 * As {@link startBrokerClusterStack}, with a PostgreSQL of the test's own in the same folder, on
 * {@link HUB_CLUSTER_TEST_STACK_PORTS} (shifted by the slot) unless `ports` says otherwise: a fault
 * test of the whole hub stops and restarts broker nodes and the database. `remove()` stops both and
 * deletes their data.
 */
export async function startClusterStackWithDatabase(
  name: string,
  nodes = 3,
  ports: LocalStackPorts = HUB_CLUSTER_TEST_STACK_PORTS,
): Promise<ClusterStackWithDatabase> {
  const { stack, dataDir, databaseUrl, ports: shifted } = await startClusterStack(name, nodes, ports, true);
  if (!databaseUrl) {
    await stack.remove().catch(() => undefined);
    throw new Error(`${dataDir} started no database`);
  }
  // The same server the stack started (its folder, port, database and certificates), to stop and start.
  const postgres = new LocalPostgres({
    dataDir: path.join(dataDir, 'postgres'),
    port: shifted.postgres,
    database: 'cstr',
    tls: localTlsFiles(path.join(dataDir, 'tls')),
  });
  return { ...stack, databaseUrl, postgres };
}

async function startClusterStack(
  name: string,
  nodes: number,
  basePorts: LocalStackPorts,
  postgres: boolean,
): Promise<{ stack: BrokerClusterStack; dataDir: string; databaseUrl?: string; ports: LocalStackPorts }> {
  const slot = testStackSlot();
  const dataDir = path.join(ROOT, '.stack', slot === 0 ? name : `${name}-${slot}`);
  const ports = shiftedPorts(basePorts, slot * 100);
  await removeLocalStack(dataDir);
  const remove = (): Promise<void> => removeLocalStack(dataDir);
  try {
    const stack = await startLocalStack({
      dataDir,
      ports,
      partners: readPartnersFile(path.join(ROOT, 'config/partners.yaml')),
      postgres,
      brokerNodes: nodes,
    });
    if (!stack.brokerCluster) throw new Error(`${dataDir} started no cluster`);
    return {
      stack: {
        rabbitAdminUrl: stack.rabbitmqAdminUrl,
        rabbitManagementUrl: stack.rabbitmqManagementUrl,
        hubUrl: stack.rabbitmqUrl,
        partnerUrls: stack.partnerUrls,
        cluster: stack.brokerCluster,
        remove,
      },
      dataDir,
      databaseUrl: stack.databaseUrl,
      ports,
    };
  } catch (error) {
    await remove().catch(() => undefined);
    throw error;
  }
}
