/**
 * The agreement evaluator (SPEC §5, STYLE habit 4): for one event and one candidate recipient,
 * deliver (with the agreement, flow, legal basis and a redacted copy) or refuse (with the rule
 * that refused). Default deny; pure, no I/O: `now` is an input.
 */
import type { EventType } from '@cstr/contracts';
import type { Bundle, MessageHeader } from 'fhir/r4';
import { selectorMatches, type Agreement, type Flow, type LegalBasis } from '../agreements/agreement';
import type { Partner, Sender } from '../partners/partner';
import { asArray, referencedPartnerId, resourcesOfType } from './bundle-reading';
import { consentActors, consentFor, withinPeriod, type ConsentState } from './consent-state';
import { redactBundle } from './redaction';
import { isConnected, type RelationshipState } from './relationships';

/** Why a delivery was refused: stable codes for audit records and dashboards. */
export const REFUSAL_RULES = [
  'no-active-flow',
  'agreement-draft',
  'agreement-suspended',
  'agreement-expired',
  'agreement-not-started',
  'not-addressed',
  'not-connected',
  'consent-missing',
  'consent-withdrawn',
  'nothing-to-share',
  'invalid-message',
] as const;

/** One rule of {@link REFUSAL_RULES}. */
export type RefusalRule = (typeof REFUSAL_RULES)[number];

/** A delivery the agreements allow: what to send and on what grounds. */
export interface DeliverDecision {
  readonly decision: 'deliver';
  readonly agreementId: string;
  readonly agreementVersion: number;
  readonly flowId: string;
  readonly legalBasis: LegalBasis;
  readonly purpose: string;
  /** The consent relied on, for `consent: required` flows. */
  readonly consentRef?: string;
  /** What the redaction removed (see `Redaction.removedElements`). */
  readonly removedElements: readonly string[];
  /** The redacted copy, with `MessageHeader.destination` naming the recipient. */
  readonly bundle: Bundle;
}

/** A refused delivery: the rule and a reason a person can read. */
export interface RefuseDecision {
  readonly decision: 'refuse';
  readonly rule: RefusalRule;
  readonly reason: string;
  readonly agreementId?: string;
  readonly flowId?: string;
}

/** The outcome of {@link evaluate}. */
export type Decision = DeliverDecision | RefuseDecision;

/** Everything {@link evaluate} looks at. */
export interface EvaluationInput {
  readonly bundle: Bundle;
  readonly eventType: EventType;
  readonly sender: Sender;
  readonly recipient: Partner;
  /** Every partner of the site: an organisation named by ODS code stands for its partners. */
  readonly partners: readonly Partner[];
  readonly agreements: readonly Agreement[];
  /** The person's consents (from `updateConsent`). */
  readonly consent: ConsentState;
  /** The person's connections (from `updateRelationships`, this event included). */
  readonly relationships: RelationshipState;
  readonly now: Date;
}

/** Why an agreement is not in force at `now`, or undefined when it is. */
export function agreementNotInForce(
  agreement: Agreement,
  now: Date,
): { rule: RefusalRule; reason: string } | undefined {
  const name = `Agreement ${agreement.id} version ${agreement.version}`;
  switch (agreement.status) {
    case 'draft':
      return { rule: 'agreement-draft', reason: `${name} is a draft, not yet in force.` };
    case 'suspended':
      return { rule: 'agreement-suspended', reason: `${name} is suspended.` };
    case 'expired':
      return { rule: 'agreement-expired', reason: `${name} has expired.` };
    case 'active':
      break;
  }
  if (!withinPeriod(now, { start: agreement.period.start }))
    return { rule: 'agreement-not-started', reason: `${name} starts on ${agreement.period.start}.` };
  if (!withinPeriod(now, agreement.period))
    return { rule: 'agreement-expired', reason: `${name} ended on ${agreement.period.end}.` };
  return undefined;
}

/**
 * The partners an event is addressed to when the event itself says so: a missed deadline goes
 * only to the partner who owes the step (Task.owner); a consent only to the partners it names.
 * Undefined when any connected partner may receive it.
 */
export function addressedPartners(
  eventType: EventType,
  bundle: Bundle,
  partners: readonly Partner[],
): string[] | undefined {
  if (eventType === 'pathway.deadline.missed') {
    return resourcesOfType(bundle, 'Task').flatMap((task) => referencedPartnerId(bundle, task.owner) ?? []);
  }
  if (eventType === 'consent.recorded' || eventType === 'consent.withdrawn') {
    return resourcesOfType(bundle, 'Consent').flatMap((consent) => consentActors(bundle, consent, partners));
  }
  return undefined;
}

function refuse(rule: RefusalRule, reason: string, where?: { agreement: Agreement; flow: Flow }): RefuseDecision {
  return {
    decision: 'refuse',
    rule,
    reason,
    ...(where ? { agreementId: where.agreement.id, flowId: where.flow.id } : {}),
  };
}

/**
 * Decides whether `recipient` receives a copy of the event, and which copy. In order: a flow of
 * some agreement must name the event, the sender and the recipient; the agreement must be active
 * and in its period; the event must be addressed to the recipient (deadlines, consents); the
 * recipient must be connected to the person; a `consent: required` flow needs the person's
 * consent; and something the event is about must survive the redaction.
 */
export function evaluate(input: EvaluationInput): Decision {
  try {
    return decide(input);
  } catch (error) {
    // A message the validator should have stopped: refused, never half-delivered.
    return refuse('invalid-message', `The message could not be evaluated: ${(error as Error).message}`);
  }
}

function decide(input: EvaluationInput): Decision {
  const { eventType, sender, recipient, now } = input;
  const candidates = input.agreements.flatMap((agreement) =>
    agreement.flows
      .filter(
        (flow) =>
          flow.events.includes(eventType) && selectorMatches(flow.from, sender) && selectorMatches(flow.to, recipient),
      )
      .map((flow) => ({ agreement, flow })),
  );
  if (candidates.length === 0 || recipient.id === sender.id) {
    return refuse(
      'no-active-flow',
      `No agreement has a flow for ${eventType} from ${sender.id} (${sender.kind}) to ${recipient.id} (${recipient.kind}).`,
    );
  }
  const inForce = candidates.filter(({ agreement }) => agreementNotInForce(agreement, now) === undefined);
  if (inForce.length === 0) {
    const first = candidates[0];
    const why = agreementNotInForce(first.agreement, now) as { rule: RefusalRule; reason: string };
    return refuse(
      why.rule,
      `${why.reason} It is the only agreement with a flow for ${eventType} to ${recipient.id}.`,
      first,
    );
  }
  const addressed = addressedPartners(eventType, input.bundle, input.partners);
  if (addressed && !addressed.includes(recipient.id)) {
    return refuse(
      'not-addressed',
      `${eventType} is addressed to ${addressed.join(', ') || 'no partner'}, not ${recipient.id}.`,
      inForce[0],
    );
  }
  if (!isConnected(input.relationships, recipient.id)) {
    return refuse(
      'not-connected',
      `${recipient.id} is not connected to the person (no referral, allocation, court coverage or earlier event links them).`,
      inForce[0],
    );
  }

  let consentRefusal: RefuseDecision | undefined;
  for (const candidate of inForce) {
    const { agreement, flow } = candidate;
    let consentRef: string | undefined;
    if (flow.consent === 'required') {
      const verdict = consentFor(input.consent, sender, recipient, now);
      if (verdict.status !== 'active') {
        consentRefusal ??=
          verdict.status === 'withdrawn'
            ? refuse(
                'consent-withdrawn',
                `The person withdrew consent (${verdict.ref}) to share with ${recipient.id}; flow ${flow.id} needs it.`,
                candidate,
              )
            : refuse(
                'consent-missing',
                `Flow ${flow.id} needs the person's consent to share with ${recipient.id}, and none is recorded in force.`,
                candidate,
              );
        continue;
      }
      consentRef = verdict.ref;
    }
    const redaction = redactBundle(input.bundle, { share: flow.share, recipientId: recipient.id });
    const header = redaction.bundle.entry?.[0]?.resource as MessageHeader | undefined;
    if (header?.resourceType !== 'MessageHeader')
      return refuse('invalid-message', 'The message does not start with a MessageHeader.', candidate);
    if (asArray(header.focus).length === 0) {
      consentRefusal ??= refuse(
        'nothing-to-share',
        `Flow ${flow.id} allows none of the resources ${eventType} is about.`,
        candidate,
      );
      continue;
    }
    return {
      decision: 'deliver',
      agreementId: agreement.id,
      agreementVersion: agreement.version,
      flowId: flow.id,
      legalBasis: agreement.legalBasis,
      purpose: flow.purpose,
      ...(consentRef ? { consentRef } : {}),
      removedElements: redaction.removedElements,
      bundle: redaction.bundle,
    };
  }
  return consentRefusal as RefuseDecision;
}

/** Everything {@link recipientsFor} looks at: an evaluation input without a recipient. */
export type RecipientsInput = Omit<EvaluationInput, 'recipient'>;

/** One candidate recipient and the decision for it. */
export interface RecipientDecision {
  readonly recipient: Partner;
  readonly decision: Decision;
}

/**
 * The candidate recipients of an event and a decision for each: the partners a flow of any
 * agreement (in force or not) sends this event to from this sender, that are connected to the
 * person (never a broadcast to a whole kind). What the hub calls for every incoming event.
 */
export function recipientsFor(input: RecipientsInput): RecipientDecision[] {
  const flows = input.agreements
    .flatMap((agreement) => agreement.flows)
    .filter((flow) => flow.events.includes(input.eventType) && selectorMatches(flow.from, input.sender));
  return input.partners
    .filter(
      (partner) =>
        partner.id !== input.sender.id &&
        isConnected(input.relationships, partner.id) &&
        flows.some((flow) => selectorMatches(flow.to, partner)),
    )
    .map((recipient) => ({ recipient, decision: evaluate({ ...input, recipient }) }));
}
