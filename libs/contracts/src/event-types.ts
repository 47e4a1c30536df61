/**
 * The event catalogue of SPEC §3: every event type a partner or the hub may publish.
 * Handlers switch over {@link EventType}; lint checks those switches are exhaustive.
 */
export const EVENT_TYPES = [
  'ld.screening.completed',
  'court.hearing.listed',
  'court.hearing.resulted',
  'court.sentence.imposed',
  'probation.psr.requested',
  'probation.case.allocated',
  'treatment.assessment.completed',
  'treatment.suitability.decided',
  'consent.recorded',
  'consent.withdrawn',
  'gp.registration.checked',
  'gp.registration.changed',
  'treatment.referral.requested',
  'treatment.referral.accepted',
  'treatment.referral.rejected',
  'treatment.appointment.booked',
  'treatment.started',
  'treatment.appointment.attended',
  'treatment.appointment.missed',
  'treatment.drug-test.resulted',
  'court.review.listed',
  'probation.review.reported',
  'court.review.resulted',
  'risk.changed',
  'probation.enforcement.decided',
  'treatment.progress.reported',
  'treatment.episode.ended',
  'probation.requirement.terminated',
  'pathway.candidate.identified',
  'pathway.deadline.missed',
] as const;

/** One event type of the catalogue. */
export type EventType = (typeof EVENT_TYPES)[number];

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

/** True when `value` names an event type of the catalogue. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && EVENT_TYPE_SET.has(value);
}

/** The FHIR CodeSystem that `MessageHeader.eventCoding` draws event types from. */
export const EVENT_TYPE_SYSTEM = 'https://cstr-hub.org.uk/fhir/CodeSystem/event-type';

/** Content type of every event body on the broker. */
export const FHIR_JSON_CONTENT_TYPE = 'application/fhir+json';
