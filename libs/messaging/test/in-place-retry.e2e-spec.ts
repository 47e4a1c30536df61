import { randomUUID } from 'node:crypto';
import { deadLetterQueue, retryQueue } from '@cstr/contracts';
import {
  AmqpConnection,
  Outbox,
  Outcome,
  QueueConsumer,
  declareQueueTopology,
  encodeBody,
  idempotentProcessor,
  type BatchProcessor,
  type HandlerOutcome,
  type InboundMessage,
  type ScopedHandler,
} from '@cstr/messaging';
import { BrokerFixture, DatabaseFixture, TEST_EXCHANGE, eventually, testEnvironment, uniqueName } from '@cstr/testing';

/**
 * Ordered retries in place (`inPlaceRetryDelaysMs`): when a batch fails — the processor throws, or a
 * handler asks for a retry — it is tried again in its lane before any later message of that lane,
 * so a consent withdrawal whose first attempt fails still applies before the person's next event.
 * Only after the in-place attempts does a message take the delay queues.
 */
describe('ordered retries in place (real broker and database)', () => {
  const env = testEnvironment();
  const RETRY_DELAYS = [60_000];
  let broker: BrokerFixture;
  let database: DatabaseFixture;
  let connection: AmqpConnection;
  const queues: string[] = [];

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    database = await DatabaseFixture.open(env.databaseUrl, uniqueName('in_place_retry'));
    await database.dataSource.query('CREATE TABLE applied (seq bigserial PRIMARY KEY, event_id uuid NOT NULL)');
    connection = new AmqpConnection({ url: env.rabbitAdminUrl, connectionName: 'in-place-retry' });
    await connection.start();
  });

  afterAll(async () => {
    await connection.close();
    for (const queue of queues)
      await broker.deleteQueues(
        queue,
        deadLetterQueue(queue),
        ...RETRY_DELAYS.map((delay) => retryQueue(queue, delay)),
      );
    await database.close();
    await broker.close();
  });

  async function newQueue(): Promise<string> {
    const queue = uniqueName('in_place');
    queues.push(queue);
    await declareQueueTopology(broker.channel, {
      queue,
      bindings: [{ exchange: TEST_EXCHANGE, pattern: `${queue}.#` }],
      retryDelaysMs: RETRY_DELAYS,
    });
    return queue;
  }

  /** Publishes `ids` in this order, all about one person (one lane). */
  function publish(queue: string, ids: readonly string[]): void {
    for (const id of ids) {
      broker.channel.publish(TEST_EXCHANGE, `${queue}.event`, encodeBody({ resourceType: 'Bundle' }), {
        messageId: id,
        type: 'consent.withdrawn',
        contentType: 'application/fhir+json',
        persistent: true,
        headers: { 'x-cstr-partition-key': 'one-person' },
      });
    }
  }

  async function applied(): Promise<string[]> {
    const rows = (await database.dataSource.query('SELECT event_id FROM applied ORDER BY seq')) as {
      event_id: string;
    }[];
    return rows.map((row) => row.event_id);
  }

  /** A handler that records its message in `applied` (in the batch's transaction), failing `first` `times` times. */
  function handlerFailing(first: string, times: number, how: 'retry' | 'throw'): ScopedHandler {
    let failures = 0;
    return async (message: InboundMessage, scope): Promise<HandlerOutcome> => {
      if (message.eventId === first && failures < times) {
        failures += 1;
        if (how === 'throw') throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        return Outcome.retry('database unavailable');
      }
      await scope.manager?.query('INSERT INTO applied (event_id) VALUES ($1)', [message.eventId]);
      return Outcome.done();
    };
  }

  async function consume(queue: string, processor: BatchProcessor, inPlaceRetryDelaysMs: readonly number[]) {
    const consumer = new QueueConsumer(
      connection,
      { queue, retryDelaysMs: RETRY_DELAYS, lanes: 4, maxBatch: 10, inPlaceRetryDelaysMs },
      processor,
    );
    consumer.start();
    return consumer;
  }

  it.each([
    ['a handler asks for a retry', 'retry'],
    ['the batch deadlocks every time it is redone', 'throw'],
  ] as const)('when %s, the later messages of the lane wait until the failed one succeeds in place', async (_, how) => {
    await database.dataSource.query('TRUNCATE applied');
    const queue = await newQueue();
    const [withdrawal, next, after] = [randomUUID(), randomUUID(), randomUUID()];
    const outbox = new Outbox();
    // Fails on its first two tries (for 'throw': more than the processor's own redo of a deadlock).
    const processor = idempotentProcessor(
      database.dataSource,
      uniqueName('consumer'),
      outbox,
      handlerFailing(withdrawal, how === 'throw' ? 6 : 2, how),
    );
    const consumer = await consume(queue, processor, [100, 200, 400]);
    try {
      publish(queue, [withdrawal, next, after]);
      await eventually(applied, (ids) => ids.length === 3, 15_000);
      expect(await applied()).toEqual([withdrawal, next, after]);
      // Nothing took the delay queues.
      expect(await broker.depth(retryQueue(queue, RETRY_DELAYS[0]))).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it('without in-place retries the failed message goes to its delay queue and the later ones pass it (the control)', async () => {
    await database.dataSource.query('TRUNCATE applied');
    const queue = await newQueue();
    const [withdrawal, next] = [randomUUID(), randomUUID()];
    const processor = idempotentProcessor(
      database.dataSource,
      uniqueName('consumer'),
      new Outbox(),
      handlerFailing(withdrawal, 1, 'retry'),
    );
    const consumer = await consume(queue, processor, []);
    try {
      publish(queue, [withdrawal, next]);
      await eventually(applied, (ids) => ids.length === 1, 10_000);
      expect(await applied()).toEqual([next]);
      await eventually(
        () => broker.depth(retryQueue(queue, RETRY_DELAYS[0])),
        (depth) => depth === 1,
        10_000,
      );
    } finally {
      await consumer.stop();
    }
  });

  it('after the in-place attempts, a message that keeps failing takes the delay queue and the lane moves on', async () => {
    await database.dataSource.query('TRUNCATE applied');
    const queue = await newQueue();
    const [stuck, next] = [randomUUID(), randomUUID()];
    const processor = idempotentProcessor(
      database.dataSource,
      uniqueName('consumer'),
      new Outbox(),
      handlerFailing(stuck, 1_000, 'retry'),
    );
    const consumer = await consume(queue, processor, [50, 50]);
    try {
      publish(queue, [stuck, next]);
      await eventually(applied, (ids) => ids.length === 1, 10_000);
      expect(await applied()).toEqual([next]);
      await eventually(
        () => broker.depth(retryQueue(queue, RETRY_DELAYS[0])),
        (depth) => depth === 1,
        10_000,
      );
    } finally {
      await consumer.stop();
    }
  });
});
