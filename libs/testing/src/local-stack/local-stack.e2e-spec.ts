import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createConnection, createServer, type Server } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as amqp from 'amqplib';
import { amqpUrlWithClientCertificate, brokerUserOf, connectAmqp, createAppDataSource } from '@cstr/messaging';
import { Client } from 'pg';
import { DELIVERY_EXCHANGE, INGRESS_EXCHANGE, partnerInboxQueue } from '@cstr/contracts';
import { epmdBinary } from './local-rabbitmq';
import {
  LocalRabbitMq,
  ensureLocalTls,
  localTlsFiles,
  localStackStatus,
  removeLocalStack,
  startLocalStack,
  stopLocalStack,
  systemDatabaseApps,
  type LocalStack,
  type LocalStackOptions,
  type LocalStackPorts,
} from './index';

/** What Node says of a server certificate from a CA it does not trust (with or without the CA in the chain). */
const UNTRUSTED = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)$/;

// A stack of its own per run (folder and free ports): this suite stops and kills its broker,
// which must not hit the dev, test or bench stacks, nor a concurrent run of this suite. Its folder
// is inside a folder of mode 700, as a clone in root's home folder is.
const privateFolder = mkdtempSync(join(tmpdir(), 'cstr-local-stack-e2e-'));
const dataDir = join(privateFolder, 'cstr-hub', '.stack', 'e2e');
const asRoot = process.getuid?.() === 0;
let ports: LocalStackPorts;
const court = 'croydon-mc';
const provider = 'slam-mhtr';

/** A TCP port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stackOptions(): LocalStackOptions {
  return {
    dataDir,
    ports,
    partners: [{ id: court }, { id: provider }],
    retryDelaysMs: [1_000],
    databaseApps: systemDatabaseApps([
      { id: court, kind: 'hmcts' },
      { id: provider, kind: 'mh-provider' },
    ]),
  };
}

function rabbitOfStack(): LocalRabbitMq {
  return new LocalRabbitMq({
    dataDir: join(dataDir, 'rabbitmq'),
    amqpsPort: ports.amqps,
    amqpPort: ports.amqp,
    // The stack's own CA and server certificate, as startLocalStack gives its node.
    tls: localTlsFiles(join(dataDir, 'tls')),
    managementPort: ports.management,
    distPort: ports.dist,
    epmdPort: ports.epmd,
  });
}

/** How many times the stack's RabbitMQ node has booted (its log says so once per boot). */
function rabbitBoots(): number {
  const logDir = join(dataDir, 'rabbitmq', 'log');
  return readdirSync(logDir)
    .filter((file) => /@localhost\.log$/.test(file))
    .map((file) => readFileSync(join(logDir, file), 'utf8').split('Starting RabbitMQ ').length - 1)
    .reduce((sum, count) => sum + count, 0);
}

/** What of the stack still runs: its Erlang VMs, and which of its ports anything listens on. */
async function leftRunning(): Promise<{ erlangVms: number[]; listeningPorts: number[]; status: unknown }> {
  const candidates = [ports.amqps, ports.amqp, ports.management, ports.dist, ports.epmd];
  const listeningPorts: number[] = [];
  for (const port of candidates) if (await listening(port)) listeningPorts.push(port);
  const status = localStackStatus(dataDir);
  return {
    erlangVms: rabbitOfStack().vmPids(),
    listeningPorts,
    status: status && {
      rabbitmq: typeof status.rabbitmq === 'object' && status.rabbitmq.running,
      postgres: typeof status.postgres === 'object' && status.postgres.running,
    },
  };
}

/** The postmaster's pid, from the `postmaster.pid` of the cluster behind `<dataDir>/postgres`. */
function postmasterPid(): number {
  return Number.parseInt(readFileSync(join(dataDir, 'postgres', 'pgdata', 'postmaster.pid'), 'utf8'), 10);
}

/** Whether `uid`/`gid` may enter `dir` and every folder above it (owner, group or other search bit). */
function canEnter(dir: string, uid: number, gid: number): boolean {
  for (let folder = dir; ; folder = dirname(folder)) {
    const { mode, uid: owner, gid: group } = statSync(folder);
    const bit = owner === uid ? 0o100 : group === gid ? 0o010 : 0o001;
    if ((mode & bit) === 0) return false;
    if (dirname(folder) === folder) return true;
  }
}

/** Resolves with the AMQP error code that closed the channel, or 'ok' if it stayed open. */
async function channelOutcome(
  connection: amqp.ChannelModel,
  act: (channel: amqp.ConfirmChannel) => Promise<unknown>,
): Promise<number | 'ok'> {
  const channel = await connection.createConfirmChannel();
  let closedWith: number | undefined;
  channel.on('error', (error: { code?: number }) => (closedWith = error.code));
  try {
    await act(channel);
    await new Promise((resolve) => setTimeout(resolve, 200));
  } catch (error) {
    closedWith ??= (error as { code?: number }).code ?? -1;
  }
  await channel.close().catch(() => undefined);
  return closedWith ?? 'ok';
}

function publish(channel: amqp.ConfirmChannel, exchange: string, routingKey: string, userId?: string): Promise<void> {
  return new Promise((resolve, reject) =>
    channel.publish(
      exchange,
      routingKey,
      Buffer.from('{}'),
      { persistent: true, messageId: `${routingKey}-${Date.now()}`, userId },
      (error) => (error ? reject(error) : resolve()),
    ),
  );
}

describe('local stack', () => {
  let stack: LocalStack;
  let partner: amqp.ChannelModel;

  beforeAll(async () => {
    const [amqps, amqpPort, management, dist, epmd, postgres] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    ports = { amqps, amqp: amqpPort, management, dist, epmd, postgres };
    stack = await startLocalStack(stackOptions());
    partner = await connectAmqp(stack.partnerUrls[court]);
  }, 180_000);

  afterAll(async () => {
    await partner?.close().catch(() => undefined);
    await removeLocalStack(dataDir);
    rmSync(privateFolder, { recursive: true, force: true });
  }, 60_000);

  it('runs PostgreSQL from a project inside a folder of mode 700', async () => {
    expect(statSync(privateFolder).mode & 0o777).toBe(0o700);
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    expect((await db.query('SELECT current_database() AS name')).rows[0].name).toBe('cstr');
    await db.end();

    const server = statSync(`/proc/${postmasterPid()}`);
    const link = join(dataDir, 'postgres');
    if (asRoot) {
      // As root the server runs as the `postgres` OS user, which cannot enter the mode-700
      // folder: the cluster lives outside it, in a folder that user can enter, linked from the stack.
      const postgresUser = Number(
        readFileSync('/etc/passwd', 'utf8')
          .split('\n')
          .find((line) => line.startsWith('postgres:'))
          ?.split(':')[2],
      );
      expect(server.uid).toBe(postgresUser);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      const clusterDir = readlinkSync(link);
      expect(clusterDir.startsWith(privateFolder)).toBe(false);
      expect(canEnter(join(clusterDir, 'pgdata'), server.uid, server.gid)).toBe(true);
      expect(canEnter(dataDir, server.uid, server.gid)).toBe(false);
    } else {
      // Not root: the server runs as this user, with its cluster in the stack's folder itself.
      expect(server.uid).toBe(process.getuid?.());
      expect(lstatSync(link).isDirectory()).toBe(true);
      expect(canEnter(join(link, 'pgdata'), server.uid, server.gid)).toBe(true);
    }
  });

  it('lets a partner publish to ingress with its own routing-key prefix only', async () => {
    expect(
      await channelOutcome(partner, (channel) => publish(channel, INGRESS_EXCHANGE, `${court}.court.hearing.listed`)),
    ).toBe('ok');
    expect(
      await channelOutcome(partner, (channel) =>
        publish(channel, INGRESS_EXCHANGE, `${provider}.court.hearing.listed`),
      ),
    ).toBe(403);
    expect(
      await channelOutcome(partner, (channel) => publish(channel, DELIVERY_EXCHANGE, `${court}.court.hearing.listed`)),
    ).toBe(403);
  });

  it('lets a partner consume its own inbox and no other', async () => {
    expect(await channelOutcome(partner, (channel) => channel.consume(partnerInboxQueue(court), () => undefined))).toBe(
      'ok',
    );
    expect(
      await channelOutcome(partner, (channel) => channel.consume(partnerInboxQueue(provider), () => undefined)),
    ).toBe(403);
    expect(
      await channelOutcome(partner, (channel) => channel.bindQueue(partnerInboxQueue(court), DELIVERY_EXCHANGE, '#')),
    ).toBe(403);
  });

  describe('TLS', () => {
    it('gives amqps:// and verify-full URLs trusting the stack CA, and keeps private keys to their owner', () => {
      for (const url of [stack.rabbitmqUrl, stack.rabbitmqAdminUrl, ...Object.values(stack.partnerUrls)]) {
        expect(new URL(url).protocol).toBe('amqps:');
        expect(new URL(url).port).toBe(String(ports.amqps));
        expect(new URL(url).searchParams.get('cacertfile')).toBe(stack.tls.caFile);
      }
      const database = new URL(stack.databaseUrl ?? '');
      expect(database.searchParams.get('sslmode')).toBe('verify-full');
      expect(database.searchParams.get('sslrootcert')).toBe(stack.tls.caFile);
      expect(stack.env.TLS_CA_FILE).toBe(stack.tls.caFile);
      expect(readFileSync(join(dataDir, 'stack.env'), 'utf8')).toContain(`RABBITMQ_URL='amqps://`);
      for (const key of [
        join(stack.tls.dir, 'ca.key'),
        stack.tls.serverKeyFile,
        stack.tls.clientKeyFile(court),
        stack.tls.clientKeyFile('hub'),
      ]) {
        expect(statSync(key).mode & 0o777).toBe(0o600);
      }
      expect(new X509Certificate(readFileSync(stack.tls.clientCertFile(court))).subject).toContain(`CN=${court}`);
    });

    it('refuses AMQP in clear: nothing listens on the plain port', async () => {
      expect(await listening(ports.amqp)).toBe(false);
      const inClear = new URL(stack.partnerUrls[court]);
      inClear.protocol = 'amqp:';
      inClear.port = String(ports.amqp);
      inClear.search = '';
      await expect(connectAmqp(inClear.toString())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      // Nor does the TLS port speak AMQP in clear.
      inClear.port = String(ports.amqps);
      await expect(connectAmqp(inClear.toString(), { timeoutMs: 5_000 })).rejects.toThrow();
    });

    it('fails an amqps connection that trusts another CA, or none', async () => {
      const otherCa = await ensureLocalTls({ dir: join(privateFolder, 'other-ca') });
      const url = new URL(stack.partnerUrls[court]);
      url.searchParams.set('cacertfile', otherCa.files.caFile);
      await expect(connectAmqp(url.toString())).rejects.toMatchObject({ code: expect.stringMatching(UNTRUSTED) });
      url.searchParams.delete('cacertfile');
      await expect(connectAmqp(url.toString())).rejects.toMatchObject({ code: expect.stringMatching(UNTRUSTED) });
    });

    it('lets a partner log in with its client certificate instead of a password (EXTERNAL)', async () => {
      const url = amqpUrlWithClientCertificate(stack.partnerUrls[court], {
        certFile: stack.tls.clientCertFile(court),
        keyFile: stack.tls.clientKeyFile(court),
      });
      expect(new URL(url).password).toBe('');
      expect(brokerUserOf(url)).toBe(court);
      const byCertificate = await connectAmqp(url);
      try {
        // The broker user is the certificate's CN: its own prefix and user-id pass, another's do not.
        expect(
          await channelOutcome(byCertificate, (channel) =>
            publish(channel, INGRESS_EXCHANGE, `${court}.court.hearing.listed`, court),
          ),
        ).toBe('ok');
        expect(
          await channelOutcome(byCertificate, (channel) =>
            publish(channel, INGRESS_EXCHANGE, `${provider}.court.hearing.listed`),
          ),
        ).toBe(403);
        expect(
          await channelOutcome(byCertificate, (channel) =>
            publish(channel, INGRESS_EXCHANGE, `${court}.court.hearing.listed`, provider),
          ),
        ).toBe(406);
      } finally {
        await byCertificate.close();
      }
      // A certificate of another CA is refused in the handshake.
      const stranger = await ensureLocalTls({ dir: join(privateFolder, 'stranger-ca'), clientUsers: [court] });
      const forged = amqpUrlWithClientCertificate(stack.partnerUrls[court], {
        certFile: stranger.files.clientCertFile(court),
        keyFile: stranger.files.clientKeyFile(court),
      });
      await expect(connectAmqp(forged)).rejects.toThrow();
    });

    it('refuses PostgreSQL connections without TLS (pg_hba hostssl only) and checks the server name', async () => {
      const database = new URL(stack.databaseUrl ?? '');
      const plain = new Client({
        host: '127.0.0.1',
        port: ports.postgres,
        user: 'postgres',
        database: database.pathname.slice(1),
        ssl: false,
      });
      await expect(plain.connect()).rejects.toThrow(/no encryption/);
      await plain.end().catch(() => undefined);

      database.searchParams.set('sslmode', 'disable');
      database.searchParams.delete('sslrootcert');
      const disabled = new Client({ connectionString: database.toString() });
      await expect(disabled.connect()).rejects.toThrow(/no encryption/);
      await disabled.end().catch(() => undefined);

      // verify-full: a server certificate for another name is refused, whatever CA signed it.
      const wrongName = new Client({
        host: '127.0.0.1',
        port: ports.postgres,
        user: 'postgres',
        database: 'postgres',
        ssl: {
          ca: readFileSync(stack.tls.caFile, 'utf8'),
          servername: 'db.example.org',
          checkServerIdentity: (host, cert) => checkServerIdentity('db.example.org', cert),
        },
      });
      await expect(wrongName.connect()).rejects.toThrow(/db\.example\.org/);
      await wrongName.end().catch(() => undefined);

      const secure = new Client({ connectionString: stack.databaseUrl });
      await secure.connect();
      const { rows } = await secure.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows[0].ssl).toBe(true);
      await secure.end();
    });
  });

  it('gives each app database roles of its own: their URLs in stack.env, their passwords kept, each role in its own schema only', async () => {
    const env = stack.env;
    expect(env.DATABASE_ADMIN_URL).toBe(stack.databaseUrl);
    const user = (key: string): string => decodeURIComponent(new URL(env[key] ?? 'x:').username);
    expect([user('DATABASE_URL'), user('DATABASE_MIGRATION_URL')]).toEqual(['cstr_hub', 'cstr_hub_owner']);
    expect([user('DATABASE_URL_CROYDON_MC'), user('DATABASE_MIGRATION_URL_CROYDON_MC')]).toEqual([
      'cstr_croydon_mc',
      'cstr_croydon_mc_owner',
    ]);
    expect(user('DATABASE_URL_PARTNER_SANDBOX')).toBe('cstr_partner_sandbox');
    expect(readFileSync(join(dataDir, 'stack.env'), 'utf8')).toContain(
      `DATABASE_URL_SLAM_MHTR='${env.DATABASE_URL_SLAM_MHTR}'`,
    );
    const credentials = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as {
      database: Record<string, { runtime: string; owner: string }>;
    };
    expect(Object.keys(credentials.database).sort()).toEqual([court, 'hub', 'partner-sandbox', provider].sort());
    expect(decodeURIComponent(new URL(env.DATABASE_URL).password)).toBe(credentials.database.hub.runtime);

    // The adapter's owner migrates its schema; its runtime role works there, and nowhere else.
    const adapter = stack.databaseApps[court];
    const dataSource = await createAppDataSource({
      url: adapter.url,
      migrationUrl: adapter.migrationUrl,
      schema: adapter.schema,
      applicationName: 'test:local-stack-roles',
    });
    try {
      expect(await dataSource.query('SELECT current_user AS name')).toEqual([{ name: 'cstr_croydon_mc' }]);
      await expect(dataSource.query('SELECT count(*) FROM messaging_outbox')).resolves.toHaveLength(1);
      await expect(
        dataSource.query(`SELECT count(*) FROM ${stack.databaseApps.hub.schema}.messaging_outbox`),
      ).rejects.toMatchObject({
        driverError: { code: '42501' },
      });
    } finally {
      await dataSource.destroy();
    }
    // Passwords are checked for every role but the local superuser.
    const wrong = new URL(adapter.url);
    wrong.password = 'wrong';
    const intruder = new Client({ connectionString: wrong.toString() });
    await expect(intruder.connect()).rejects.toMatchObject({ code: '28P01' });
    await intruder.end().catch(() => undefined);
  });

  it('keeps durable deliveries and the database across a broker and database restart', async () => {
    // Given a delivery waiting in the provider's inbox and a row in the database
    const hub = await connectAmqp(stack.rabbitmqUrl);
    const hubChannel = await hub.createConfirmChannel();
    await publish(hubChannel, DELIVERY_EXCHANGE, `${provider}.treatment.referral.requested`);
    await hub.close();
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    await db.query('CREATE TABLE IF NOT EXISTS restart_probe (id int PRIMARY KEY)');
    await db.query('INSERT INTO restart_probe VALUES (1) ON CONFLICT DO NOTHING');
    await db.end();

    // When the stack stops and starts again
    await partner.close();
    await stopLocalStack(dataDir);
    stack = await startLocalStack({
      dataDir,
      ports,
      partners: [{ id: court }, { id: provider }],
      retryDelaysMs: [1_000],
    });
    partner = await connectAmqp(stack.partnerUrls[court]);

    // Then the delivery and the row are still there
    const providerConnection = await connectAmqp(stack.partnerUrls[provider]);
    const channel = await providerConnection.createChannel();
    const message = await channel.get(partnerInboxQueue(provider), { noAck: true });
    await providerConnection.close();
    expect(message && message.fields.routingKey).toBe(`${provider}.treatment.referral.requested`);
    const after = new Client({ connectionString: stack.databaseUrl });
    await after.connect();
    expect((await after.query('SELECT count(*)::int AS n FROM restart_probe')).rows[0].n).toBe(1);
    await after.query('DROP TABLE restart_probe');
    await after.end();
  }, 120_000);

  it('survives a broker crash (SIGKILL) and comes back on start', async () => {
    const rabbit = rabbitOfStack();
    await partner.close().catch(() => undefined);
    await rabbit.kill();
    expect(rabbit.isRunning()).toBe(false);
    await rabbit.start();
    expect(rabbit.isRunning()).toBe(true);
    partner = await connectAmqp(stack.partnerUrls[court]);
    expect(await channelOutcome(partner, (channel) => channel.checkQueue(partnerInboxQueue(court)))).toBe('ok');
  }, 120_000);

  it('stops everything a failed start started, and starts again once the cause is gone', async () => {
    // Given a stopped stack whose PostgreSQL port something else holds
    await partner.close().catch(() => undefined);
    await stopLocalStack(dataDir);
    const bootsBefore = rabbitBoots();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(ports.postgres, '127.0.0.1', resolve));

    try {
      // When the stack starts, RabbitMQ boots but PostgreSQL cannot
      await expect(startLocalStack(stackOptions())).rejects.toThrow(`Port ${ports.postgres}`);

      // Then RabbitMQ did boot, and nothing of the stack is left: no Erlang VM, no listener, no epmd
      expect(rabbitBoots()).toBe(bootsBefore + 1);
      expect(await leftRunning()).toEqual({
        erlangVms: [],
        listeningPorts: [],
        status: { rabbitmq: false, postgres: false },
      });
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }

    // And once the port is free again, the next start succeeds
    stack = await startLocalStack(stackOptions());
    expect(stack.timings.rabbitmqMs).toBeGreaterThan(0);
    partner = await connectAmqp(stack.partnerUrls[court]);
    expect(await channelOutcome(partner, (channel) => channel.checkQueue(partnerInboxQueue(court)))).toBe('ok');
  }, 180_000);

  it('replaces a node of its own folder that its pid file does not name (a start that died, a deleted pid file)', async () => {
    // Given the stack's node running without its pid file
    await partner.close().catch(() => undefined);
    const stale = rabbitOfStack().pid();
    expect(stale).toBeDefined();
    rmSync(join(dataDir, 'rabbitmq', 'rabbitmq.pid'));

    // When the stack starts
    stack = await startLocalStack(stackOptions());

    // Then the stale node was stopped and a new one booted, which partners reach
    expect(stack.timings.rabbitmqMs).toBeGreaterThan(0);
    expect(rabbitOfStack().vmPids()).toEqual([rabbitOfStack().pid()]);
    expect(rabbitOfStack().pid()).not.toBe(stale);
    partner = await connectAmqp(stack.partnerUrls[court]);
    expect(await channelOutcome(partner, (channel) => channel.checkQueue(partnerInboxQueue(court)))).toBe('ok');
  }, 180_000);

  it('reuses an idle epmd left on its epmd port, and stops it with the stack', async () => {
    // Given a stopped stack, and an epmd on its epmd port started some other way (another environment)
    await partner.close().catch(() => undefined);
    await stopLocalStack(dataDir);
    expect(await listening(ports.epmd)).toBe(false);
    const epmd = spawnSync(epmdBinary(), ['-daemon', '-address', '127.0.0.1', '-port', String(ports.epmd)], {
      env: { PATH: process.env.PATH, HOME: privateFolder },
    });
    expect(epmd.status).toBe(0);
    await waitFor('the stray epmd', () => listening(ports.epmd));

    // When the stack starts, it registers with that epmd; when it stops, that epmd stops too
    stack = await startLocalStack(stackOptions());
    partner = await connectAmqp(stack.partnerUrls[court]);
    expect(await channelOutcome(partner, (channel) => channel.checkQueue(partnerInboxQueue(court)))).toBe('ok');
    await partner.close();
    await stopLocalStack(dataDir);
    expect(await leftRunning()).toEqual({
      erlangVms: [],
      listeningPorts: [],
      status: { rabbitmq: false, postgres: false },
    });
    stack = await startLocalStack(stackOptions());
    partner = await connectAmqp(stack.partnerUrls[court]);
  }, 180_000);
});
