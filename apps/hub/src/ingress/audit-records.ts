import type { AuditLegalBasis, AuditPersonIdentifier, AuditRecordInput } from '@cstr/audit';
import { HUB_PARTNER_ID, isEventType } from '@cstr/contracts';
import type { LegalBasis, RecipientDecision } from '@cstr/policy';
import type { HubPolicy } from '../core/hub-policy';
import { outcomeSummary, recordedSender } from './envelope.check';
import type { IngressMessage, IngressRefusal } from './ingress-message';
import { storableText } from './safe-text';

/** What every decision record of one event shares. */
export interface DecisionContext {
  readonly eventId: string;
  readonly eventType: string;
  readonly sender: string;
  readonly personIdentifiers: readonly AuditPersonIdentifier[];
  /** What every record of the event says besides its decision: a restriction applied, warnings about the message. */
  readonly notes?: readonly string[];
}

/** A record's reason with the event's notes after it. */
function withNotes(reason: string, notes: readonly string[] | undefined): string {
  return storableText([reason, ...(notes ?? [])].join(' '), 4000);
}

function legalBasisOf(basis: LegalBasis): AuditLegalBasis {
  return Object.fromEntries(
    Object.entries(basis).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** The audit record of one recipient's decision (SPEC §6): delivered with its grounds, or refused with its rule. */
export function decisionRecord(context: DecisionContext, { recipient, decision }: RecipientDecision): AuditRecordInput {
  const { notes, ...recorded } = context;
  const shared = { kind: 'decision' as const, ...recorded, recipient: recipient.id };
  if (decision.decision === 'deliver') {
    return {
      ...shared,
      outcome: 'delivered',
      agreement: { id: decision.agreementId, version: decision.agreementVersion },
      flowId: decision.flowId,
      legalBasis: legalBasisOf(decision.legalBasis),
      ...(decision.consentRef ? { consentReference: storableText(decision.consentRef, 512) } : {}),
      removedElements: decision.removedElements.map((path) => storableText(path, 512)),
      reason: withNotes(decision.purpose, notes),
    };
  }
  // The version that refused, as evaluated: an agreement change landing meanwhile must not rename it.
  const { agreementId, agreementVersion, legalBasis } = decision;
  return {
    ...shared,
    outcome: 'refused',
    refusingRule: decision.rule,
    ...(agreementId !== undefined && agreementVersion !== undefined && legalBasis !== undefined
      ? { agreement: { id: agreementId, version: agreementVersion }, legalBasis: legalBasisOf(legalBasis) }
      : {}),
    ...(decision.flowId ? { flowId: decision.flowId } : {}),
    ...(decision.consentRef ? { consentReference: storableText(decision.consentRef, 512) } : {}),
    reason: withNotes(decision.reason, notes),
  };
}

/** Rule of the record written when no partner may receive an event: the hub applied it to its own state only. */
export const KEPT_BY_HUB_RULE = 'no-recipient';

/**
 * The record of an event no partner receives (consents, outcome scores, or nobody connected):
 * the hub applied it to the person's state; the record names the hub as the only recipient.
 */
export function keptByHubRecord(context: DecisionContext, what: string): AuditRecordInput {
  const { notes, ...recorded } = context;
  return {
    kind: 'kept-by-hub',
    outcome: 'kept',
    ...recorded,
    recipient: HUB_PARTNER_ID,
    refusingRule: KEPT_BY_HUB_RULE,
    reason: withNotes(
      `No connected partner may receive this event under the agreements; the hub applied it to the person's state (${what}) and keeps it.`,
      notes,
    ),
  };
}

/** The record of an event refused at ingress, with the OperationOutcome's diagnostics. */
export function ingressRefusalRecord(
  message: IngressMessage,
  refused: IngressRefusal,
  policy: HubPolicy,
  personIdentifiers: readonly AuditPersonIdentifier[],
): AuditRecordInput {
  const sender = recordedSender(message);
  return {
    kind: 'refusal-at-ingress',
    outcome: 'refused',
    eventId: message.eventId,
    ...(isEventType(message.type) ? { eventType: message.type } : {}),
    ...(policy.partner(sender) ? { sender } : {}),
    refusingRule: refused.code,
    personIdentifiers,
    reason: outcomeSummary(refused.outcome),
  };
}
