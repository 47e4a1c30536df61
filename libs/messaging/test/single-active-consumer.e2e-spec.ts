import { randomUUID } from 'node:crypto';
import * as amqp from 'amqplib';
import { deadLetterQueue, retryQueue } from '@cstr/contracts';
import { declareQueueTopology, connectAmqp } from '@cstr/messaging';
import { BrokerFixture, eventually, testEnvironment, uniqueName, TEST_EXCHANGE } from '@cstr/testing';

/**
 * `hub.ingress` is declared with a single active consumer, so that several hub instances keep what
 * one partner sends about one person in order: the broker delivers to one subscriber at a time and
 * hands the queue to the next when it goes.
 */
describe('a queue with a single active consumer (real broker)', () => {
  const env = testEnvironment();
  let broker: BrokerFixture;
  const queue = uniqueName('test_single_active');
  const connections: amqp.ChannelModel[] = [];

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    await declareQueueTopology(broker.channel, {
      queue,
      bindings: [{ exchange: TEST_EXCHANGE, pattern: `${queue}.#` }],
      retryDelaysMs: [1_000],
      singleActiveConsumer: true,
    });
  });

  afterAll(async () => {
    for (const connection of connections) await connection.close().catch(() => undefined);
    await broker.deleteQueues(queue, deadLetterQueue(queue), retryQueue(queue, 1_000));
    await broker.close();
  });

  /** A subscriber (as a hub instance would be) that records the ids it was given, in order. */
  async function subscriber(): Promise<{ received: string[]; stop: () => Promise<void> }> {
    const connection = await connectAmqp(env.rabbitAdminUrl);
    connections.push(connection);
    const channel = await connection.createChannel();
    await channel.prefetch(10);
    const received: string[] = [];
    const { consumerTag } = await channel.consume(queue, (message) => {
      if (!message) return;
      received.push(String(message.properties.messageId));
      channel.ack(message);
    });
    return { received, stop: () => channel.cancel(consumerTag).then(() => channel.close()) };
  }

  const publish = (count: number): string[] =>
    Array.from({ length: count }, () => {
      const id = randomUUID();
      broker.channel.publish(TEST_EXCHANGE, `${queue}.event`, Buffer.from('{}'), { messageId: id, persistent: true });
      return id;
    });

  it('delivers everything, in order, to one of several subscribers, and fails over to another when it goes', async () => {
    const first = await subscriber();
    const second = await subscriber();
    const before = publish(100);
    await eventually(
      async () => first.received.length + second.received.length,
      (count) => count === 100,
      10_000,
    );
    const [active, standby] = first.received.length > 0 ? [first, second] : [second, first];
    expect(active.received).toEqual(before);
    expect(standby.received).toEqual([]);

    await active.stop();
    const after = publish(50);
    await eventually(
      async () => standby.received,
      (received) => received.length === 50,
      10_000,
    );
    expect(standby.received).toEqual(after);
  });
});
