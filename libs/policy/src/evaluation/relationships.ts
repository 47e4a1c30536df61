/**
 * Who is connected to a person (SPEC §5: never a broadcast to every partner of a kind): a pure
 * reducer over the person's events, in the order the hub received them.
 */
import type { EventType } from '@cstr/contracts';
import type { Bundle } from 'fhir/r4';
import { asArray, courtCodesOf, resourcesOfType } from '@cstr/fhir';
import type { Partner, Sender } from '../partners/partner';
import { resolveParty } from '../parties/party-resolver';

/** Why a partner is connected to the person: a role in their care (SPEC §5), never its own publishing. */
export type ConnectionReason =
  /** It covers the court of a hearing, result or sentence (partners.yaml coverage). */
  | 'covers-court'
  /** It requested the PSR or made the treatment referral. */
  | 'requested'
  /** It is named as the performer or owner of a request (sentence, PSR, referral) by the requester. */
  | 'named-in-request'
  /** It accepted the treatment referral made to it (it was named in a request before). */
  | 'accepted-referral'
  /** It allocated the case (probation). */
  | 'allocated-case'
  /** It checked or registered the person's GP registration. */
  | 'checked-gp-registration'
  /** The court listed a review of the person's order (a DRR): it receives probation's review report. */
  | 'reviews-order';

/** The reasons that connect. A state stored before connection came only from roles may hold others (`published-about`): they connect nobody. */
const CONNECTING: ReadonlySet<string> = new Set<ConnectionReason>([
  'covers-court',
  'requested',
  'named-in-request',
  'accepted-referral',
  'allocated-case',
  'checked-gp-registration',
  'reviews-order',
]);

/** The connections of one person: partner id → why. Immutable; the hub keeps one per person. */
export interface RelationshipState {
  readonly connections: Readonly<Record<string, readonly ConnectionReason[]>>;
}

/** A person nobody is connected to yet. */
export const NO_RELATIONSHIPS: RelationshipState = { connections: {} };

/** An event as the reducers see it: its type and its message Bundle. */
export interface PolicyEvent {
  readonly eventType: EventType;
  readonly bundle: Bundle;
}

/** Kinds of partner that treat people (MHTR providers; drug and alcohol services for DRR and ATR): a request names one of them as performer or owner. */
export const TREATMENT_PROVIDER_KINDS: readonly Partner['kind'][] = ['mh-provider', 'drug-alcohol-service'];

const COURT_EVENTS: ReadonlySet<EventType> = new Set([
  'court.hearing.listed',
  'court.hearing.resulted',
  'court.sentence.imposed',
]);

/** Events that request something of a treatment provider, naming it as performer or owner. */
export const REQUEST_EVENTS: ReadonlySet<EventType> = new Set([
  'court.sentence.imposed',
  'probation.psr.requested',
  'treatment.referral.requested',
]);

/** Treatment roles of a provider: they end when it rejects the referral, ends the episode, or the requirement ends. */
const TREATMENT_ROLES: readonly ConnectionReason[] = ['named-in-request', 'accepted-referral'];

function connect(connections: Record<string, ConnectionReason[]>, partnerId: string, reason: ConnectionReason): void {
  const reasons = connections[partnerId] ?? [];
  if (!reasons.includes(reason)) connections[partnerId] = [...reasons, reason];
}

function withoutRoles(
  state: RelationshipState,
  partnerIds: readonly string[],
  roles?: readonly ConnectionReason[],
): RelationshipState {
  const connections: Record<string, readonly ConnectionReason[]> = {};
  for (const [id, reasons] of Object.entries(state.connections)) {
    const kept = partnerIds.includes(id) ? (roles ? reasons.filter((reason) => !roles.includes(reason)) : []) : reasons;
    if (kept.length > 0) connections[id] = kept;
  }
  return { connections };
}

/** The court partner of a court event: by the court code in the Bundle, else the sending court. */
export function courtOfEvent(bundle: Bundle, sender: Sender, partners: readonly Partner[]): Partner | undefined {
  const codes = courtCodesOf(bundle);
  const byCode = partners.find(
    (partner) => partner.kind === 'hmcts' && partner.courtCode !== undefined && codes.includes(partner.courtCode),
  );
  if (byCode) return byCode;
  return sender.kind === 'hmcts' ? partners.find((partner) => partner.id === sender.id) : undefined;
}

/**
 * The partners a request names as performer (ServiceRequest) or owner (Task), however it names
 * them (see resolveParty): a provider asked to assess or treat, a probation team a sentence names
 * to supervise. An organisation code shared by several services stands for its treatment service.
 * Empty for other events.
 */
export function requestedParties(event: PolicyEvent, partners: readonly Partner[]): string[] {
  if (!REQUEST_EVENTS.has(event.eventType)) return [];
  const { bundle } = event;
  const named = [
    ...resourcesOfType(bundle, 'ServiceRequest').flatMap((request) => asArray(request.performer)),
    ...resourcesOfType(bundle, 'Task').flatMap((task) => (task.owner ? [task.owner] : [])),
  ];
  const ids = named.flatMap(
    (reference) => resolveParty(bundle, reference, partners, { prefer: TREATMENT_PROVIDER_KINDS }).partners,
  );
  return [...new Set(ids)];
}

/** The treatment providers a request names (see {@link requestedParties}). */
export function requestedProviders(event: PolicyEvent, partners: readonly Partner[]): string[] {
  const kindOf = new Map(partners.map((partner) => [partner.id, partner.kind]));
  return requestedParties(event, partners).filter((id) =>
    TREATMENT_PROVIDER_KINDS.includes(kindOf.get(id) as Partner['kind']),
  );
}

/**
 * The person's connections after one more event about them, applied before that event's
 * recipients are chosen (so that a hearing reaches the L&D team covering its court). Only a role
 * in the person's care connects (SPEC §5): covering the court, requesting the PSR or making the
 * referral, being named in a request by its requester, accepting the referral, allocating the
 * case, registering the GP. Publishing about the person connects nobody; a provider that rejects
 * the referral or ends the episode loses its treatment roles at once. See also {@link endRelationships}.
 */
export function updateRelationships(
  state: RelationshipState,
  event: PolicyEvent,
  sender: Sender,
  partners: readonly Partner[],
): RelationshipState {
  const known = new Map(partners.map((partner) => [partner.id, partner]));
  const connections: Record<string, ConnectionReason[]> = {};
  for (const [id, reasons] of Object.entries(state.connections)) {
    const kept = reasons.filter((reason) => CONNECTING.has(reason));
    if (kept.length > 0) connections[id] = [...kept];
  }
  const { eventType, bundle } = event;
  const senderPartner = known.get(sender.id);

  if (senderPartner && (eventType === 'treatment.referral.rejected' || eventType === 'treatment.episode.ended')) {
    // A provider that turned the referral down, or whose episode ended, is no longer treating the person.
    return withoutRoles({ connections }, [senderPartner.id], TREATMENT_ROLES);
  }
  if (senderPartner && (eventType === 'probation.psr.requested' || eventType === 'treatment.referral.requested')) {
    connect(connections, senderPartner.id, 'requested');
  }
  // Accepting counts only for a referral made to it: a provider cannot connect itself to a stranger.
  if (
    senderPartner &&
    TREATMENT_PROVIDER_KINDS.includes(senderPartner.kind) &&
    eventType === 'treatment.referral.accepted' &&
    (connections[senderPartner.id] ?? []).includes('named-in-request')
  )
    connect(connections, senderPartner.id, 'accepted-referral');
  if (senderPartner?.kind === 'probation' && eventType === 'probation.case.allocated')
    connect(connections, senderPartner.id, 'allocated-case');
  if (
    senderPartner?.kind === 'gp' &&
    (eventType === 'gp.registration.checked' || eventType === 'gp.registration.changed')
  ) {
    connect(connections, senderPartner.id, 'checked-gp-registration');
  }

  // The court that lists a review of the order is the one its review report goes to (CJA 2003 s210).
  if (senderPartner?.kind === 'hmcts' && eventType === 'court.review.listed') {
    const court = courtOfEvent(bundle, sender, partners);
    if (court) connect(connections, court.id, 'reviews-order');
  }

  if (COURT_EVENTS.has(eventType)) {
    const court = courtOfEvent(bundle, sender, partners);
    if (court)
      for (const partner of partners)
        if (partner.coverage?.courts.includes(court.id)) connect(connections, partner.id, 'covers-court');
  }

  // Named by the requester, never by itself.
  for (const partnerId of requestedParties(event, partners)) {
    if (partnerId !== sender.id) connect(connections, partnerId, 'named-in-request');
  }
  return { connections };
}

/**
 * The person's connections once an event has been delivered, for roles that end with it: the
 * providers treating a requirement probation terminated (those its ServiceRequest names, else
 * every provider with a treatment role) get no new requests or events from then on. The
 * termination itself still reaches them, so this applies after the event's recipients are chosen.
 */
export function endRelationships(
  state: RelationshipState,
  event: PolicyEvent,
  sender: Sender,
  partners: readonly Partner[],
): RelationshipState {
  if (event.eventType !== 'probation.requirement.terminated' || sender.kind !== 'probation') return state;
  const kindOf = new Map(partners.map((partner) => [partner.id, partner.kind]));
  const named = resourcesOfType(event.bundle, 'ServiceRequest')
    .flatMap((request) => asArray(request.performer))
    .flatMap(
      (reference) => resolveParty(event.bundle, reference, partners, { prefer: TREATMENT_PROVIDER_KINDS }).partners,
    )
    .filter((id) => TREATMENT_PROVIDER_KINDS.includes(kindOf.get(id) as Partner['kind']));
  const treating = Object.keys(state.connections).filter((id) =>
    TREATMENT_PROVIDER_KINDS.includes(kindOf.get(id) as Partner['kind']),
  );
  return withoutRoles(state, named.length > 0 ? named : treating, TREATMENT_ROLES);
}

/** The ids of the partners connected to the person. */
export function connectedPartners(state: RelationshipState): string[] {
  return Object.keys(state.connections).filter((id) => isConnected(state, id));
}

/** True when the partner is connected to the person. */
export function isConnected(state: RelationshipState, partnerId: string): boolean {
  const reasons = Object.hasOwn(state.connections, partnerId) ? state.connections[partnerId] : [];
  return asArray(reasons as ConnectionReason[]).some((reason) => CONNECTING.has(reason));
}
