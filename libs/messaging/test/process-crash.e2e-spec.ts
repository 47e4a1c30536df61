import { randomUUID } from 'node:crypto';
import { deadLetterQueue, ingressRoutingKey, retryQueue } from '@cstr/contracts';
import { AmqpConnection, ConfirmedPublisher, Outbox, encodeBody, type OutgoingMessage } from '@cstr/messaging';
import {
  BrokerFixture,
  DatabaseFixture,
  TestProcess,
  eventually,
  testEnvironment,
  uniqueName,
  TEST_EXCHANGE,
} from '@cstr/testing';

const CONSUMER = 'libs/messaging/test/fixtures/effect-consumer.process.ts';
const RELAY = 'libs/messaging/test/fixtures/outbox-relay.process.ts';
const DELAYS = [200, 500];

/** A fresh inbox-like queue and a schema with an effect table, for one crash scenario. */
async function scenario(
  broker: BrokerFixture,
  databaseUrl: string,
): Promise<{ queue: string; partner: string; database: DatabaseFixture }> {
  const partner = uniqueName('crash').replace(/_/g, '-');
  const queue = `test.${partner}.inbox`;
  await broker.declareQueue(queue, [{ exchange: TEST_EXCHANGE, pattern: `${partner}.#` }], DELAYS);
  const database = await DatabaseFixture.open(databaseUrl, uniqueName('crash'));
  await database.dataSource.query('CREATE TABLE test_effect (event_id uuid NOT NULL)');
  return { queue, partner, database };
}

function hearingListed(partner: string): OutgoingMessage {
  return {
    exchange: TEST_EXCHANGE,
    routingKey: ingressRoutingKey(partner, 'court.hearing.listed'),
    eventId: randomUUID(),
    type: 'court.hearing.listed',
    body: encodeBody({ resourceType: 'Bundle', type: 'message', padding: 'x'.repeat(900) }),
  };
}

describe('crashes at the worst moment lose nothing and repeat no effect (real broker and database)', () => {
  const env = testEnvironment();
  let broker: BrokerFixture;
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
  });

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
    await broker.close();
  });

  function consumerEnv(queue: string, database: DatabaseFixture): Record<string, string> {
    return {
      AMQP_URL: env.rabbitAdminUrl,
      DATABASE_URL: env.databaseUrl,
      DB_SCHEMA: database.schema,
      QUEUE: queue,
      RETRY_DELAYS_MS: DELAYS.join(','),
    };
  }

  it('a consumer SIGKILLed in the middle of 10,000 events: after restart every effect exists exactly once', async () => {
    const { queue, partner, database } = await scenario(broker, env.databaseUrl);
    cleanup.push(
      () => database.close(),
      () => broker.deleteQueues(queue, deadLetterQueue(queue), ...DELAYS.map((d) => retryQueue(queue, d))),
    );
    const total = 10_000;
    const connection = new AmqpConnection({ url: env.rabbitAdminUrl, connectionName: 'crash-test-publisher' });
    await connection.start();
    const publisher = new ConfirmedPublisher(connection);
    const events = Array.from({ length: total }, () => hearingListed(partner));
    for (let start = 0; start < total; start += 1_000)
      await Promise.all(events.slice(start, start + 1_000).map((event) => publisher.publish(event)));
    await publisher.close();
    await connection.close();

    const first = TestProcess.start(CONSUMER, consumerEnv(queue, database));
    await first.waitFor(/ready/);
    const effectsBeforeKill = await eventually(
      () => database.count('SELECT count(*) AS n FROM test_effect'),
      (n) => n >= 2_000,
      60_000,
      10,
    );
    await first.kill('SIGKILL');
    expect(effectsBeforeKill).toBeLessThan(total);

    const second = TestProcess.start(CONSUMER, consumerEnv(queue, database));
    await second.waitFor(/ready/);
    await eventually(
      () => database.count('SELECT count(DISTINCT event_id) AS n FROM test_effect'),
      (n) => n === total,
      120_000,
      250,
    );
    await eventually(
      () => broker.depth(queue),
      (n) => n === 0,
      30_000,
    );
    await second.kill('SIGTERM');

    expect(await database.count('SELECT count(*) AS n FROM test_effect')).toBe(total);
    expect(await database.count('SELECT count(*) AS n FROM messaging_processed_event')).toBe(total);
    expect(await broker.depth(deadLetterQueue(queue))).toBe(0);
  });

  it('an outbox relay SIGKILLed after the commit, and again between the broker confirm and marking sent: every event delivered, each effect once', async () => {
    const { queue, partner, database } = await scenario(broker, env.databaseUrl);
    cleanup.push(
      () => database.close(),
      () => broker.deleteQueues(queue, deadLetterQueue(queue), ...DELAYS.map((d) => retryQueue(queue, d))),
    );
    // The producing service's database: state change and outgoing event commit together.
    const producer = await DatabaseFixture.open(env.databaseUrl, uniqueName('producer'));
    cleanup.push(() => producer.close());
    await producer.dataSource.query('CREATE TABLE referral (id uuid PRIMARY KEY)');
    const total = 1_500;
    const outbox = new Outbox();
    const events = Array.from({ length: total }, () => hearingListed(partner));
    for (const event of events) {
      await producer.dataSource.transaction(async (manager) => {
        await manager.query('INSERT INTO referral (id) VALUES ($1)', [event.eventId]);
        await outbox.add(manager, event);
      });
    }
    const relayEnv = { AMQP_URL: env.rabbitAdminUrl, DATABASE_URL: env.databaseUrl, DB_SCHEMA: producer.schema };

    // 1. Committed, never published: the relay dies before its first confirm can be marked.
    const dying = TestProcess.start(RELAY, { ...relayEnv, DIE_AFTER_FIRST_CONFIRM: '1' });
    const [, confirmed] = await dying.waitFor(/confirmed (\d+)/);
    await dying.exited();
    expect(dying.child.signalCode).toBe('SIGKILL');
    expect(Number(confirmed)).toBeGreaterThan(0);
    // The broker has the confirmed batch, yet the outbox still holds every row as unsent.
    expect(await broker.depth(queue)).toBe(Number(confirmed));
    expect(await producer.count('SELECT count(*) AS n FROM messaging_outbox')).toBe(total);

    // 2. A new relay publishes everything (the first batch a second time).
    const relay = TestProcess.start(RELAY, relayEnv);
    await relay.waitFor(/ready/);
    await eventually(
      () => producer.count('SELECT count(*) AS n FROM messaging_outbox'),
      (n) => n === 0,
      60_000,
    );
    await relay.kill('SIGTERM');
    expect(await broker.depth(queue)).toBe(total + Number(confirmed));

    // 3. The idempotent consumer applies each event once despite the duplicates.
    const consumer = TestProcess.start(CONSUMER, consumerEnv(queue, database));
    await consumer.waitFor(/ready/);
    await eventually(
      () => broker.depth(queue),
      (n) => n === 0,
      60_000,
    );
    await eventually(
      () => database.count('SELECT count(*) AS n FROM messaging_processed_event'),
      (n) => n === total,
      30_000,
    );
    await consumer.kill('SIGTERM');
    expect(await database.count('SELECT count(*) AS n FROM test_effect')).toBe(total);
    expect(await database.count('SELECT count(DISTINCT event_id) AS n FROM test_effect')).toBe(total);
  });
});
