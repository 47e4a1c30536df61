import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { DELIVERY_EXCHANGE } from '@cstr/contracts';
import {
  AmqpConnection,
  ConfirmedPublisher,
  Outbox,
  OutboxRelay,
  createAppDataSource,
  encodeBody,
  type OutgoingMessage,
} from '@cstr/messaging';
import { BrokerFixture, DatabaseFixture, eventually, testEnvironment, uniqueName } from '@cstr/testing';
import { OUTBOX_CHANNEL_SQL } from '../src/outbox/outbox-commit-listener';

/**
 * The relay is woken by the commit itself — in-process when the rows commit in its own process,
 * through the NOTIFY of Outbox.add when they commit in another —, not by its callers and not by
 * polling: its poll interval here is far longer than the test waits.
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
  /** Another instance of the app: the same schema through a DataSource of its own. */
  let other: DataSource;
  /** Payloads of the NOTIFYs on the schema's outbox channel heard so far (the outbox's are empty). */
  const heard: string[] = [];
  let listener: QueryRunner;

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
    other = await createAppDataSource({ url: env.databaseUrl, schema: database.schema, applicationName: 'other' });
    listener = other.createQueryRunner();
    const listening = (await listener.connect()) as PoolClient;
    listening.on('notification', (notification) => heard.push(notification.payload ?? ''));
    const [{ channel }] = (await listener.query(`SELECT ${OUTBOX_CHANNEL_SQL} AS channel`)) as { channel: string }[];
    await listener.query(`LISTEN "${channel}"`);
    // The first round (listen, then an empty batch) is over once the relay idles.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });

  afterAll(async () => {
    await relay?.stop();
    await listener?.query('UNLISTEN *');
    await listener?.release();
    await other?.destroy();
    await publisher?.close();
    await connection?.close();
    await database?.close();
    await broker?.deleteQueues(queue);
    await broker?.close();
  });

  function message(routingKey = `${partner}.court.hearing.listed`): OutgoingMessage {
    return {
      exchange: DELIVERY_EXCHANGE,
      routingKey,
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

  it('is woken through the NOTIFY by a commit in another process', async () => {
    const sent = message();
    await other.transaction((manager) => outbox.add(manager, sent));

    await eventually(
      () => broker.depth(queue),
      (depth) => depth === 1,
      5_000,
    );
    const [received] = await broker.drain(queue);
    expect(received.properties.messageId).toBe(sent.eventId);
    expect(heard).toContain('');
  });

  it('is woken in-process by a commit in its own process, which issues no NOTIFY', async () => {
    const before = heard.length;
    const local = message();
    await database.dataSource.transaction((manager) => outbox.add(manager, local));
    await eventually(
      () => broker.depth(queue),
      (depth) => depth === 1,
      5_000,
    );
    // Notifications arrive in commit order: once this later one is heard, an earlier one would have been.
    await other.query(`SELECT pg_notify(${OUTBOX_CHANNEL_SQL}, 'later')`);
    await eventually(
      () => Promise.resolve(heard.length),
      (n) => heard[n - 1] === 'later',
      5_000,
    );
    expect(heard.slice(before)).toEqual(['later']);
    const [received] = await broker.drain(queue);
    expect(received.properties.messageId).toBe(local.eventId);
  });

  it('puts a row nobody can receive back to wait, under its own id, and sends the rest of its batch in order', async () => {
    const first = message();
    const unroutable = message(`${uniqueName('nobody')}.court.hearing.listed`);
    const last = message();
    let id = '';
    await database.dataSource.transaction(async (manager) => {
      await outbox.add(manager, first, unroutable, last);
      [{ id }] = (await manager.query('SELECT id FROM messaging_outbox WHERE event_id = $1', [unroutable.eventId])) as {
        id: string;
      }[];
    });

    await eventually(
      () => broker.depth(queue),
      (depth) => depth === 2,
      5_000,
    );
    expect((await broker.drain(queue)).map((received) => received.properties.messageId)).toEqual([
      first.eventId,
      last.eventId,
    ]);
    const [waiting] = (await database.dataSource.query(
      `SELECT id, event_id, body, attempts, last_error, next_attempt_at > now() AS later FROM messaging_outbox`,
    )) as { id: string; event_id: string; body: Buffer; attempts: number; last_error: string; later: boolean }[];
    expect(waiting).toMatchObject({ id, event_id: unroutable.eventId, attempts: 1, later: true });
    expect(waiting.body.equals(unroutable.body)).toBe(true);
    expect(waiting.last_error).toContain(unroutable.routingKey);
    await database.dataSource.query('DELETE FROM messaging_outbox');
  });

  it('shares a backlog with a relay of another instance: every row published once', async () => {
    const otherConnection = new AmqpConnection({ url: env.rabbitAdminUrl, connectionName: 'relay-wake-test-2' });
    await otherConnection.start();
    const otherPublisher = new ConfirmedPublisher(otherConnection);
    const otherRelay = new OutboxRelay(other, otherPublisher, { batchSize: 50, idlePollMs: 600_000 });
    otherRelay.start();
    try {
      const sent = Array.from({ length: 1_000 }, () => message());
      for (let start = 0; start < sent.length; start += 100) {
        const slice = sent.slice(start, start + 100);
        // Commits in both instances, each waking its own relay.
        const dataSource = start % 200 === 0 ? database.dataSource : other;
        await dataSource.transaction((manager) => outbox.add(manager, ...slice));
      }
      await eventually(
        () => broker.depth(queue),
        (depth) => depth >= sent.length,
        30_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const received = (await broker.drain(queue)).map((message) => message.properties.messageId as string);
      expect(received).toHaveLength(sent.length);
      expect(new Set(received)).toEqual(new Set(sent.map((message) => message.eventId)));
      expect(await relay.backlog()).toBe(0);
    } finally {
      await otherRelay.stop();
      await otherPublisher.close();
      await otherConnection.close();
    }
  });
  it('puts a row the broker refused back as it was, under its own id, and sends the rest of its batch in order', async () => {
    // A classic queue of length 0 refuses (nacks) what is routed to it.
    const fullKey = `${uniqueName('full')}.court.hearing.listed`;
    const full = uniqueName('full');
    await broker.channel.assertQueue(full, {
      durable: false,
      arguments: { 'x-queue-type': 'classic', 'x-max-length': 0, 'x-overflow': 'reject-publish' },
    });
    await broker.channel.bindQueue(full, DELIVERY_EXCHANGE, fullKey);
    const first = message();
    const refused = message(fullKey);
    const last = message();
    let id = '';
    try {
      await database.dataSource.transaction(async (manager) => {
        await outbox.add(manager, first, refused, last);
        [{ id }] = (await manager.query('SELECT id FROM messaging_outbox WHERE event_id = $1', [refused.eventId])) as {
          id: string;
        }[];
      });

      await eventually(
        () => broker.depth(queue),
        (depth) => depth === 2,
        5_000,
      );
      expect((await broker.drain(queue)).map((received) => received.properties.messageId)).toEqual([
        first.eventId,
        last.eventId,
      ]);
      const waiting = (await database.dataSource.query(
        'SELECT id, event_id, attempts, last_error FROM messaging_outbox',
      )) as { id: string; event_id: string; attempts: number; last_error: string | null }[];
      expect(waiting).toEqual([{ id, event_id: refused.eventId, attempts: 0, last_error: null }]);
    } finally {
      await database.dataSource.query('DELETE FROM messaging_outbox');
      await broker.deleteQueues(full);
    }
  });
});

class RolledBack extends Error {}
