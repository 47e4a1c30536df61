/**
 * The local development stack: a private RabbitMQ and PostgreSQL on loopback ports, data in
 * `.stack/`, provisioned for the partners in `config/partners.yaml`.
 *
 *   node tools/run-ts.js tools/stack.ts up [--plain] [--cluster N]|down|status|env
 *
 * `up` uses the broker in RABBITMQ_URL (an administrator; RABBITMQ_MANAGEMENT_URL for its API)
 * and the database in DATABASE_ADMIN_URL or DATABASE_URL (an administrator) instead of starting
 * its own when they are set. Either way it creates every app's database roles (the hub, the
 * sandbox, one adapter instance per partner: a runtime role and a schema owner each), passwords
 * generated once into .stack/credentials.json. Ports:
 * CSTR_STACK_AMQPS_PORT, CSTR_STACK_AMQP_PORT, CSTR_STACK_MANAGEMENT_PORT, CSTR_STACK_DIST_PORT,
 * CSTR_STACK_EPMD_PORT, CSTR_STACK_PG_PORT.
 *
 * The stack's own servers speak TLS only (AMQPS, PostgreSQL `hostssl`; its CA in `.stack/tls/ca.pem`);
 * `up --plain` (or CSTR_STACK_PLAIN=on) opens AMQP in clear on CSTR_STACK_AMQP_PORT and
 * PostgreSQL without TLS too.
 *
 * `up --cluster 3` (or CSTR_STACK_BROKER_NODES=3) runs RabbitMQ as a cluster of three nodes on
 * loopback (their ports follow the stack's: see `clusterNodePorts`), every quorum queue replicated
 * on each; `stack.env` then lists every node in each broker URL (RABBITMQ_URL=amqps://…,amqps://…).
 * `up` without it goes back to the single node; `down` stops every node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  DEV_STACK_PORTS,
  clusterNodePorts,
  projectRoot,
  localStackStatus,
  readPartnersFile,
  readStackEnvFile,
  startLocalStack,
  stopLocalStack,
  systemDatabaseApps,
  type LocalStackPorts,
} from '@cstr/testing';

const root = projectRoot();
const dataDir = join(root, '.stack');
const envFile = join(dataDir, 'stack.env');
const partnersFile = join(root, 'config', 'partners.yaml');

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'up':
      return up(
        process.argv.includes('--plain') || /^(on|1|true|yes)$/i.test(process.env.CSTR_STACK_PLAIN ?? ''),
        brokerNodes(),
      );
    case 'down':
      return down();
    case 'status':
      return status();
    case 'env':
      return printEnv();
    default:
      console.error('usage: node tools/run-ts.js tools/stack.ts up [--plain] [--cluster N]|down|status|env');
      process.exitCode = 2;
  }
}

async function up(plain: boolean, nodes: number): Promise<void> {
  const ours = readEnvFile();
  // Ignore variables that merely echo our own stack.env (a shell that sourced it): those are
  // the hub's credentials, not an administrator's.
  const fromEnvironment = (key: string): string | undefined =>
    process.env[key] && process.env[key] !== ours[key] ? process.env[key] : undefined;
  const externalRabbitUrl = fromEnvironment('RABBITMQ_URL');
  const externalDatabaseUrl = fromEnvironment('DATABASE_ADMIN_URL') ?? fromEnvironment('DATABASE_URL');

  const partners = readPartnersFile(partnersFile);
  // Ctrl-C while starting: the start settles first (its helpers got the signal too, so it usually
  // fails and stops what it started itself), then whatever it did start is stopped.
  let interrupted = false;
  const onSignal = (): void => {
    if (!interrupted) console.error('Interrupted: stopping the stack once its start has settled…');
    interrupted = true;
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const stack = await startLocalStack({
    dataDir,
    ports: ports(),
    partners,
    externalBroker: externalRabbitUrl
      ? { adminUrl: externalRabbitUrl, managementUrl: process.env.RABBITMQ_MANAGEMENT_URL }
      : undefined,
    externalDatabaseUrl,
    plain,
    databaseApps: systemDatabaseApps(partners),
    brokerNodes: nodes,
  }).finally(() => process.off('SIGINT', onSignal).off('SIGTERM', onSignal));
  if (interrupted) {
    if (stack.timings.rabbitmqMs > 0 || stack.timings.postgresMs > 0) await stopLocalStack(dataDir);
    throw new Error('Interrupted: what this start started is stopped again.');
  }

  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const how = (local: boolean, ms: number): string =>
    !local ? 'external' : ms > 0 ? `started in ${seconds(ms)}` : 'already running';
  console.log(`cstr local stack (${relative(root, dataDir)}/)`);
  console.log(
    `  RabbitMQ    ${redact(stack.rabbitmqUrl)}  management ${stack.rabbitmqManagementUrl}  ${how(stack.local.rabbitmq, stack.timings.rabbitmqMs)}`,
  );
  if (stack.brokerCluster) {
    console.log(
      `  Cluster of ${stack.brokerCluster.nodes.length} nodes: ${stack.brokerCluster.nodes.map((node) => `${node.nodeName} (amqps ${node.amqpsPort})`).join(', ')}; quorum queues on every node`,
    );
  }
  console.log(
    `  PostgreSQL  ${redact(stack.databaseUrl ?? '-')}  ${how(stack.local.postgres, stack.timings.postgresMs)}`,
  );
  console.log(
    `  Database roles: a runtime role and a schema owner for the hub, the sandbox and each adapter instance (${Object.keys(stack.databaseApps).length} apps)`,
  );
  console.log(
    `  Provisioned vhost cstr: hub + ${partners.length} partners (${partners.map((p) => p.id).join(', ')}) in ${seconds(stack.timings.provisionMs)}`,
  );
  console.log(`  Connection URLs with passwords: ${relative(root, envFile)} (print: stack.ts env)`);
  console.log(
    `  TLS: CA ${relative(root, stack.tls.caFile)}; client certificates ${relative(root, stack.tls.dir)}/clients/<user>.pem${stack.plain ? `; plain AMQP on 127.0.0.1:${plainAmqpPorts(nodes).join(', ')} and PostgreSQL without TLS too (--plain)` : ''}`,
  );
}

async function down(): Promise<void> {
  const before = localStackStatus(dataDir);
  await stopLocalStack(dataDir);
  if (!before) return console.log('Nothing to stop: the stack was never started here.');
  const rabbit = before.rabbitmq === 'external' ? undefined : before.rabbitmq;
  const runningNodes = rabbit?.nodes?.filter((node) => node.running).length ?? 0;
  const stopped = [
    runningNodes > 0 ? `RabbitMQ (${runningNodes} nodes)` : rabbit?.running ? 'RabbitMQ' : undefined,
    typeof before.postgres === 'object' && before.postgres.running ? 'PostgreSQL' : undefined,
  ].filter(Boolean);
  console.log(
    stopped.length
      ? `Stopped ${stopped.join(' and ')}; data kept in ${relative(root, dataDir)}/.`
      : 'Nothing was running.',
  );
}

function status(): void {
  const state = localStackStatus(dataDir);
  if (!state) return console.log('The stack was never started here (stack.ts up).');
  const env = readEnvFile();
  if (state.rabbitmq === 'external') {
    console.log(
      `RabbitMQ    external  ${redact(env.RABBITMQ_URL ?? '?')}  management ${env.RABBITMQ_MANAGEMENT_URL ?? '?'}`,
    );
  } else if (state.rabbitmq.nodes) {
    console.log(`RabbitMQ    cluster of ${state.rabbitmq.nodes.length} nodes  epmd ${state.rabbitmq.ports.epmd}`);
    for (const node of state.rabbitmq.nodes) {
      console.log(
        `  ${node.name}  ${node.running ? `running (pid ${node.pid})` : 'stopped'}  amqps 127.0.0.1:${node.amqpsPort}  management http://127.0.0.1:${node.managementPort}`,
      );
    }
  } else {
    const { running, pid, ports } = state.rabbitmq;
    console.log(
      `RabbitMQ    ${running ? `running (pid ${pid})` : 'stopped'}  amqps 127.0.0.1:${ports.amqps}  management http://127.0.0.1:${ports.management}  dist ${ports.dist}  epmd ${ports.epmd}`,
    );
  }
  if (state.postgres === 'external')
    console.log(`PostgreSQL  external  ${redact(env.DATABASE_ADMIN_URL ?? env.DATABASE_URL ?? '?')}`);
  else if (state.postgres === 'none') console.log('PostgreSQL  none');
  else
    console.log(
      `PostgreSQL  ${state.postgres.running ? 'running' : 'stopped'}  127.0.0.1:${state.postgres.ports.postgres}  data ${state.postgres.clusterDir}`,
    );
}

function printEnv(): void {
  if (!existsSync(envFile)) {
    console.error('No stack.env yet: run `stack.ts up` first.');
    process.exitCode = 1;
    return;
  }
  process.stdout.write(readFileSync(envFile, 'utf8'));
}

function ports(): LocalStackPorts {
  const port = (key: string, fallback: number): number => {
    const value = process.env[key];
    if (value === undefined || value === '') return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535)
      throw new Error(`${key} must be a TCP port, not ${value}`);
    return parsed;
  };
  return {
    amqps: port('CSTR_STACK_AMQPS_PORT', DEV_STACK_PORTS.amqps),
    amqp: port('CSTR_STACK_AMQP_PORT', DEV_STACK_PORTS.amqp),
    management: port('CSTR_STACK_MANAGEMENT_PORT', DEV_STACK_PORTS.management),
    dist: port('CSTR_STACK_DIST_PORT', DEV_STACK_PORTS.dist),
    epmd: port('CSTR_STACK_EPMD_PORT', DEV_STACK_PORTS.epmd),
    postgres: port('CSTR_STACK_PG_PORT', DEV_STACK_PORTS.postgres),
  };
}

/** The plain AMQP port of each RabbitMQ node (with `--plain`). */
function plainAmqpPorts(nodes: number): number[] {
  return Array.from({ length: nodes }, (_, index) => clusterNodePorts(ports(), index).amqp);
}

/** `--cluster N` (or CSTR_STACK_BROKER_NODES): RabbitMQ nodes to run; 1, a single node, by default. */
function brokerNodes(): number {
  const flag = process.argv.indexOf('--cluster');
  const value = flag >= 0 ? process.argv[flag + 1] : process.env.CSTR_STACK_BROKER_NODES;
  if (value === undefined || value === '') return 1;
  const nodes = Number(value);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 5)
    throw new Error(`--cluster takes a number of RabbitMQ nodes from 1 to 5, not ${value}`);
  return nodes;
}

function readEnvFile(): Record<string, string> {
  return readStackEnvFile(envFile);
}

/** Each URL of a (comma-separated) broker or database URL without its password and query. */
function redact(urls: string): string {
  return urls
    .split(',')
    .map((url) => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@').replace(/\?.*$/, ''))
    .join(',');
}

main(process.argv[2]).then(
  () => process.exit(),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
