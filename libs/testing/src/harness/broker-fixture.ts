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

  /** Deletes test queues (and their retry/DLQ companions given by name). */
  async deleteQueues(...queues: string[]): Promise<void> {
    for (const queue of queues) await this.channel.deleteQueue(queue).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}
