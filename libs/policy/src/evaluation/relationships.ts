/**
 * Who is connected to a person (SPEC §5: never a broadcast to every partner of a kind): a pure
 * reducer over the person's events, in the order the hub received them.
 */
import type { EventType } from '@cstr/contracts';
import type { Bundle } from 'fhir/r4';
import type { Partner, Sender } from '../partners/partner';
import { asArray, courtCodesOf, referencedPartners, resourcesOfType } from './bundle-reading';

/** Why a partner is connected to the person. */
export type ConnectionReason =
  /** It published an event about the person (it already knows them). */
  | 'published-about'
  /** It covers the court of a hearing, result or sentence (partners.yaml coverage). */
  | 'covers-court'
  /** It is named as the performer or owner of a request (sentence, PSR, referral). */
  | 'named-in-request'
  /** It accepted the treatment referral. */
  | 'accepted-referral'
  /** It allocated the case (probation). */
  | 'allocated-case'
  /** It checked the person's GP registration. */
  | 'checked-gp-registration';

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

const COURT_EVENTS: ReadonlySet<EventType> = new Set([
  'court.hearing.listed',
  'court.hearing.resulted',
  'court.sentence.imposed',
]);
const REQUEST_EVENTS: ReadonlySet<EventType> = new Set([
  'court.sentence.imposed',
  'probation.psr.requested',
  'treatment.referral.requested',
]);

function connect(connections: Record<string, ConnectionReason[]>, partnerId: string, reason: ConnectionReason): void {
  const reasons = connections[partnerId] ?? [];
  if (!reasons.includes(reason)) connections[partnerId] = [...reasons, reason];
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
 * The person's connections after one more event about them. Apply it to every event (before
 * choosing that event's recipients, so that a hearing reaches the L&D team covering its court).
 * Unknown partner ids named in the Bundle are ignored.
 */
export function updateRelationships(
  state: RelationshipState,
  event: PolicyEvent,
  sender: Sender,
  partners: readonly Partner[],
): RelationshipState {
  const known = new Map(partners.map((partner) => [partner.id, partner]));
  const connections: Record<string, ConnectionReason[]> = Object.fromEntries(
    Object.entries(state.connections).map(([id, reasons]) => [id, [...reasons]]),
  );
  const { eventType, bundle } = event;
  const senderPartner = known.get(sender.id);

  if (eventType === 'treatment.referral.rejected' && senderPartner) {
    // A provider that turned the referral down is no longer part of the person's care.
    return { connections: Object.fromEntries(Object.entries(connections).filter(([id]) => id !== senderPartner.id)) };
  }
  // Courts only publish; every other partner that publishes about the person knows them already.
  if (senderPartner && senderPartner.kind !== 'hmcts') connect(connections, senderPartner.id, 'published-about');
  if (senderPartner && eventType === 'treatment.referral.accepted')
    connect(connections, senderPartner.id, 'accepted-referral');
  if (senderPartner && eventType === 'probation.case.allocated' && senderPartner.kind === 'probation')
    connect(connections, senderPartner.id, 'allocated-case');
  if (
    senderPartner &&
    senderPartner.kind === 'gp' &&
    (eventType === 'gp.registration.checked' || eventType === 'gp.registration.changed')
  ) {
    connect(connections, senderPartner.id, 'checked-gp-registration');
  }

  if (COURT_EVENTS.has(eventType)) {
    const court = courtOfEvent(bundle, sender, partners);
    if (court)
      for (const partner of partners)
        if (partner.coverage?.courts.includes(court.id)) connect(connections, partner.id, 'covers-court');
  }

  if (REQUEST_EVENTS.has(eventType)) {
    const named = [
      ...resourcesOfType(bundle, 'ServiceRequest').flatMap((request) => asArray(request.performer)),
      ...resourcesOfType(bundle, 'Task').flatMap((task) => (task.owner ? [task.owner] : [])),
    ];
    // Named by ODS code (a Delius PSR request), a request stands for the organisation's treatment service.
    for (const reference of named) {
      for (const partnerId of referencedPartners(bundle, reference, partners, ['mh-provider'])) {
        if (known.has(partnerId)) connect(connections, partnerId, 'named-in-request');
      }
    }
  }
  return { connections };
}

/** The ids of the partners connected to the person. */
export function connectedPartners(state: RelationshipState): string[] {
  return Object.keys(state.connections).filter((id) => (state.connections[id] ?? []).length > 0);
}

/** True when the partner is connected to the person. */
export function isConnected(state: RelationshipState, partnerId: string): boolean {
  return (state.connections[partnerId] ?? []).length > 0;
}
