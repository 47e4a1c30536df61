import type * as amqp from 'amqplib';
import { AmqpHeaders, isIngressPartitionQueue } from '@cstr/contracts';
import { HUB_BROKER_USER, brokerVerifiedPublisher, isRedelivery } from '@cstr/messaging';

/** Who published an event to the hub's ingress, and whether it came back there as a retry or replay. */
export interface IngressProvenance {
  /** The broker-verified AMQP `userId` of the publish to `hub.ingress`; undefined when the publisher set none. */
  readonly publisher: string | undefined;
  /** True when it came back to `hub.ingress` under its redeliver key. */
  readonly redelivered: boolean;
}

/**
 * What the broker vouches for about an event at the hub's ingress. On `hub.ingress` itself: the
 * delivery's `userId` and routing key, never a header. On a partition queue (`hub.ingress.p<k>`):
 * the headers the hub's ingress router wrote when it moved the event there — believed because only
 * the hub's broker user may publish to the partitions (the partition consumers dead-letter any
 * other publisher unread). A partition delivery that the hub did not publish is reported as a
 * redelivery by its own publisher, which the pipeline refuses as unauthenticated.
 */
export function ingressProvenance(raw: amqp.ConsumeMessage, queue: string): IngressProvenance {
  const publisher = brokerVerifiedPublisher(raw);
  if (!isIngressPartitionQueue(queue)) return { publisher, redelivered: isRedelivery(raw, queue) };
  if (publisher !== HUB_BROKER_USER) return { publisher, redelivered: true };
  const headers = raw.properties.headers ?? {};
  const carried: unknown = headers[AmqpHeaders.ingressPublisher];
  return {
    publisher: typeof carried === 'string' && carried.length > 0 ? carried : undefined,
    redelivered: headers[AmqpHeaders.ingressRedelivered] === 'true',
  };
}
