/**
 * Header names carried in AMQP message properties. None of them may carry personal data:
 * properties and headers show up in management tools and logs (SPEC §4).
 */
export const AmqpHeaders = {
  /**
   * Pseudonymous key of the person an event is about (a keyed hash, never an identifier):
   * consumers apply events with the same key in order, and others in parallel.
   */
  partitionKey: 'x-cstr-partition-key',
  /** W3C trace context, carried from the first publish through every hop. */
  traceparent: 'traceparent',
  /** 1 on the first delivery; incremented each time the message is sent back for a retry. */
  attempt: 'x-cstr-attempt',
  /** The last failure's stable code (e.g. `handler-error`, `unparseable`). */
  failureCode: 'x-cstr-failure-code',
  /** The last failure's reason, a short text without personal data. */
  failureReason: 'x-cstr-failure-reason',
  /** The queue the message failed in, so a dead letter can be replayed to it. */
  failedQueue: 'x-cstr-failed-queue',
  /** When the message was dead-lettered (ISO 8601). */
  deadLetteredAt: 'x-cstr-dead-lettered-at',
  /**
   * The routing key the message was first published with (`<partner-id>.<event-type>` on the
   * ingress), kept on retry and dead-letter copies: they come back under `<queue>.redeliver`, and
   * the sender is read from the original key. Believed only on a delivery under that key, which
   * only the broker's dead-lettering and the hub may publish for `hub.ingress` (on `cstr.retry`),
   * and only the partner and the hub for a partner inbox (on the partner's own retry exchange).
   * The hub's dead-letter audit and replay never take it from a message someone else wrote.
   */
  originalRoutingKey: 'x-cstr-original-routing-key',
  /**
   * Who published an event to `hub.ingress`, as the broker vouched (its AMQP `userId`), carried by
   * the hub's ingress router to the partition queue it chose. Believed only on a delivery from a
   * partition queue published by the hub (only the hub may write there); the router drops any
   * value a publisher set on `hub.ingress`.
   */
  ingressPublisher: 'x-cstr-ingress-publisher',
  /** `true` when the event came back to `hub.ingress` under its redeliver key (a retry or replay); carried and believed like {@link ingressPublisher}. */
  ingressRedelivered: 'x-cstr-ingress-redelivered',
} as const;
