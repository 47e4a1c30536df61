import { randomBytes } from 'node:crypto';
import type * as amqp from 'amqplib';
import { AmqpHeaders, FHIR_JSON_CONTENT_TYPE } from '@cstr/contracts';

/**
 * A message to publish. The body is opaque bytes; everything else becomes AMQP properties,
 * so nothing here may carry personal data (SPEC §4).
 */
export interface OutgoingMessage {
  readonly exchange: string;
  readonly routingKey: string;
  /** The event id (UUID): becomes `messageId`, the key for de-duplication everywhere. */
  readonly eventId: string;
  /** The event type: becomes the AMQP `type` and the Nest `@EventPattern`. */
  readonly type: string;
  readonly body: Buffer;
  readonly correlationId?: string;
  /** W3C trace context; a new one is started when absent. */
  readonly traceparent?: string;
  readonly timestamp?: Date;
  readonly contentType?: string;
  /** Extra headers (attempt counters, failure reasons): no personal data. */
  readonly headers?: Readonly<Record<string, string | number>>;
}

/** Serialises an event body the way every cstr-hub message carries it. */
export function encodeBody(payload: unknown): Buffer {
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

/** A fresh W3C `traceparent` (version 00, sampled). */
export function newTraceparent(): string {
  const id = randomBytes(24).toString('hex');
  return `00-${id.slice(0, 32)}-${id.slice(32)}-01`;
}

/** A child span of `traceparent` (same trace id, new span id), or a new trace when absent or malformed. */
export function childTraceparent(traceparent: string | undefined): string {
  const match = traceparent ? /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(traceparent) : null;
  if (!match) return newTraceparent();
  return `00-${match[1]}-${randomBytes(8).toString('hex')}-${match[2]}`;
}

/**
 * AMQP publish options for a message: persistent, identified, typed, traced, and — given the
 * publishing connection's broker user — carrying it as `userId`, which the broker checks (it
 * refuses a `user-id` that is not the connection's user), so consumers know who published.
 */
export function publishOptions(message: OutgoingMessage, userId?: string): amqp.Options.Publish {
  return {
    ...(userId === undefined ? {} : { userId }),
    persistent: true,
    mandatory: true,
    messageId: message.eventId,
    type: message.type,
    correlationId: message.correlationId ?? message.eventId,
    timestamp: Math.floor((message.timestamp ?? new Date()).getTime() / 1000),
    contentType: message.contentType ?? FHIR_JSON_CONTENT_TYPE,
    headers: { ...message.headers, [AmqpHeaders.traceparent]: message.traceparent ?? newTraceparent() },
  };
}
