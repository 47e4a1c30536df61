import 'reflect-metadata';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readPartnersFile } from '@cstr/testing';
import { loadPartnersFile, LOCAL_SANDBOX_BASE_URL } from '@cstr/policy';
import { BaseAppConfig, PartnerAdapterConfig } from '@cstr/platform';
import { ADAPTER_APP_BY_PARTNER_KIND } from '@cstr/contracts';

/**
 * docker-compose.yml and .env.example stay in step with config/partners.yaml and the apps'
 * config classes: one adapter per partner, loopback-only ports, health checks, documented keys.
 */

const ROOT = join(__dirname, '..');

const ADAPTER_OF_KIND: Readonly<Record<string, string>> = ADAPTER_APP_BY_PARTNER_KIND;
const ADAPTERS = new Set(Object.values(ADAPTER_OF_KIND));

type Port = string | number | { host_ip?: string; target?: number | string; published?: number | string };
interface Service {
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  ports?: Port[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  profiles?: string[];
  entrypoint?: string | string[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  restart?: string;
  depends_on?: string[] | Record<string, { condition?: string }>;
}

const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const services = (parse(composeText, { merge: true }) as { services: Record<string, Service> }).services;
const partners = readPartnersFile(join(ROOT, 'config', 'partners.yaml'));
/** The partners with their adapter settings apart (`adapter`), as the apps read them. */
const partnerSettings = loadPartnersFile(join(ROOT, 'config', 'partners.yaml'));
const envExample = readFileSync(join(ROOT, '.env.example'), 'utf8');
/** Keys listed in .env.example, set (`KEY=…`) or shown commented out (`# KEY=…`). */
const envExampleKeys = new Set([...envExample.matchAll(/^(?:#\s*)?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]));

/** The app a service runs (`node dist/apps/<app>/src/main.js`), if any. */
function appOf(service: Service): string | undefined {
  const command = [service.command ?? []].flat().join(' ');
  return /\bdist\/apps\/([a-z0-9-]+)\/src\/main\.js\b/.exec(command)?.[1];
}

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  const entries = Array.isArray(env)
    ? env.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
    : Object.entries(env).map(([key, value]) => [key, String(value ?? '')]);
  return Object.fromEntries(entries) as Record<string, string>;
}

function dependsOn(service: Service): Record<string, string | undefined> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep?.condition ?? 'service_started']));
}

function passwordVariable(user: string): string {
  return `BROKER_PASSWORD_${user.toUpperCase().replace(/-/g, '_')}`;
}

/** The variables of an app's database passwords, as tools/provision-database.ts reads them. */
function databasePasswordVariables(app: string): { runtime: string; owner: string } {
  const suffix = app.toUpperCase().replace(/-/g, '_');
  return { runtime: `DATABASE_PASSWORD_${suffix}`, owner: `DATABASE_OWNER_PASSWORD_${suffix}` };
}

/** The database app a service runs as: its partner (adapters), `hub` or `partner-sandbox`. */
function databaseAppOf(service: Service): string {
  return environmentOf(service).PARTNER_ID ?? (appOf(service) === 'partner-sandbox' ? 'partner-sandbox' : 'hub');
}

const appServices = Object.entries(services).filter(([, service]) => appOf(service) !== undefined);

describe('docker-compose.yml', () => {
  it('runs the hub and the partner sandbox', () => {
    expect(appOf(services.hub ?? {})).toBe('hub');
    expect(appOf(services['partner-sandbox'] ?? {})).toBe('partner-sandbox');
  });

  it('keeps the partner sandbox behind the sandbox profile, and everything production needs in no profile', () => {
    expect(services['partner-sandbox']?.profiles).toEqual(['sandbox']);
    const sandboxOnly = ['partner-sandbox', 'provision-database-sandbox'];
    const profiled = Object.entries(services)
      .filter(([name, service]) => !sandboxOnly.includes(name) && service.profiles !== undefined)
      .map(([name]) => name);
    expect(profiled).toEqual([]);
    expect(services['provision-database-sandbox']?.profiles).toEqual(['sandbox']);
    // Production unless .env says otherwise.
    expect(composeText).toMatch(/^\s+NODE_ENV: \$\{NODE_ENV:-production\}$/m);
    for (const [, service] of appServices) expect(environmentOf(service).NODE_ENV).toBe('${NODE_ENV:-production}');
  });

  it('requires every password, key and secret: no default, compose refuses to start naming the variable', () => {
    const problems: string[] = [];
    for (const [, name, operator, rest] of composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?([^}]*)\}/g)) {
      if (!/PASSWORD|SECRET|_KEY$|_KEYS$|PRINCIPALS/.test(name)) continue;
      // An optional list of further keys may be empty; nothing may be filled in for the operator.
      if (operator === ':-' && rest === '' && name.endsWith('_KEYS')) continue;
      if (operator !== ':?' || rest.trim() === '')
        problems.push(`\${${name}${operator ?? ''}${rest}}: use \${${name}:?<what to set>}`);
    }
    expect(problems).toEqual([]);
    expect(composeText).not.toMatch(/dev-only-[a-z]/);
    const required = new Set([...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):\?/g)].map((match) => match[1]));
    for (const key of [
      'POSTGRES_PASSWORD',
      'RABBITMQ_ADMIN_PASSWORD',
      'AUDIT_HMAC_KEY',
      'PARTITION_KEY_SECRET',
      'HUB_PRINCIPALS_FILE',
      ...['hub', ...partners.map(({ id }) => id)].map(passwordVariable),
      ...['hub', 'partner-sandbox', ...partners.map(({ id }) => id)].flatMap((app) =>
        Object.values(databasePasswordVariables(app)),
      ),
    ])
      expect({ key, required: required.has(key) }).toEqual({ key, required: true });
  });

  it("mounts the hub's principals from HUB_PRINCIPALS_FILE, never the image's demo file", () => {
    const hub = services.hub ?? {};
    const target = environmentOf(hub).PRINCIPALS_FILE;
    expect(target).toMatch(/^\/etc\//);
    const mounts = (hub.volumes ?? []).map((volume) =>
      typeof volume === 'string' ? volume : `${volume.source}:${volume.target}`,
    );
    expect(mounts).toContainEqual(
      expect.stringMatching(new RegExp(`^\\$\\{HUB_PRINCIPALS_FILE:\\?[^}]+\\}:${target}:ro$`)),
    );
  });

  it('runs exactly one adapter of the right app for each partner in config/partners.yaml, and none other', () => {
    const problems: string[] = [];
    for (const partner of partners) {
      const app = ADAPTER_OF_KIND[partner.kind];
      if (!app) {
        problems.push(`${partner.id}: unknown kind ${partner.kind}`);
        continue;
      }
      const serving = appServices.filter(([, service]) => environmentOf(service).PARTNER_ID === partner.id);
      if (serving.length !== 1) {
        problems.push(
          `${partner.id}: ${serving.length} services with PARTNER_ID=${partner.id} (${serving.map(([name]) => name).join(', ')}), expected 1`,
        );
        continue;
      }
      const [name, service] = serving[0];
      if (appOf(service) !== app)
        problems.push(`${name}: runs ${appOf(service)}, but a ${partner.kind} partner needs ${app}`);
      if (name !== `${app}-${partner.id}`) problems.push(`${name}: should be named ${app}-${partner.id}`);
    }
    const known = new Set(partners.map(({ id }) => id));
    for (const [name, service] of appServices) {
      const partnerId = environmentOf(service).PARTNER_ID;
      if (ADAPTERS.has(appOf(service)!) && !known.has(partnerId))
        problems.push(`${name}: PARTNER_ID=${partnerId} is not in config/partners.yaml`);
    }
    expect(problems).toEqual([]);
  });

  it("connects each adapter as its partner's broker user, with the password the provision service sets", () => {
    const provisioned = environmentOf(services.provision ?? {});
    const problems: string[] = [];
    for (const [name, service] of appServices) {
      const env = environmentOf(service);
      const user = env.PARTNER_ID ?? 'hub';
      const expected = new RegExp(`^amqps?://${user}:\\$\\{${passwordVariable(user)}:\\?[^}]+\\}@[^/]+/cstr$`);
      if (!expected.test(env.RABBITMQ_URL ?? ''))
        problems.push(`${name}: RABBITMQ_URL must be amqp://${user}:\${${passwordVariable(user)}…}@…/cstr`);
      if (!(passwordVariable(user) in provisioned))
        problems.push(`provision: lacks ${passwordVariable(user)} (for ${name})`);
    }
    expect(problems).toEqual([]);
  });

  it("connects each app to the database as its own runtime role, migrating as its schema's owner, never as the superuser", () => {
    const problems: string[] = [];
    for (const [name, service] of appServices) {
      const env = environmentOf(service);
      const app = databaseAppOf(service);
      const role = `cstr_${app.replace(/-/g, '_')}`;
      const variables = databasePasswordVariables(app);
      const url = (user: string, variable: string): RegExp =>
        new RegExp(`^postgres://${user}:\\$\\{${variable}:\\?[^}]+\\}@postgres:5432/cstr(\\?\\S*)?$`);
      if (!url(role, variables.runtime).test(env.DATABASE_URL ?? ''))
        problems.push(`${name}: DATABASE_URL must be postgres://${role}:\${${variables.runtime}…}@postgres:5432/cstr`);
      if (!url(`${role}_owner`, variables.owner).test(env.DATABASE_MIGRATION_URL ?? ''))
        problems.push(
          `${name}: DATABASE_MIGRATION_URL must be postgres://${role}_owner:\${${variables.owner}…}@postgres:5432/cstr`,
        );
      // The provisioning that creates its roles: the sandbox's only with the sandbox profile.
      const provisioning = app === 'partner-sandbox' ? 'provision-database-sandbox' : 'provision-database';
      const provisioned = environmentOf(services[provisioning] ?? {});
      for (const variable of Object.values(variables))
        if (provisioned[variable] !== `\${${variable}:?set ${variable} in .env}`)
          problems.push(`${provisioning}: lacks ${variable} (for ${name})`);
      if (dependsOn(service)[provisioning] !== 'service_completed_successfully')
        problems.push(`${name}: must depend on ${provisioning} (service_completed_successfully)`);
    }
    expect(problems).toEqual([]);
    expect(composeText).not.toMatch(/^\s+DATABASE_URL: postgres:\/\/postgres:/m);
  });

  it('provisions the database roles once PostgreSQL is healthy, with the built provisioning tool, as its administrator', () => {
    for (const [name, apps] of [
      ['provision-database', undefined],
      ['provision-database-sandbox', 'partner-sandbox'],
    ] as const) {
      const service = services[name] ?? {};
      const command = [service.command ?? []].flat();
      expect(command.join(' ')).toContain('dist/tools/provision-database.js');
      if (apps) expect(command.slice(-2)).toEqual(['--apps', apps]);
      else expect(command).not.toContain('--apps');
      expect(dependsOn(service).postgres).toBe('service_healthy');
      expect(environmentOf(service).DATABASE_ADMIN_URL).toMatch(
        /^postgres:\/\/postgres:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/cstr/,
      );
    }
  });

  it('publishes every port on the loopback only, each host port once', () => {
    const problems: string[] = [];
    const seen = new Map<string, string>();
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        const hostPort =
          typeof port === 'object'
            ? port.host_ip === '127.0.0.1' && port.published !== undefined
              ? String(port.published)
              : undefined
            : /^127\.0\.0\.1:(\d+):\d+(\/(tcp|udp))?$/.exec(String(port))?.[1];
        if (hostPort === undefined) problems.push(`${name}: port ${JSON.stringify(port)} is not bound to 127.0.0.1`);
        else if (seen.has(hostPort))
          problems.push(`${name}: host port ${hostPort} is also published by ${seen.get(hostPort)}`);
        else seen.set(hostPort, name);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives every app a health check, a restart policy, its dependencies and a reachable HTTP port', () => {
    const problems: string[] = [];
    for (const [name, service] of appServices) {
      const test = [service.healthcheck?.test ?? []].flat();
      if (service.healthcheck?.disable || test.length === 0 || test[0] === 'NONE')
        problems.push(`${name}: no healthcheck`);
      else if (!test.join(' ').includes('/health')) problems.push(`${name}: healthcheck does not call /health`);
      if (service.restart !== 'unless-stopped')
        problems.push(`${name}: restart is ${service.restart}, expected unless-stopped`);
      const deps = dependsOn(service);
      if (deps.provision !== 'service_completed_successfully')
        problems.push(`${name}: must depend on provision (service_completed_successfully)`);
      if (deps.postgres !== 'service_healthy') problems.push(`${name}: must depend on postgres (service_healthy)`);
      const env = environmentOf(service);
      if (env.HTTP_HOST !== '0.0.0.0') problems.push(`${name}: HTTP_HOST must be 0.0.0.0 inside the container`);
      const targets = (service.ports ?? []).map((port) =>
        String(typeof port === 'object' ? port.target : String(port).split(':').pop()?.split('/')[0]),
      );
      if (!targets.includes(env.HTTP_PORT))
        problems.push(`${name}: HTTP_PORT ${env.HTTP_PORT} is not a published container port (${targets.join(', ')})`);
    }
    expect(problems).toEqual([]);
  });

  it('points adapters whose partner URLs are the local sandbox at the sandbox service, which names itself the same way', () => {
    const sandbox = environmentOf(services['partner-sandbox'] ?? {});
    const sandboxUrl = `http://partner-sandbox:${sandbox.HTTP_PORT}`;
    expect(sandbox.SANDBOX_PUBLIC_URL).toBe(sandboxUrl);
    const problems: string[] = [];
    for (const partner of partnerSettings) {
      const urls = Object.values(partner.adapter ?? {})
        .flat()
        .filter((value): value is string => typeof value === 'string');
      if (!urls.some((url) => url.startsWith(`${LOCAL_SANDBOX_BASE_URL}/`))) continue;
      const [name, service] = appServices.find(
        ([, candidate]) => environmentOf(candidate).PARTNER_ID === partner.id,
      ) ?? [partner.id, {}];
      if (environmentOf(service).SANDBOX_BASE_URL !== sandboxUrl)
        problems.push(
          `${name}: SANDBOX_BASE_URL must be ${sandboxUrl} (its partner URLs are under ${LOCAL_SANDBOX_BASE_URL})`,
        );
    }
    expect(problems).toEqual([]);
  });

  it('gives each provider adapter whose server sends rest-hook notifications its own service URL to be notified at', () => {
    const problems: string[] = [];
    for (const partner of partnerSettings.filter(
      (candidate) => candidate.kind === 'mh-provider' && candidate.adapter?.subscriptions !== false,
    )) {
      const [name, service] = appServices.find(
        ([, candidate]) => environmentOf(candidate).PARTNER_ID === partner.id,
      ) ?? [partner.id, {}];
      const env = environmentOf(service);
      if (env.ADAPTER_PUBLIC_URL !== `http://${name}:${env.HTTP_PORT}`)
        problems.push(`${name}: ADAPTER_PUBLIC_URL must be http://${name}:${env.HTTP_PORT}`);
    }
    expect(problems).toEqual([]);
  });

  it('runs the broker and the database with TLS only, their certificates made by tls-init first', () => {
    const tlsInit = services['tls-init'] ?? {};
    const command = [tlsInit.entrypoint ?? [], tlsInit.command ?? []].flat().join(' ');
    expect(command).toContain('make-certs.sh');
    expect(tlsInit.restart).toBe('no');
    const mountsOf = (service: Service): string[] =>
      (service.volumes ?? []).map((volume) =>
        typeof volume === 'string' ? volume : `${volume.source}:${volume.target}`,
      );
    expect(mountsOf(tlsInit)).toContain('./config/tls/make-certs.sh:/usr/local/bin/make-certs.sh:ro');
    for (const name of ['rabbitmq', 'postgres']) {
      expect({ name, tlsInit: dependsOn(services[name] ?? {})['tls-init'] }).toEqual({
        name,
        tlsInit: 'service_completed_successfully',
      });
      expect(mountsOf(services[name] ?? {})).toContain('tls:/etc/cstr-tls:ro');
    }

    // RabbitMQ: AMQPS on 5671 with peer verification and EXTERNAL login, nothing in clear.
    const rabbitmq = services.rabbitmq ?? {};
    const rabbitConf = readFileSync(join(ROOT, 'config', 'rabbitmq-tls.conf'), 'utf8');
    expect(mountsOf(rabbitmq)).toContain('./config/rabbitmq-tls.conf:/etc/rabbitmq/conf.d/30-cstr-tls.conf:ro');
    expect(rabbitConf).toMatch(/^listeners\.tcp = none$/m);
    expect(rabbitConf).toMatch(/^listeners\.ssl\.default = 5671$/m);
    expect(rabbitConf).toMatch(/^ssl_options\.verify = verify_peer$/m);
    expect(rabbitConf).toMatch(/^auth_mechanisms\.\d+ = EXTERNAL$/m);
    expect(readFileSync(join(ROOT, 'config', 'rabbitmq-enabled-plugins'), 'utf8')).toContain(
      'rabbitmq_auth_mechanism_ssl',
    );
    const published = (rabbitmq.ports ?? []).map(String);
    expect(published).toContain('127.0.0.1:5671:5671');
    expect(published.filter((port) => port.endsWith(':5672'))).toEqual([]);

    // PostgreSQL: ssl=on and hostssl only.
    const postgres = services.postgres ?? {};
    const postgresCommand = [postgres.command ?? []].flat().join(' ');
    expect(postgresCommand).toContain('ssl=on');
    expect(postgresCommand).toContain('hba_file=/etc/cstr-postgres/pg_hba.conf');
    expect(mountsOf(postgres)).toContain('./config/postgres/pg_hba.conf:/etc/cstr-postgres/pg_hba.conf:ro');
    const hba = readFileSync(join(ROOT, 'config', 'postgres', 'pg_hba.conf'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
      .map((line) => line.split(/\s+/)[0]);
    expect(hba.filter((type) => type !== 'local' && type !== 'hostssl')).toEqual([]);
    expect(hba).toContain('hostssl');
  });

  it('connects every app and the provisioning with amqps:// and sslmode=verify-full, trusting the CA of tls-init', () => {
    const problems: string[] = [];
    for (const [name, service] of appServices) {
      const env = environmentOf(service);
      if (!/^amqps:\/\/[^@]+@rabbitmq:5671\/cstr$/.test(env.RABBITMQ_URL ?? ''))
        problems.push(`${name}: RABBITMQ_URL must be amqps://…@rabbitmq:5671/cstr`);
      if (!/[?&]sslmode=verify-full(&|$)/.test(env.DATABASE_URL ?? ''))
        problems.push(`${name}: DATABASE_URL must ask sslmode=verify-full`);
      if (env.TLS_CA_FILE !== '/etc/cstr-tls/ca.pem')
        problems.push(`${name}: TLS_CA_FILE must be /etc/cstr-tls/ca.pem`);
      const mounts = (service.volumes ?? []).map(String);
      if (!mounts.includes('tls:/etc/cstr-tls:ro')) problems.push(`${name}: must mount tls:/etc/cstr-tls:ro`);
    }
    expect(problems).toEqual([]);
    const provision = environmentOf(services.provision ?? {});
    expect(provision.RABBITMQ_ADMIN_URL).toMatch(
      /^amqps:\/\/[^@]+@rabbitmq:5671\?cacertfile=\/etc\/cstr-tls\/ca\.pem$/,
    );
    expect(composeText).not.toMatch(/amqp:\/\//);
  });

  it('provisions the broker once it is healthy, with the built provisioning tool', () => {
    const provision = services.provision ?? {};
    expect([provision.command ?? []].flat().join(' ')).toContain('dist/tools/provision-broker.js');
    expect(dependsOn(provision).rabbitmq).toBe('service_healthy');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('runs in production and reads the principals from a mounted file, not the demo file it copies', () => {
    expect(dockerfile).toMatch(/^ENV NODE_ENV=production$/m);
    const [, principals] = /^ENV PRINCIPALS_FILE=(\S+)$/m.exec(dockerfile) ?? [];
    expect(principals).toMatch(/^\/etc\//);
    expect(dockerfile).not.toMatch(/principals\.yaml\s+\/etc/);
  });
});

describe('.env.example', () => {
  it('gives no password or key a value: each must be chosen', () => {
    const filled = [...envExample.matchAll(/^([A-Z][A-Z0-9_]*(?:PASSWORD|SECRET|_KEY|_KEYS)[A-Z0-9_]*)=(.+)$/gm)].map(
      (match) => match[1],
    );
    expect(filled).toEqual([]);
    expect(envExample).not.toMatch(/^[A-Z][A-Z0-9_]*=dev-only-/m);
  });

  it('lists every variable docker-compose.yml substitutes, among them every BROKER_PASSWORD_*', () => {
    const used = new Set([...composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]));
    expect([...used].filter((key) => key.startsWith('BROKER_PASSWORD_')).length).toBeGreaterThan(partners.length);
    expect([...used].filter((key) => !envExampleKeys.has(key))).toEqual([]);
  });

  it("lists the hub's and every partner's broker password", () => {
    const wanted = ['hub', ...partners.map(({ id }) => id)].map(passwordVariable);
    expect(wanted.filter((key) => !envExampleKeys.has(key))).toEqual([]);
  });

  it('lists every config key of the apps (BaseAppConfig, PartnerAdapterConfig and each app config class)', () => {
    const sources = [join(ROOT, 'libs/platform/src/config/base-app.config.ts')];
    for (const app of readdirSync(join(ROOT, 'apps'))) {
      const dir = join(ROOT, 'apps', app, 'src');
      if (existsSync(dir))
        sources.push(
          ...readdirSync(dir)
            .filter((file) => file.endsWith('.config.ts'))
            .map((file) => join(dir, file)),
        );
    }
    // Class properties are the keys: `  NAME!: type`, `  NAME?: type`, `  override NAME: type = …`.
    const declared = new Set(
      sources.flatMap((file) =>
        [
          ...readFileSync(file, 'utf8').matchAll(
            /^\s+(?:(?:public|readonly|override|declare)\s+)*([A-Z][A-Z0-9_]*)[!?]?\s*[:=]/gm,
          ),
        ].map((match) => match[1]),
      ),
    );
    // The source scan must find at least what the classes themselves carry.
    for (const key of [...Object.keys(new BaseAppConfig()), ...Object.keys(new PartnerAdapterConfig())])
      expect(declared).toContain(key);
    expect(declared).toContain('RABBITMQ_URL');
    expect(declared).toContain('PARTNER_ID');
    expect([...declared].filter((key) => !envExampleKeys.has(key))).toEqual([]);
  });

  it('lists the provisioning and local stack keys', () => {
    const keys = [
      'RABBITMQ_ADMIN_URL',
      'RABBITMQ_MANAGEMENT_URL',
      'DATABASE_ADMIN_URL',
      'PARTNERS_FILE',
      'CSTR_STACK_AMQPS_PORT',
      'CSTR_STACK_AMQP_PORT',
      'CSTR_STACK_PLAIN',
      'CSTR_STACK_MANAGEMENT_PORT',
      'CSTR_STACK_DIST_PORT',
      'CSTR_STACK_EPMD_PORT',
      'CSTR_STACK_PG_PORT',
    ];
    expect(keys.filter((key) => !envExampleKeys.has(key))).toEqual([]);
  });
});
