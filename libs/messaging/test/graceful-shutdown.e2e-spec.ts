import { randomUUID } from 'node:crypto';
import { deadLetterQueue, retryQueue } from '@cstr/contracts';
import { AmqpConnection, ConfirmedPublisher, encodeBody } from '@cstr/messaging';
import {
  BrokerFixture,
  DatabaseFixture,
  TEST_EXCHANGE,
  TestProcess,
  eventually,
  testEnvironment,
  uniqueName,
} from '@cstr/testing';

const CONSUMER = 'libs/messaging/test/fixtures/effect-consumer.process.ts';

describe('graceful shutdown (real broker and database)', () => {
  const env = testEnvironment();

  it('on SIGTERM a consumer stops taking messages, finishes and acknowledges those in flight, and exits 0', async () => {
    // Given a slow consumer (50 ms a message, 40 prefetched) in the middle of 300 events
    const broker = await BrokerFixture.open(env.rabbitAdminUrl);
    const partner = uniqueName('shutdown').replace(/_/g, '-');
    const queue = `test.${partner}.inbox`;
    await broker.declareQueue(queue, [{ exchange: TEST_EXCHANGE, pattern: `${partner}.#` }], [200]);
    const database = await DatabaseFixture.open(env.databaseUrl, uniqueName('shutdown'));
    await database.dataSource.query('CREATE TABLE test_effect (event_id uuid NOT NULL)');
    const total = 300;
    const connection = new AmqpConnection({ url: env.rabbitAdminUrl, connectionName: 'shutdown-test' });
    await connection.start();
    const publisher = new ConfirmedPublisher(connection);
    await Promise.all(
      Array.from({ length: total }, () =>
        publisher.publish({
          exchange: TEST_EXCHANGE,
          routingKey: `${partner}.court.hearing.listed`,
          eventId: randomUUID(),
          type: 'court.hearing.listed',
          body: encodeBody({}),
        }),
      ),
    );
    await publisher.close();
    await connection.close();
    const consumer = TestProcess.start(CONSUMER, {
      AMQP_URL: env.rabbitAdminUrl,
      DATABASE_URL: env.databaseUrl,
      DB_SCHEMA: database.schema,
      QUEUE: queue,
      HANDLER_DELAY_MS: '50',
      PREFETCH: '40',
    });
    await consumer.waitFor(/ready/);
    await eventually(
      () => database.count('SELECT count(*) AS n FROM test_effect'),
      (n) => n >= 20,
      60_000,
      20,
    );

    // When it is told to stop
    await consumer.kill('SIGTERM');

    // Then it exited cleanly, and every message is either applied (and gone from the queue) or
    // still waiting in the queue: none was left half-done to be redelivered.
    expect(consumer.child.exitCode).toBe(0);
    const applied = await database.count('SELECT count(*) AS n FROM test_effect');
    const waiting = await eventually(
      () => broker.depth(queue),
      () => true,
    );
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBeLessThan(total);
    expect(applied + waiting).toBe(total);
    expect(await database.count('SELECT count(*) AS n FROM messaging_processed_event')).toBe(applied);

    await broker.deleteQueues(queue, deadLetterQueue(queue), retryQueue(queue, 200));
    await broker.close();
    await database.close();
  });
});
