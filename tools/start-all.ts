/**
 * Runs every app of the system against the stack that `stack.ts up` prepared (.stack/stack.env):
 * the hub, the partner sandbox and one adapter instance per partner of config/partners.yaml, each
 * with its own broker user, HTTP port and log file (.stack/logs/). Waits until every one answers
 * GET /health, prints where they are, plays the demo (tools/demo: one person through the MHTR
 * pathway, every flow printed; `--no-demo` or `DEMO=off` skips it), and on Ctrl-C or SIGTERM stops
 * them all gracefully, then the local RabbitMQ and PostgreSQL (their data is kept).
 *
 *   node dist/tools/start-all.js [--no-demo]   (after `npm run build` and `stack.js up`; `npm start` does all three)
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADAPTER_APP_BY_PARTNER_KIND, isPartnerKind } from '@cstr/contracts';
import {
  OperatorToken,
  SandboxCredentials,
  databaseUrlVariables,
  projectRoot,
  readPartnersFile,
  stopLocalStack,
} from '@cstr/testing';
import { demoWanted } from './demo/demo-script';
import { playDemo } from './demo/play-demo';

const root = projectRoot();
const stackEnvFile = join(root, '.stack', 'stack.env');
const logDir = join(root, '.stack', 'logs');

interface Instance {
  readonly name: string;
  readonly app: string;
  readonly port: number;
  readonly env: Record<string, string>;
}

function readStackEnv(): Record<string, string> {
  if (!existsSync(stackEnvFile)) throw new Error(`${stackEnvFile} is missing: run the stack first (npm start does).`);
  return Object.fromEntries(
    readFileSync(stackEnvFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      // Values are quoted (KEY='value') so that a shell can source the file.
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/^'(.*)'$/, '$1')]),
  );
}

/**
 * Kinds whose adapter app does not serve them yet: `npm start` starts none for their partners (the
 * hub still provisions and fills their inboxes). Empty: every kind has its adapter.
 */
const ADAPTER_PENDING_KINDS: ReadonlySet<string> = new Set<string>();

function instances(stackEnv: Record<string, string>, credentials: SandboxCredentials): Instance[] {
  const base = { HTTP_HOST: '127.0.0.1' };
  // Each app with its own database roles: the runtime one, and its schema's owner for the migrations.
  const database = (name: string): Record<string, string> => {
    const keys = databaseUrlVariables(name);
    const [url, migrationUrl] = [stackEnv[keys.url], stackEnv[keys.migrationUrl]];
    if (!url || !migrationUrl)
      throw new Error(`${keys.url} is missing from ${stackEnvFile}: run the stack again to provision ${name}`);
    return { DATABASE_URL: url, DATABASE_MIGRATION_URL: migrationUrl };
  };
  const partners = readPartnersFile(join(root, 'config', 'partners.yaml'));
  // Where the sandbox's stand-ins push to: each partner's adapter, on its port below.
  const adapterUrls = JSON.stringify(
    Object.fromEntries(partners.map((partner, index) => [partner.id, `http://127.0.0.1:${3101 + index}`])),
  );
  // The sandbox stands in for partners' own systems and consumes no queue: it uses the hub's user.
  const list: Instance[] = [
    { name: 'hub', app: 'hub', port: 3000, env: { ...base, ...database('hub'), RABBITMQ_URL: stackEnv.RABBITMQ_URL } },
    {
      name: 'partner-sandbox',
      app: 'partner-sandbox',
      port: 3200,
      env: {
        ...base,
        ...database('partner-sandbox'),
        RABBITMQ_URL: stackEnv.RABBITMQ_URL,
        SANDBOX_ADAPTER_URLS: adapterUrls,
        ...credentials.sandboxEnv,
      },
    },
  ];
  partners.forEach((partner, index) => {
    if (!isPartnerKind(partner.kind)) throw new Error(`Partner ${partner.id} has an unknown kind ${partner.kind}`);
    if (ADAPTER_PENDING_KINDS.has(partner.kind)) {
      console.log(`No adapter for ${partner.id} yet (${partner.kind}): the hub's deliveries wait in its inbox.`);
      return;
    }
    const app = ADAPTER_APP_BY_PARTNER_KIND[partner.kind];
    const urlKey = `RABBITMQ_URL_${partner.id.toUpperCase().replace(/-/g, '_')}`;
    const url = stackEnv[urlKey];
    if (!url)
      throw new Error(`${urlKey} is missing from ${stackEnvFile}: run the stack again to provision ${partner.id}`);
    list.push({
      name: `${app}:${partner.id}`,
      app,
      port: 3101 + index,
      env: {
        ...base,
        ...database(partner.id),
        RABBITMQ_URL: url,
        PARTNER_ID: partner.id,
        ADAPTER_PUBLIC_URL: `http://127.0.0.1:${3101 + index}`,
        // A provider without subscriptions is polled: every 2 s locally, so the demo's steps show their flows.
        ...(app === 'secondary-care-adapter' ? { POLL_INTERVAL_MS: '2000' } : {}),
        // Its client secret or private key for its partner's token endpoint (the sandbox's), made for this start.
        ...credentials.adapterEnv(partner.id),
      },
    });
  });
  return list;
}

async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const stackEnv = readStackEnv();
  mkdirSync(logDir, { recursive: true });
  const children = new Map<string, ChildProcess>();
  let stopping = false;

  const stopAll = async (code: number): Promise<never> => {
    stopping = true;
    console.log('Stopping the apps…');
    const exits = [...children.values()]
      .filter((child) => child.exitCode === null)
      .map((child) => new Promise((done) => child.once('exit', done)));
    for (const child of children.values()) child.kill('SIGTERM');
    await Promise.race([Promise.all(exits), new Promise((done) => setTimeout(done, 20_000))]);
    // Then the broker and database this project runs itself (never ones the user pointed at); data is kept.
    await stopLocalStack(join(root, '.stack')).catch((error: unknown) =>
      console.error(`Could not stop the stack: ${String(error)}`),
    );
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  // Client secrets and keys for the partners' token endpoints (the sandbox's stand-ins), new at every start.
  const credentials = SandboxCredentials.generate(join(root, 'config', 'partners.yaml'));
  const all = instances(stackEnv, credentials);
  for (const instance of all) {
    const log = createWriteStream(join(logDir, `${instance.name.replace(':', '-')}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [join(root, 'dist', 'apps', instance.app, 'src', 'main.js')], {
      cwd: root,
      env: { ...process.env, ...instance.env, HTTP_PORT: String(instance.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.once('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${instance.name} exited (${code ?? signal}); see .stack/logs/. Stopping everything.`);
        void stopAll(1);
      }
    });
    children.set(instance.name, child);
  }

  const deadline = Date.now() + 90_000;
  const waiting = new Set(all);
  while (waiting.size > 0 && Date.now() < deadline) {
    for (const instance of [...waiting]) if (await healthy(instance.port)) waiting.delete(instance);
    if (waiting.size > 0) await new Promise((done) => setTimeout(done, 500));
  }
  if (waiting.size > 0) {
    console.error(
      `Not healthy after 90 s: ${[...waiting].map((instance) => instance.name).join(', ')} (see .stack/logs/)`,
    );
    await stopAll(1);
  }
  console.log('cstr-hub is up. Every app answers GET /health:');
  for (const instance of all) console.log(`  ${instance.name.padEnd(50)} http://127.0.0.1:${instance.port}`);
  console.log(`Broker management: ${stackEnv.RABBITMQ_MANAGEMENT_URL}   Logs: .stack/logs/   Ctrl-C stops everything.`);
  if (!demoWanted(process.argv.slice(2), process.env)) return;
  const operator = new OperatorToken('http://127.0.0.1:3200', credentials.operatorSecret);
  console.log('');
  // The demo IG user of config/principals.yaml (development secret, apps/hub/README.md).
  await playDemo({
    hubUrl: 'http://127.0.0.1:3000',
    sandboxUrl: 'http://127.0.0.1:3200',
    sandboxAuthorization: () => operator.header(),
    projectRoot: root,
    auditCredentials: 'ig-lead:dev-only-ig-lead',
    print: (line) => console.log(line),
  }).catch((error: unknown) =>
    console.error(
      `The demo stopped: ${error instanceof Error ? error.message : String(error)} (the apps keep running)`,
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
