import type * as amqp from 'amqplib';
import { AmqpHeaders, deadLetterQueue, retryExchangeOf, retryQueue } from '@cstr/contracts';
import type { OutgoingMessage } from '../message';
import { attemptOf, originalRoutingKey } from './inbound-message';

/** Why a consumed message failed: a stable code and a short reason (no personal data: both travel in headers). */
export interface MessageFailure {
  readonly code: string;
  readonly reason: string;
}

/** Where a consumed message came from: its queue, and that queue's retry exchange when not the default. */
export interface FailedQueue {
  readonly queue: string;
  /** Default {@link retryExchangeOf}(queue). */
  readonly retryExchange?: string;
}

/**
 * The copy of a consumed message parked in the dead-letter queue of its queue (`<queue>.dlq`,
 * through the queue's retry exchange), carrying its headers plus the failure's code and reason, the
 * attempt, the original routing key, the queue and when. Used by the consumer for a dead-letter
 * outcome and by a handler that dead-letters through its own transaction (the hub's ingress).
 */
export function deadLetterCopy(raw: amqp.ConsumeMessage, from: FailedQueue, failure: MessageFailure): OutgoingMessage {
  return copyOf(raw, from.retryExchange ?? retryExchangeOf(from.queue), deadLetterQueue(from.queue), {
    ...failureHeaders(raw, from.queue, failure),
    [AmqpHeaders.attempt]: attemptOf(raw),
    [AmqpHeaders.deadLetteredAt]: new Date().toISOString(),
  });
}

/** The copy of a consumed message sent to wait `delayMs` in its queue's delay queue before its next attempt. */
export function retryCopy(
  raw: amqp.ConsumeMessage,
  from: FailedQueue,
  failure: MessageFailure,
  delayMs: number,
): OutgoingMessage {
  return copyOf(raw, from.retryExchange ?? retryExchangeOf(from.queue), retryQueue(from.queue, delayMs), {
    ...failureHeaders(raw, from.queue, failure),
    [AmqpHeaders.attempt]: attemptOf(raw) + 1,
  });
}

function failureHeaders(raw: amqp.ConsumeMessage, queue: string, failure: MessageFailure): Record<string, string> {
  return {
    [AmqpHeaders.originalRoutingKey]: originalRoutingKey(raw, queue),
    [AmqpHeaders.failureCode]: failure.code,
    [AmqpHeaders.failureReason]: failure.reason,
    [AmqpHeaders.failedQueue]: queue,
  };
}

/** A copy of a consumed message, same id, type, correlation and trace, with failure headers. */
function copyOf(
  raw: amqp.ConsumeMessage,
  exchange: string,
  routingKey: string,
  headers: Record<string, string | number>,
): OutgoingMessage {
  const properties = raw.properties;
  const original = properties.headers ?? {};
  const carried: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(original)) {
    if (typeof value === 'string' || typeof value === 'number') carried[name] = value;
  }
  return {
    exchange,
    routingKey,
    eventId: typeof properties.messageId === 'string' ? properties.messageId : 'unidentified',
    type: typeof properties.type === 'string' ? properties.type : 'unknown',
    correlationId: typeof properties.correlationId === 'string' ? properties.correlationId : undefined,
    traceparent:
      typeof original[AmqpHeaders.traceparent] === 'string' ? (original[AmqpHeaders.traceparent] as string) : undefined,
    timestamp: typeof properties.timestamp === 'number' ? new Date(properties.timestamp * 1000) : undefined,
    contentType: typeof properties.contentType === 'string' ? properties.contentType : undefined,
    body: raw.content,
    headers: { ...carried, ...headers },
  };
}
