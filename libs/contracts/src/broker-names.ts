/**
 * Every exchange, queue and routing-key name of the broker topology (SPEC §4).
 * No other file spells these names out: import them from here.
 */

/** The RabbitMQ virtual host every cstr-hub resource lives in. */
export const BROKER_VHOST = 'cstr';

/** Adapters publish partner events here with routing key `<partner-id>.<event-type>`. */
export const INGRESS_EXCHANGE = 'cstr.ingress';
/** The hub publishes one copy per recipient here with routing key `<recipient-id>.<event-type>`. */
export const DELIVERY_EXCHANGE = 'cstr.delivery';
/**
 * Topic exchange for the failure paths of the hub's own queue (`hub.ingress`): retry delay queues,
 * redelivery after the delay, and the dead-letter queue. Also that queue's
 * `x-dead-letter-exchange`, so broker-side dead-lettering (delivery limit) lands in the DLQ too.
 * Only the hub (and the broker's own dead-lettering) may publish to it; each partner inbox has an
 * exchange of its own for the same purpose ({@link partnerRetryExchange}).
 */
export const RETRY_EXCHANGE = 'cstr.retry';

/**
 * The topic exchange of one partner inbox's failure paths (delay queues, redelivery, DLQ): the
 * partner's adapter publishes its retry and dead-letter copies there, and can reach nothing else
 * through it, whatever `CC`/`BCC` headers it adds (RabbitMQ does not check topic permissions on
 * those). The hub may publish there only under the inbox's redeliver key (an operator's replay).
 */
export function partnerRetryExchange(partnerId: string): string {
  return `${RETRY_EXCHANGE}.${partnerId}`;
}

/** The hub's single ingress queue (bound to every ingress routing key). */
export const HUB_INGRESS_QUEUE = 'hub.ingress';

/**
 * The hub's internal partitions of its ingress: a consistent-hash exchange (RabbitMQ plugin
 * `rabbitmq_consistent_hash_exchange`) hashing the pseudonymous person key the hub's ingress router
 * puts in the `x-cstr-partition-key` header, bound to
 * {@link ingressPartitionQueue} 0…N-1. Only the hub's broker user may write to it; partners keep
 * publishing to {@link INGRESS_EXCHANGE}, which routes to {@link HUB_INGRESS_QUEUE} only.
 */
export const INGRESS_PARTITION_EXCHANGE = 'cstr.ingress.partitions';

/**
 * Where hub instances show that they run: each keeps a consumer on this classic queue (which holds
 * nothing and is bound to nothing), so its consumer count is the number of running instances —
 * what each instance divides the partitions by. (A quorum queue's count is not usable: RabbitMQ
 * before 4.1 reports its unacknowledged messages there, and only the active consumer of a single
 * active consumer queue.)
 */
export const HUB_INSTANCES_QUEUE = 'hub.instances';

/** Partitions of the hub's ingress unless configured otherwise (`INGRESS_PARTITIONS`). */
export const DEFAULT_INGRESS_PARTITIONS = 4;

/** The most partitions provisioning and the hub accept. */
export const MAX_INGRESS_PARTITIONS = 64;

/** Partition `index` (from 0) of the hub's ingress: a quorum queue with a single active consumer. */
export function ingressPartitionQueue(index: number): string {
  return `${HUB_INGRESS_QUEUE}.p${index}`;
}

/** Every partition queue of an ingress split into `count` partitions, in order. */
export function ingressPartitionQueues(count: number): string[] {
  return Array.from({ length: count }, (_, index) => ingressPartitionQueue(index));
}

const INGRESS_PARTITION = /^hub\.ingress\.p(0|[1-9][0-9]{0,2})$/;

/** True when `queue` is a partition of the hub's ingress ({@link ingressPartitionQueue}). */
export function isIngressPartitionQueue(queue: string): boolean {
  return INGRESS_PARTITION.test(queue);
}

/** A partner's inbox: what the hub delivered to it. */
export function partnerInboxQueue(partnerId: string): string {
  return `partner.${partnerId}.inbox`;
}

// Any id between the dots (documents name the inbox of `{partnerId}`); provisioning checks real ids.
const PARTNER_INBOX = /^partner\.([^.]+)\.inbox$/;

/** The partner whose inbox `queue` is, or undefined for any other queue. */
export function partnerOfInbox(queue: string): string | undefined {
  return PARTNER_INBOX.exec(queue)?.[1];
}

/**
 * The exchange of a consumed queue's failure paths: {@link partnerRetryExchange} for a partner
 * inbox, {@link RETRY_EXCHANGE} for any other queue (the hub's ingress, test queues).
 */
export function retryExchangeOf(queue: string): string {
  const partnerId = partnerOfInbox(queue);
  return partnerId === undefined ? RETRY_EXCHANGE : partnerRetryExchange(partnerId);
}

/** Routing key an adapter uses to publish a partner's event to {@link INGRESS_EXCHANGE}. */
export function ingressRoutingKey(partnerId: string, eventType: string): string {
  return `${partnerId}.${eventType}`;
}

/** Routing key the hub uses to deliver an event to a recipient through {@link DELIVERY_EXCHANGE}. */
export function deliveryRoutingKey(recipientId: string, eventType: string): string {
  return `${recipientId}.${eventType}`;
}

/** Binding pattern of a partner inbox on {@link DELIVERY_EXCHANGE}. */
export function deliveryBindingPattern(partnerId: string): string {
  return `${partnerId}.#`;
}

/** The delay queue a message waits in before its next attempt (one per configured delay). */
export function retryQueue(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}ms`;
}

/** Routing key on the queue's retry exchange ({@link retryExchangeOf}) that brings a delayed message back to its queue. */
export function redeliverRoutingKey(queue: string): string {
  return `${queue}.redeliver`;
}

/** The dead-letter queue of a queue; also its routing key on the queue's retry exchange ({@link retryExchangeOf}). */
export function deadLetterQueue(queue: string): string {
  return `${queue}.dlq`;
}

/** Partner ids are lower-case words joined by hyphens (SPEC §2). */
export const PARTNER_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Escapes a name for use inside a RabbitMQ permission regular expression. */
export function escapeForPermissionRegex(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

/** The kinds of partner (SPEC §2), and the adapter app that speaks each kind's protocol. */
export const ADAPTER_APP_BY_PARTNER_KIND = {
  hmcts: 'hmcts-listings-adapter',
  ld: 'ld-adapter',
  probation: 'ndelius-adapter',
  'mh-provider': 'secondary-care-adapter',
  gp: 'gp-registration-adapter',
  // A community drug and alcohol treatment service (DRR, ATR) keeps a FHIR case system too: the
  // secondary-care adapter's FHIR machinery serves it.
  'drug-alcohol-service': 'secondary-care-adapter',
} as const;

/** One kind of partner. */
export type PartnerKind = keyof typeof ADAPTER_APP_BY_PARTNER_KIND;

/** True when `kind` names a partner kind of SPEC §2. */
export function isPartnerKind(kind: string): kind is PartnerKind {
  return Object.hasOwn(ADAPTER_APP_BY_PARTNER_KIND, kind);
}
