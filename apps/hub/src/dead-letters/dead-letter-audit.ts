import type * as amqp from 'amqplib';
import type { AuditRecordInput } from '@cstr/audit';
import { AmqpHeaders, isEventType } from '@cstr/contracts';
import type { HubPolicy } from '../core/hub-policy';
import { INGRESS_REFUSAL_CODES } from '../ingress/ingress-message';
import { identifiersOf, patientIn } from '../ingress/ingress.pipeline';

/**
 * The audit record of a dead letter the hub drains, unless it is already audited: the ingress
 * pipeline records its own refusals (`refusal-at-ingress`). What else lands in a DLQ — a message
 * the transport could not parse or had no handler for, one that used up its retries, or a delivery
 * a partner's adapter could not apply (an unknown CRN) — is recorded here as `dead-letter`, with
 * the person's identifiers when the body names them, so nothing leaves the flows unaudited.
 */
export function deadLetterRecord(
  queue: string,
  raw: amqp.ConsumeMessage,
  policy: HubPolicy,
  partnerOfQueue: (queue: string) => string | null,
): AuditRecordInput | undefined {
  const headers = raw.properties.headers ?? {};
  const code =
    typeof headers[AmqpHeaders.failureCode] === 'string' ? (headers[AmqpHeaders.failureCode] as string) : 'unknown';
  const reason =
    typeof headers[AmqpHeaders.failureReason] === 'string'
      ? (headers[AmqpHeaders.failureReason] as string)
      : 'no reason given';
  const recipient = partnerOfQueue(queue);
  if (recipient === null && (INGRESS_REFUSAL_CODES as readonly string[]).includes(code)) return undefined;
  const type = raw.properties.type;
  const messageId = raw.properties.messageId;
  // The sender of an ingress message is its original routing key's prefix: every dead-letter copy
  // carries it (only the hub and the broker can write to a DLQ).
  const original = headers[AmqpHeaders.originalRoutingKey];
  const senderId = recipient === null && typeof original === 'string' ? original.split('.')[0] : undefined;
  let body: unknown;
  try {
    body = JSON.parse(raw.content.toString('utf8'));
  } catch {
    body = undefined;
  }
  return {
    kind: 'dead-letter',
    outcome: 'dead-lettered',
    ...(typeof messageId === 'string' && /^[0-9a-f-]{36}$/i.test(messageId) ? { eventId: messageId } : {}),
    ...(typeof type === 'string' && isEventType(type) ? { eventType: type } : {}),
    ...(senderId && policy.partner(senderId) ? { sender: senderId } : {}),
    ...(recipient ? { recipient } : {}),
    refusingRule: code.slice(0, 100),
    personIdentifiers: identifiersOf(patientIn(body)),
    reason: `Dead-lettered from ${queue}: ${code}: ${reason}`.slice(0, 1000),
  };
}
