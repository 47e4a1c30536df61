import type * as amqp from 'amqplib';
import { AmqpHeaders, redeliverRoutingKey } from '@cstr/contracts';

/** A message taken off a queue and parsed: what a handler sees. */
export interface InboundMessage {
  /** The event id (AMQP `messageId`, a UUID). */
  readonly eventId: string;
  /** The event type (AMQP `type`). */
  readonly type: string;
  readonly correlationId: string | undefined;
  readonly traceparent: string | undefined;
  /** 1 on the first attempt; raised each time the message comes back from a retry delay. */
  readonly attempt: number;
  /** The parsed JSON body (a FHIR message Bundle for every cstr-hub event). */
  readonly body: unknown;
  /** The queue it was consumed from. */
  readonly queue: string;
  readonly routingKey: string;
  /** The raw AMQP message, for the rare handler that needs a property. */
  readonly raw: amqp.ConsumeMessage;
}

/** Why a message could not even be parsed: it goes to the DLQ at once. */
export class UnparseableMessage {
  readonly code = 'unparseable';
  constructor(readonly reason: string) {}
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JSON_CONTENT_TYPES = new Set(['application/fhir+json', 'application/json']);

const parsedBodies = new WeakMap<amqp.ConsumeMessage, { ok: true; body: unknown } | { ok: false; error: string }>();

/**
 * The delivery's body parsed as JSON, once per delivery: a consumer's lane key may read the body
 * when the message arrives, and {@link parseDelivery} reads it again for the handler.
 */
export function jsonBodyOf(raw: amqp.ConsumeMessage): { ok: true; body: unknown } | { ok: false; error: string } {
  let parsed = parsedBodies.get(raw);
  if (!parsed) {
    try {
      parsed = { ok: true, body: JSON.parse(raw.content.toString('utf8')) as unknown };
    } catch (error) {
      parsed = { ok: false, error: (error as Error).message };
    }
    parsedBodies.set(raw, parsed);
  }
  return parsed;
}

/** Parses an AMQP delivery into an {@link InboundMessage}, or says why it cannot. */
export function parseDelivery(raw: amqp.ConsumeMessage, queue: string): InboundMessage | UnparseableMessage {
  const { messageId, type, contentType, correlationId } = raw.properties as {
    messageId?: unknown;
    type?: unknown;
    contentType?: unknown;
    correlationId?: unknown;
  };
  if (typeof messageId !== 'string' || !UUID.test(messageId))
    return new UnparseableMessage('messageId is missing or not a UUID');
  if (typeof type !== 'string' || type.length === 0) return new UnparseableMessage('type (the event type) is missing');
  if (
    contentType !== undefined &&
    (typeof contentType !== 'string' || !JSON_CONTENT_TYPES.has(contentType.split(';')[0].trim()))
  ) {
    return new UnparseableMessage(`content type ${String(contentType)} is not JSON`);
  }
  const parsed = jsonBodyOf(raw);
  if (!parsed.ok) return new UnparseableMessage(`body is not valid JSON (${parsed.error.slice(0, 120)})`);
  const body = parsed.body;
  const headers = raw.properties.headers ?? {};
  return {
    eventId: messageId,
    type,
    correlationId: typeof correlationId === 'string' ? correlationId : undefined,
    traceparent:
      typeof headers[AmqpHeaders.traceparent] === 'string' ? (headers[AmqpHeaders.traceparent] as string) : undefined,
    attempt: attemptOf(raw),
    body,
    queue,
    routingKey: originalRoutingKey(raw, queue),
    raw,
  };
}

/**
 * The routing key a message was first published with: a retry or a replayed dead letter comes back
 * to its queue under `<queue>.redeliver` on the queue's retry exchange, carrying the original in
 * {@link AmqpHeaders.originalRoutingKey}. The header is believed only there: on `cstr.retry`
 * (`hub.ingress`) only the hub and the broker's dead-lettering publish, and on a partner's retry
 * exchange only that partner (its own inbox) and the hub — so nobody can claim another sender's
 * routing key for the hub's ingress.
 */
export function originalRoutingKey(raw: amqp.ConsumeMessage, queue: string): string {
  return isRedelivery(raw, queue) ? (carriedOriginalRoutingKey(raw) ?? raw.fields.routingKey) : raw.fields.routingKey;
}

/**
 * True when the delivery came back to `queue` under its redeliver key. Only the queue's retry
 * exchange routes that key to it: no other binding of a consumed queue matches `<queue>.redeliver`
 * (and partners publish to `cstr.ingress` only under their own id's prefix).
 */
export function isRedelivery(raw: amqp.ConsumeMessage, queue: string): boolean {
  return raw.fields.routingKey === redeliverRoutingKey(queue);
}

function carriedOriginalRoutingKey(raw: amqp.ConsumeMessage): string | undefined {
  const carried = raw.properties.headers?.[AmqpHeaders.originalRoutingKey];
  return typeof carried === 'string' && carried.length > 0 ? carried : undefined;
}

/**
 * Who published a delivery, as far as the broker vouches: its AMQP `userId` property, which
 * RabbitMQ refuses unless it is the publishing connection's own user (no user here has the
 * `impersonator` tag), or undefined when the publisher set none. Every cstr-hub app sets it
 * (ConfirmedPublisher), so undefined means a publisher outside cstr-hub's own code.
 *
 * Dead-lettering by the broker (a delay queue's TTL, a delivery limit) keeps the properties: a
 * retry copy that comes back from a delay queue names whoever published the copy (the consumer
 * that failed it), and one the broker dead-lettered names the original publisher.
 */
export function brokerVerifiedPublisher(raw: Pick<amqp.Message, 'properties'>): string | undefined {
  const userId: unknown = raw.properties.userId;
  return typeof userId === 'string' && userId.length > 0 ? userId : undefined;
}

/** The attempt number a delivery carries (1 when it never failed before). */
export function attemptOf(raw: amqp.ConsumeMessage): number {
  const value = Number(raw.properties.headers?.[AmqpHeaders.attempt] ?? 1);
  return Number.isInteger(value) && value >= 1 ? value : 1;
}
