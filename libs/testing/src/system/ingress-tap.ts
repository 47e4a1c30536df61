import type * as amqp from 'amqplib';
import { INGRESS_EXCHANGE, ingressRoutingKey } from '@cstr/contracts';
import { BrokerFixture } from '../harness/broker-fixture';

/**
 * A private copy of what one partner publishes to `cstr.ingress` (an exclusive, auto-deleted
 * queue bound to `<partner>.#`), collected as it arrives; the hub's own queue is untouched.
 */
export class IngressTap {
  /** Every message seen so far, oldest first. */
  readonly messages: amqp.ConsumeMessage[] = [];

  private constructor(private readonly broker: BrokerFixture) {}

  static async open(rabbitAdminUrl: string, partnerId: string): Promise<IngressTap> {
    const broker = await BrokerFixture.open(rabbitAdminUrl);
    const tap = new IngressTap(broker);
    const { queue } = await broker.channel.assertQueue('', { exclusive: true, autoDelete: true });
    await broker.channel.bindQueue(queue, INGRESS_EXCHANGE, ingressRoutingKey(partnerId, '#'));
    await broker.channel.consume(queue, (message) => message && tap.messages.push(message), { noAck: true });
    return tap;
  }

  /** The event types seen so far, in order. */
  types(): string[] {
    return this.messages.map((message) => String(message.properties.type));
  }

  async close(): Promise<void> {
    await this.broker.close();
  }
}
