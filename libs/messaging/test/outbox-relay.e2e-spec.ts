import { randomUUID } from 'node:crypto';
import { DELIVERY_EXCHANGE } from '@cstr/contracts';
import {
  AmqpConnection,
  ConfirmedPublisher,
  Outbox,
  OutboxRelay,
  encodeBody,
  type OutgoingMessage,
} from '@cstr/messaging';
import { BrokerFixture, DatabaseFixture, eventually, testEnvironment, uniqueName } from '@cstr/testing';

/**
 * The relay is woken by the commit itself (the NOTIFY of Outbox.add), not by its callers and not
 * by polling: its poll interval here is far longer than the test waits.
 */
describe('OutboxRelay wakes when outbox rows commit (real broker and database)', () => {
  const env = testEnvironment();
  const partner = uniqueName('wake').replace(/_/g, '-');
  const queue = `test.${partner}.inbox`;
  const outbox = new Outbox();
  let broker: BrokerFixture;
  let database: DatabaseFixture;
  let connection: AmqpConnection;
  let publisher: ConfirmedPublisher;
  let relay: OutboxRelay;

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    await broker.channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await broker.channel.bindQueue(queue, DELIVERY_EXCHANGE, `${partner}.#`);
    database = await DatabaseFixture.open(env.databaseUrl, uniqueName('relay_wake'));
    connection = new AmqpConnection({ url: env.rabbitAdminUrl, connectionName: 'relay-wake-test' });
    await connection.start();
    publisher = new ConfirmedPublisher(connection);
    relay = new OutboxRelay(database.dataSource, publisher, { idlePollMs: 600_000 });
    relay.start();
    // The first round (listen, then an empty batch) is over once the relay idles.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });

  afterAll(async () => {
    await relay?.stop();
    await publisher?.close();
    await connection?.close();
    await database?.close();
    await broker?.deleteQueues(queue);
    await broker?.close();
  });

  function message(): OutgoingMessage {
    return {
      exchange: DELIVERY_EXCHANGE,
      routingKey: `${partner}.court.hearing.listed`,
      eventId: randomUUID(),
      type: 'court.hearing.listed',
      body: encodeBody({ resourceType: 'Bundle', type: 'message' }),
    };
  }

  it('publishes rows once their transaction commits, and not before', async () => {
    const sent = message();
    await database.dataSource.transaction(async (manager) => {
      await outbox.add(manager, sent);
      // Uncommitted: nothing may reach the broker yet.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await broker.depth(queue)).toBe(0);
    });

    await eventually(
      () => broker.depth(queue),
      (depth) => depth === 1,
      5_000,
    );
    const [received] = await broker.drain(queue);
    expect(received.properties.messageId).toBe(sent.eventId);
  });

  it('is not woken into publishing anything by a rolled-back transaction', async () => {
    await database.dataSource
      .transaction(async (manager) => {
        await outbox.add(manager, message());
        throw new RolledBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RolledBack)) throw error;
      });
    const committed = message();
    await database.dataSource.transaction((manager) => outbox.add(manager, committed));

    await eventually(
      () => broker.depth(queue),
      (depth) => depth === 1,
      5_000,
    );
    const [received] = await broker.drain(queue);
    expect(received.properties.messageId).toBe(committed.eventId);
    expect(await relay.backlog()).toBe(0);
  });
});

class RolledBack extends Error {}
