import type * as amqp from 'amqplib';
import {
  DELIVERY_EXCHANGE,
  INGRESS_EXCHANGE,
  RETRY_EXCHANGE,
  deadLetterQueue,
  redeliverRoutingKey,
  retryQueue,
} from '@cstr/contracts';

/** Default back-off between attempts: 1 s, 5 s, 30 s, 2 min, 10 min (then the DLQ). */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000, 120_000, 600_000];

/**
 * Broker-side redelivery limit of every queue (quorum `x-delivery-limit`): a message that keeps
 * coming back without being settled (a consumer crashing on it) is dead-lettered by the broker.
 */
export const DEFAULT_DELIVERY_LIMIT = 20;

/** What {@link declareQueueTopology} declares for one consumed queue. */
export interface QueueTopologySpec {
  readonly queue: string;
  readonly bindings: readonly { readonly exchange: string; readonly pattern: string }[];
  readonly retryDelaysMs: readonly number[];
  readonly deliveryLimit?: number;
  /**
   * One consumer at a time (RabbitMQ single active consumer): several instances may subscribe, the
   * broker delivers to one and fails over to the next when it goes. Keeps the consumer's ordering
   * (lanes by person) true across instances.
   */
  readonly singleActiveConsumer?: boolean;
}

/** Declares the three topic exchanges of SPEC §4 (idempotent). */
export async function declareExchanges(channel: amqp.Channel): Promise<void> {
  for (const exchange of [INGRESS_EXCHANGE, DELIVERY_EXCHANGE, RETRY_EXCHANGE]) {
    await channel.assertExchange(exchange, 'topic', { durable: true });
  }
}

/** Arguments shared by every quorum queue that dead-letters with at-least-once safety. */
function quorumArguments(deadLetterRoutingKey: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-dead-letter-exchange': RETRY_EXCHANGE,
    'x-dead-letter-routing-key': deadLetterRoutingKey,
    // At-least-once dead-lettering needs reject-publish overflow (RabbitMQ ≥ 3.10).
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
    ...extra,
  };
}

/**
 * Declares a consumed queue with its failure paths (idempotent):
 * - the queue itself: durable quorum queue, dead-lettering (at least once) to `<queue>.dlq`,
 *   with a delivery limit;
 * - one delay queue per back-off step, `<queue>.retry.<ms>ms`, whose message TTL dead-letters
 *   the message back to the queue (through `<queue>.redeliver` on the retry exchange);
 * - `<queue>.dlq`, where a message is parked with its failure reason and attempt count.
 */
export async function declareQueueTopology(channel: amqp.Channel, spec: QueueTopologySpec): Promise<void> {
  const { queue } = spec;
  await channel.assertQueue(queue, {
    durable: true,
    arguments: quorumArguments(deadLetterQueue(queue), {
      'x-delivery-limit': spec.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT,
      ...(spec.singleActiveConsumer ? { 'x-single-active-consumer': true } : {}),
    }),
  });
  for (const binding of spec.bindings) await channel.bindQueue(queue, binding.exchange, binding.pattern);
  await channel.bindQueue(queue, RETRY_EXCHANGE, redeliverRoutingKey(queue));

  for (const delayMs of new Set(spec.retryDelaysMs)) {
    const delayQueue = retryQueue(queue, delayMs);
    await channel.assertQueue(delayQueue, {
      durable: true,
      arguments: quorumArguments(redeliverRoutingKey(queue), { 'x-message-ttl': delayMs }),
    });
    await channel.bindQueue(delayQueue, RETRY_EXCHANGE, delayQueue);
  }

  const dlq = deadLetterQueue(queue);
  await channel.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(dlq, RETRY_EXCHANGE, dlq);
}
