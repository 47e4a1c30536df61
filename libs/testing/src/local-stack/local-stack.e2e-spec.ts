import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { Client } from 'pg';
import { DELIVERY_EXCHANGE, INGRESS_EXCHANGE, partnerInboxQueue } from '@cstr/contracts';
import { LocalRabbitMq, startLocalStack, stopLocalStack, type LocalStack, type LocalStackPorts } from './index';

// A stack of its own per run (folder and free ports): this suite stops and kills its broker,
// which must not hit the dev, test or bench stacks, nor a concurrent run of this suite.
const dataDir = join(__dirname, '..', '..', '..', '..', '.stack', `local-stack-e2e-${process.pid}`);
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

function publish(channel: amqp.ConfirmChannel, exchange: string, routingKey: string): Promise<void> {
  return new Promise((resolve, reject) =>
    channel.publish(
      exchange,
      routingKey,
      Buffer.from('{}'),
      { persistent: true, messageId: `${routingKey}-${Date.now()}` },
      (error) => (error ? reject(error) : resolve()),
    ),
  );
}

describe('local stack', () => {
  let stack: LocalStack;
  let partner: amqp.ChannelModel;

  beforeAll(async () => {
    const [amqpPort, management, dist, epmd, postgres] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    ports = { amqp: amqpPort, management, dist, epmd, postgres };
    stack = await startLocalStack({
      dataDir,
      ports,
      partners: [{ id: court }, { id: provider }],
      retryDelaysMs: [1_000],
    });
    partner = await amqp.connect(stack.partnerUrls[court]);
  }, 180_000);

  afterAll(async () => {
    await partner?.close().catch(() => undefined);
    await stopLocalStack(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

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

  it('keeps durable deliveries and the database across a broker and database restart', async () => {
    // Given a delivery waiting in the provider's inbox and a row in the database
    const hub = await amqp.connect(stack.rabbitmqUrl);
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
    partner = await amqp.connect(stack.partnerUrls[court]);

    // Then the delivery and the row are still there
    const providerConnection = await amqp.connect(stack.partnerUrls[provider]);
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
    const rabbit = new LocalRabbitMq({
      dataDir: join(dataDir, 'rabbitmq'),
      amqpPort: ports.amqp,
      managementPort: ports.management,
      distPort: ports.dist,
      epmdPort: ports.epmd,
    });
    await partner.close().catch(() => undefined);
    await rabbit.kill();
    expect(rabbit.isRunning()).toBe(false);
    await rabbit.start();
    expect(rabbit.isRunning()).toBe(true);
    partner = await amqp.connect(stack.partnerUrls[court]);
    expect(await channelOutcome(partner, (channel) => channel.checkQueue(partnerInboxQueue(court)))).toBe('ok');
  }, 120_000);
});
