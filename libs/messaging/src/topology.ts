import type * as amqp from 'amqplib';
import {
  AmqpHeaders,
  DELIVERY_EXCHANGE,
  HUB_INGRESS_QUEUE,
  HUB_INSTANCES_QUEUE,
  INGRESS_EXCHANGE,
  INGRESS_PARTITION_EXCHANGE,
  RETRY_EXCHANGE,
  deadLetterQueue,
  ingressPartitionQueues,
  redeliverRoutingKey,
  retryExchangeOf,
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
  /**
   * The topic exchange of the queue's failure paths (delay queues, redelivery, DLQ, the queue's
   * own dead-letter exchange). Default {@link retryExchangeOf}(queue): a partner inbox's own
   * exchange, else `cstr.retry`.
   */
  readonly retryExchange?: string;
  /**
   * The queue dead letters land in, bound under this queue's DLQ key (`<queue>.dlq`) on the retry
   * exchange. Default `<queue>.dlq` itself. The hub's ingress partitions park theirs in
   * `hub.ingress.dlq`, which the hub drains.
   */
  readonly deadLetterQueue?: string;
}

/** One queue {@link declareQueueTopology} declares, with its arguments and its bindings. */
export interface QueueDeclaration {
  readonly queue: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  readonly bindings: readonly { readonly exchange: string; readonly pattern: string }[];
}

/** Declares the three topic exchanges of SPEC §4 (idempotent); each partner's retry exchange comes with its inbox. */
export async function declareExchanges(channel: amqp.Channel): Promise<void> {
  for (const exchange of [INGRESS_EXCHANGE, DELIVERY_EXCHANGE, RETRY_EXCHANGE]) {
    await channel.assertExchange(exchange, 'topic', { durable: true });
  }
}

/** Arguments shared by every quorum queue that dead-letters with at-least-once safety. */
function quorumArguments(
  deadLetterExchange: string,
  deadLetterRoutingKey: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-dead-letter-exchange': deadLetterExchange,
    'x-dead-letter-routing-key': deadLetterRoutingKey,
    // At-least-once dead-lettering needs reject-publish overflow (RabbitMQ ≥ 3.10).
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
    ...extra,
  };
}

/** The exchange of a spec's failure paths. */
export function retryExchangeOfSpec(spec: QueueTopologySpec): string {
  return spec.retryExchange ?? retryExchangeOf(spec.queue);
}

/**
 * What {@link declareQueueTopology} declares for a spec, queue by queue (pure): the queue, its
 * delay queues and its DLQ, each with its arguments and bindings. Provisioning compares these
 * arguments with those of queues already on the broker.
 */
export function queueDeclarations(spec: QueueTopologySpec): QueueDeclaration[] {
  const { queue } = spec;
  const retryExchange = retryExchangeOfSpec(spec);
  const declarations: QueueDeclaration[] = [
    {
      queue,
      arguments: quorumArguments(retryExchange, deadLetterQueue(queue), {
        'x-delivery-limit': spec.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT,
        ...(spec.singleActiveConsumer ? { 'x-single-active-consumer': true } : {}),
      }),
      bindings: [...spec.bindings, { exchange: retryExchange, pattern: redeliverRoutingKey(queue) }],
    },
  ];
  for (const delayMs of new Set(spec.retryDelaysMs)) {
    const delayQueue = retryQueue(queue, delayMs);
    declarations.push({
      queue: delayQueue,
      arguments: quorumArguments(retryExchange, redeliverRoutingKey(queue), { 'x-message-ttl': delayMs }),
      bindings: [{ exchange: retryExchange, pattern: delayQueue }],
    });
  }
  const dlq = deadLetterQueue(queue);
  declarations.push({
    queue: spec.deadLetterQueue ?? dlq,
    arguments: { 'x-queue-type': 'quorum' },
    bindings: [{ exchange: retryExchange, pattern: dlq }],
  });
  return declarations;
}

/**
 * Binding weight of each partition queue on the consistent-hash exchange: equal, so the ring
 * gives each partition about the same share of persons.
 */
const PARTITION_WEIGHT = '1';

/**
 * The hub's ingress partitions (pure): `count` quorum queues `hub.ingress.p<k>`, each with a
 * single active consumer (one hub instance applies a partition at a time; the broker moves it to
 * another instance when that one goes), their own delay queues and redeliver key on `cstr.retry`,
 * and their dead letters parked in `hub.ingress.dlq`. Each is bound to the consistent-hash exchange
 * {@link INGRESS_PARTITION_EXCHANGE}.
 */
export function ingressPartitionSpecs(count: number, retryDelaysMs: readonly number[]): QueueTopologySpec[] {
  return ingressPartitionQueues(count).map((queue) => ({
    queue,
    bindings: [{ exchange: INGRESS_PARTITION_EXCHANGE, pattern: PARTITION_WEIGHT }],
    retryDelaysMs,
    singleActiveConsumer: true,
    deadLetterQueue: deadLetterQueue(HUB_INGRESS_QUEUE),
  }));
}

/**
 * Declares `hub.instances`: a classic queue bound to nothing that can hold nothing
 * (`x-max-length` 0), whose consumers are the running hub instances.
 */
export async function declareHubInstancesQueue(channel: amqp.Channel): Promise<void> {
  await channel.assertQueue(HUB_INSTANCES_QUEUE, {
    durable: true,
    arguments: { 'x-queue-type': 'classic', 'x-max-length': 0 },
  });
}

/**
 * Declares the consistent-hash exchange of the ingress partitions, hashing the partition key
 * header (never the routing key, which keeps the sender's `<partner-id>.<event-type>`). Needs the
 * broker plugin `rabbitmq_consistent_hash_exchange`.
 */
export async function declareIngressPartitionExchange(channel: amqp.Channel): Promise<void> {
  await channel.assertExchange(INGRESS_PARTITION_EXCHANGE, 'x-consistent-hash', {
    durable: true,
    arguments: { 'hash-header': AmqpHeaders.partitionKey },
  });
}

/**
 * Declares a consumed queue with its failure paths (idempotent), all on the queue's retry
 * exchange (declared here too, see {@link QueueTopologySpec.retryExchange}):
 * - the queue itself: durable quorum queue, dead-lettering (at least once) to `<queue>.dlq`,
 *   with a delivery limit;
 * - one delay queue per back-off step, `<queue>.retry.<ms>ms`, whose message TTL dead-letters
 *   the message back to the queue (through `<queue>.redeliver` on the retry exchange);
 * - `<queue>.dlq`, where a message is parked with its failure reason and attempt count.
 */
export async function declareQueueTopology(channel: amqp.Channel, spec: QueueTopologySpec): Promise<void> {
  await channel.assertExchange(retryExchangeOfSpec(spec), 'topic', { durable: true });
  for (const declaration of queueDeclarations(spec)) {
    await channel.assertQueue(declaration.queue, { durable: true, arguments: { ...declaration.arguments } });
    for (const binding of declaration.bindings)
      await channel.bindQueue(declaration.queue, binding.exchange, binding.pattern);
  }
}
