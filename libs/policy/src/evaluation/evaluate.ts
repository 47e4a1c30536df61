/**
 * The agreement evaluator (SPEC §5, STYLE habit 4): for one event and one candidate recipient,
 * deliver (with the agreement, flow, legal basis and a redacted copy) or refuse (with the rule
 * that refused). Default deny; pure, no I/O: `now` is an input.
 */
import { HUB_PARTNER_ID, partnerIdFromEndpoint, type EventType } from '@cstr/contracts';
import type { Bundle, MessageHeader, Patient } from 'fhir/r4';
import { asArray, isObject, resourcesOfType } from '@cstr/fhir';
import { selectorMatches, type Agreement, type Flow, type LegalBasis } from '../agreements/agreement';
import type { Partner, Sender } from '../partners/partner';
import { resolveParty } from '../parties/party-resolver';
import { consentActors, consentFor, withinPeriod, type ConsentState } from './consent-state';
import { redactBundle } from './redaction';
import {
  isConnected,
  REQUEST_EVENTS,
  requestedProviders,
  TREATMENT_PROVIDER_KINDS,
  type RelationshipState,
} from './relationships';

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
  /** The version of the agreement whose flow refused, as evaluated (not as in force when the record is written). */
  readonly agreementVersion?: number;
  /** The legal basis of that agreement, for the audit. */
  readonly legalBasis?: LegalBasis;
  readonly flowId?: string;
  /** The consent (and the event that withdrew it) behind a `consent-withdrawn` refusal. */
  readonly consentRef?: string;
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
  /** The person is restricted (the hub remembers it): address, telecom and GP never leave. */
  readonly restricted?: boolean;
  /**
   * The person's strong identifiers the hub knows (person index). A flow's `identifiers` says
   * which systems of them are added to the delivered Patient where the sender sent none.
   */
  readonly knownIdentifiers?: readonly { readonly system: string; readonly value: string }[];
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
 * A limit the event itself puts on who may receive it: recipients (of `kinds`, or any kind) must
 * be among `partners`.
 */
export interface Addressing {
  readonly partners: readonly string[];
  /** The kinds the limit applies to; undefined: every recipient. */
  readonly kinds?: readonly Partner['kind'][];
  /** What names them, for the refusal's reason. */
  readonly namedBy: string;
}

/**
 * The limits an event puts on its recipients, however it names them (see resolveParty): a missed
 * deadline goes only to the partner who owes the step (Task.owner); a consent only to the parties
 * it names; a request only to the treatment provider it names, never to whoever treated the
 * person before (a sentence naming none goes to the providers already connected); and a
 * `MessageHeader.destination` naming partners narrows the recipients to them.
 */
export function addressingOf(eventType: EventType, bundle: Bundle, partners: readonly Partner[]): Addressing[] {
  const limits: Addressing[] = [];
  if (eventType === 'pathway.deadline.missed') {
    const owners = resourcesOfType(bundle, 'Task').flatMap(
      (task) => resolveParty(bundle, task.owner, partners).partners,
    );
    limits.push({ partners: owners, namedBy: 'Task.owner' });
  }
  if (eventType === 'consent.recorded' || eventType === 'consent.withdrawn') {
    const actors = resourcesOfType(bundle, 'Consent').flatMap((consent) => consentActors(bundle, consent, partners));
    limits.push({ partners: actors, namedBy: 'Consent.provision.actor' });
  }
  if (REQUEST_EVENTS.has(eventType)) {
    const named = requestedProviders({ eventType, bundle }, partners);
    if (named.length > 0 || eventType !== 'court.sentence.imposed') {
      limits.push({ partners: named, kinds: TREATMENT_PROVIDER_KINDS, namedBy: 'the request (performer or owner)' });
    }
  }
  const destinations = destinationPartners(bundle, partners);
  if (destinations.length > 0) limits.push({ partners: destinations, namedBy: 'MessageHeader.destination' });
  return limits;
}

/** The partners (not the hub) a sender's `MessageHeader.destination` names, by endpoint or receiver. */
export function destinationPartners(bundle: Bundle, partners: readonly Partner[]): string[] {
  const header = asArray(bundle.entry)[0]?.resource as MessageHeader | undefined;
  if (!isObject(header) || header.resourceType !== 'MessageHeader') return [];
  const ids = new Set<string>();
  for (const destination of asArray(header.destination)) {
    if (!isObject(destination)) continue;
    const byEndpoint =
      typeof destination.endpoint === 'string' ? partnerIdFromEndpoint(destination.endpoint) : undefined;
    if (byEndpoint !== undefined && partners.some((partner) => partner.id === byEndpoint)) ids.add(byEndpoint);
    for (const id of resolveParty(bundle, destination.receiver, partners).partners) ids.add(id);
  }
  ids.delete(HUB_PARTNER_ID);
  return [...ids];
}

/** The partners an event is addressed to, when it names them (see {@link addressingOf}); undefined when any connected partner may receive it. */
export function addressedPartners(
  eventType: EventType,
  bundle: Bundle,
  partners: readonly Partner[],
): string[] | undefined {
  const limits = addressingOf(eventType, bundle, partners).filter((limit) => limit.kinds === undefined);
  if (limits.length === 0) return undefined;
  return limits.reduce<string[]>(
    (allowed, limit) => allowed.filter((id) => limit.partners.includes(id)),
    [...limits[0].partners],
  );
}

/**
 * Adds to the delivered Patient the identifiers the hub knows of the systems the flow lets it add
 * (`identifiers` in the agreement), where the sender sent none of that system and the copy carries
 * `Patient.identifier` at all. By default (no `identifiers`) nothing is added.
 */
function addKnownIdentifiers(bundle: Bundle, flow: Flow, known: EvaluationInput['knownIdentifiers']): void {
  if (!flow.identifiers?.length || !known?.length) return;
  const patient = asArray(bundle.entry).find((entry) => entry?.resource?.resourceType === 'Patient')?.resource as
    Patient | undefined;
  if (!patient || !Array.isArray(patient.identifier)) return;
  const sent = new Set(patient.identifier.map((identifier) => identifier?.system));
  const added = known.filter(({ system }) => flow.identifiers?.includes(system) && !sent.has(system));
  // One value per system: where the sender sent a value (even a conflicting one), nothing is added.
  const once = added.filter(
    (identifier, index) => added.findIndex(({ system }) => system === identifier.system) === index,
  );
  patient.identifier.push(...once.map(({ system, value }) => ({ system, value })));
}

function refuse(rule: RefusalRule, reason: string, where?: { agreement: Agreement; flow: Flow }): RefuseDecision {
  return {
    decision: 'refuse',
    rule,
    reason,
    ...(where
      ? {
          agreementId: where.agreement.id,
          agreementVersion: where.agreement.version,
          legalBasis: where.agreement.legalBasis,
          flowId: where.flow.id,
        }
      : {}),
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
  for (const limit of addressingOf(eventType, input.bundle, input.partners)) {
    if (limit.kinds && !limit.kinds.includes(recipient.kind)) continue;
    if (!limit.partners.includes(recipient.id)) {
      return refuse(
        'not-addressed',
        `${eventType} is addressed (${limit.namedBy}) to ${limit.partners.join(', ') || 'no partner'}, not ${recipient.id}.`,
        inForce[0],
      );
    }
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
            ? {
                ...refuse(
                  'consent-withdrawn',
                  `The person withdrew consent (${verdict.ref}${verdict.withdrawnBy ? `, withdrawn by event ${verdict.withdrawnBy}` : ''}) to share with ${recipient.id}; flow ${flow.id} needs it.`,
                  candidate,
                ),
                consentRef: verdict.withdrawnBy
                  ? `${verdict.ref} (withdrawn by event ${verdict.withdrawnBy})`
                  : verdict.ref,
              }
            : refuse(
                'consent-missing',
                `Flow ${flow.id} needs the person's consent to share with ${recipient.id}, and none is recorded in force.`,
                candidate,
              );
        continue;
      }
      consentRef = verdict.ref;
    }
    const redaction = redactBundle(input.bundle, {
      share: flow.share,
      recipientId: recipient.id,
      restricted: input.restricted === true,
    });
    addKnownIdentifiers(redaction.bundle, flow, input.knownIdentifiers);
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
