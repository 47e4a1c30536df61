import type * as amqp from 'amqplib';
import type { AuditRecordInput } from '@cstr/audit';
import { isEventType } from '@cstr/contracts';
import { patientOf } from '@cstr/fhir';
import { DEFAULT_MAX_MESSAGE_BYTES } from '@cstr/messaging';
import { INGRESS_REFUSAL_CODES } from '../ingress/ingress-message';
import { identifiersOf } from '../ingress/ingress.pipeline';
import type { DeadLetterProvenance } from './dead-letter-provenance';

/**
 * The audit record of a dead letter the hub drains, unless it is already audited: the ingress
 * pipeline records its own refusals (`refusal-at-ingress`) — but only a copy the hub itself
 * published counts as one. What else lands in a DLQ — a message the transport could not parse or
 * had no handler for, one that used up its retries, a delivery a partner's adapter could not apply
 * (an unknown CRN), anything nobody trustworthy wrote — is recorded here as `dead-letter`. The
 * sender and recipient come from {@link DeadLetterProvenance} (the DLQ drained and the broker's
 * word), never from headers a partner wrote; a partner's failure code is recorded as its claim.
 * The person's identifiers are taken from the body when it is small enough to read and came from
 * someone the hub believes (a forged message must not land in a person's timeline).
 */
export function deadLetterRecord(
  queue: string,
  raw: amqp.ConsumeMessage,
  provenance: DeadLetterProvenance,
  maxBodyBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
): AuditRecordInput | undefined {
  const code = provenance.failureCode;
  if (
    provenance.partner === null &&
    provenance.writer === 'hub' &&
    (INGRESS_REFUSAL_CODES as readonly string[]).includes(code)
  )
    return undefined;
  const type = raw.properties.type;
  const messageId = raw.properties.messageId;
  let body: unknown;
  if (provenance.writer !== 'unauthenticated' && code !== 'too-large' && raw.content.length <= maxBodyBytes) {
    try {
      body = JSON.parse(raw.content.toString('utf8'));
    } catch {
      body = undefined;
    }
  }
  return {
    kind: 'dead-letter',
    outcome: 'dead-lettered',
    ...(typeof messageId === 'string' && /^[0-9a-f-]{36}$/i.test(messageId) ? { eventId: messageId } : {}),
    ...(typeof type === 'string' && isEventType(type) ? { eventType: type } : {}),
    ...(provenance.sender ? { sender: provenance.sender } : {}),
    ...(provenance.partner ? { recipient: provenance.partner } : {}),
    refusingRule: code.slice(0, 100),
    personIdentifiers: identifiersOf(patientOf(body)),
    reason: `Dead-lettered from ${queue}: ${code}: ${provenance.failureReason}`.slice(0, 1000),
  };
}
