import * as amqp from 'amqplib';
import { declareExchanges, declareQueueTopology, connectAmqp } from '@cstr/messaging';

/**
 * A topic exchange for messaging-library tests, so they never feed the hub's own queues
 * (`hub.ingress` is bound to every ingress key).
 */
export const TEST_EXCHANGE = 'cstr.test';

/** An admin AMQP connection for a test: declares topology, inspects and drains queues. */
export class BrokerFixture {
  private constructor(
    readonly connection: amqp.ChannelModel,
    readonly channel: amqp.Channel,
  ) {}

  static async open(adminUrl: string): Promise<BrokerFixture> {
    const connection = await connectAmqp(adminUrl);
    const channel = await connection.createChannel();
    await declareExchanges(channel);
    await channel.assertExchange(TEST_EXCHANGE, 'topic', { durable: true });
    return new BrokerFixture(connection, channel);
  }

  /** Declares a consumed queue with its retry and dead-letter queues. */
  async declareQueue(
    queue: string,
    bindings: { exchange: string; pattern: string }[],
    retryDelaysMs: number[],
  ): Promise<void> {
    await declareQueueTopology(this.channel, { queue, bindings, retryDelaysMs });
  }

  /** Messages ready in a queue. */
  async depth(queue: string): Promise<number> {
    return (await this.channel.checkQueue(queue)).messageCount;
  }

  /** Takes (and acknowledges) every message now in a queue. */
  async drain(queue: string): Promise<amqp.GetMessage[]> {
    const taken: amqp.GetMessage[] = [];
    for (;;) {
      const message = await this.channel.get(queue, { noAck: true });
      if (message === false) return taken;
      taken.push(message);
    }
  }

  /**
   * Watches what `bindings` route, for a test to look at: an exclusive queue (gone with this
   * fixture's connection) consumed without acknowledgement, each message handed to `seen`.
   * Returns the queue's name (`name`, or one the broker makes up).
   */
  async watch(
    bindings: readonly { exchange: string; pattern: string }[],
    seen: (message: amqp.ConsumeMessage) => void,
    name = '',
  ): Promise<string> {
    const { queue } = await this.channel.assertQueue(name, { exclusive: true, autoDelete: true });
    for (const { exchange, pattern } of bindings) await this.channel.bindQueue(queue, exchange, pattern);
    await this.channel.consume(queue, (message) => message && seen(message), { noAck: true });
    return queue;
  }

  /** Deletes test queues (and their retry/DLQ companions given by name). */
  async deleteQueues(...queues: string[]): Promise<void> {
    for (const queue of queues) await this.channel.deleteQueue(queue).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}

/**
 * A {@link BrokerFixture.watch} callback that keeps each message under its message id, in arrival
 * order (every app's publisher sets one; a message without one is not kept).
 */
export function keepByMessageId(kept: Map<string, amqp.ConsumeMessage[]>): (message: amqp.ConsumeMessage) => void {
  return (message) => {
    const id: unknown = message.properties.messageId;
    if (typeof id === 'string') kept.set(id, [...(kept.get(id) ?? []), message]);
  };
}
