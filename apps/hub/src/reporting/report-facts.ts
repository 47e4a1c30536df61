import {
  CLINICAL_LEAD_DECISION_SYSTEM,
  COURT_REVIEW_OUTCOME_SYSTEM,
  DRUG_TEST_RESULT_SYSTEM,
  TREATMENT_MODALITY_SYSTEM,
  ENFORCEMENT_DECISION_SYSTEM,
  EPISODE_END_REASON_SYSTEM,
  HEARING_OUTCOME_SYSTEM,
  NON_ATTENDANCE_SIGNIFICANCE_SYSTEM,
  REQUIREMENT_TERMINATION_SYSTEM,
  REQUIREMENT_TYPE_SYSTEM,
  SUITABILITY_OUTCOME_SYSTEM,
  type EventType,
} from '@cstr/contracts';
import { resourcesOfType } from '@cstr/fhir';
import type { Bundle, Patient } from 'fhir/r4';
import { outcomeScoresOf } from '../ingress/outcome-scores.reader';
import { equalityFactsOf, type EqualityFacts } from './equality-facts';

/** The events the minimum dataset is built from; the others leave no reporting fact. */
export const REPORTED_EVENT_TYPES = [
  // L&D screening: no measure of its own, but often where the equality monitoring is recorded.
  'ld.screening.completed',
  'probation.psr.requested',
  'pathway.candidate.identified',
  'treatment.referral.requested',
  'treatment.assessment.completed',
  'treatment.suitability.decided',
  'consent.recorded',
  'court.hearing.resulted',
  'court.sentence.imposed',
  'gp.registration.checked',
  'gp.registration.changed',
  'treatment.appointment.attended',
  'treatment.appointment.missed',
  'probation.enforcement.decided',
  'probation.requirement.terminated',
  'treatment.episode.ended',
  'treatment.progress.reported',
  'treatment.started',
  'treatment.drug-test.resulted',
  'court.review.listed',
  'probation.review.reported',
  'court.review.resulted',
] as const satisfies readonly EventType[];

/** One event type of {@link REPORTED_EVENT_TYPES}. */
export type ReportedEventType = (typeof REPORTED_EVENT_TYPES)[number];

/** True when events of this type feed the minimum dataset. */
export function isReportedEventType(type: string): type is ReportedEventType {
  return (REPORTED_EVENT_TYPES as readonly string[]).includes(type);
}

/** An outcome score as the dataset keeps it: no date, no free text. */
export interface FactScore {
  readonly instrument: string;
  readonly score: number;
  /** `baseline`, `review`, `discharge`, or null when not given. */
  readonly stage: string | null;
}

/**
 * The minimal facts the minimum dataset needs of one accepted event: no name, no identifier but
 * the hub's internal person id (to count distinct people), no free text, no birth date (an age band),
 * and of the equality characteristics only the reporting categories ({@link EqualityFacts}).
 */
export interface ReportFact extends EqualityFacts {
  readonly eventId: string;
  readonly eventType: ReportedEventType;
  /** When it happened in the sender's system (Bundle.timestamp), ISO 8601. */
  readonly occurredAt: string;
  /** The reporting month of {@link occurredAt} (`YYYY-MM`, UK time). */
  readonly month: string;
  /** The hub's person index id: counted, never reported. */
  readonly personId: string;
  /** The sender's partner kind (`probation`, `hub`…). */
  readonly senderKind: string;
  /** Requirement types (`mhtr-primary`, `drr`…) the event carries or, when it carries none, the person's as last known. */
  readonly requirementTypes: readonly string[];
  /** The event's coded outcome (suitable, approved, sentenced, a significance, a decision…), or null. */
  readonly outcome: string | null;
  /** Patient.gender, or null. */
  readonly gender: string | null;
  /** The age band at the event (`18-24`…), or null when the birth date is not known. */
  readonly ageBand: string | null;
  readonly scores: readonly FactScore[];
  /**
   * The date (`YYYY-MM-DD`) the event's fact is about, where a measure needs it: the date treatment
   * started, a drug test's sample date, a court review's hearing date, a sentence's date; else null.
   */
  readonly factDate: string | null;
}

/** What {@link reportFactOf} needs of an accepted event. */
export interface ReportedEvent {
  readonly eventId: string;
  readonly eventType: EventType;
  readonly sender: { readonly kind: string };
  readonly personId: string;
  readonly bundle: Bundle;
  readonly patient: Patient;
  readonly now: Date;
}

/**
 * The reporting fact of an accepted event, or undefined for events the dataset does not use.
 * `requirementTypes` is what the event itself carries (possibly none). Pure.
 */
export function reportFactOf(event: ReportedEvent): ReportFact | undefined {
  if (!isReportedEventType(event.eventType)) return undefined;
  const occurred = validInstant(event.bundle.timestamp) ?? event.now;
  return {
    eventId: event.eventId,
    eventType: event.eventType,
    occurredAt: occurred.toISOString(),
    month: reportingMonth(occurred),
    personId: event.personId,
    senderKind: event.sender.kind,
    requirementTypes: [...new Set(codesIn(event.bundle, REQUIREMENT_TYPE_SYSTEM))].sort(),
    outcome: outcomeOf(event.eventType, event.bundle, event.patient),
    gender: typeof event.patient.gender === 'string' ? event.patient.gender : null,
    ageBand: ageBand(event.patient.birthDate, occurred),
    scores:
      event.eventType === 'treatment.progress.reported' || event.eventType === 'treatment.assessment.completed'
        ? outcomeScoresOf(event.bundle).map(({ instrument, score, stage }) => ({ instrument, score, stage }))
        : [],
    factDate: factDateOf(event.eventType, event.bundle),
    ...equalityFactsOf(event.patient),
  };
}

/** The date a measure needs of an event (see {@link ReportFact.factDate}). */
function factDateOf(type: ReportedEventType, bundle: Bundle): string | null {
  const date = (value: string | undefined): string | null =>
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? londonDate(value) : null;
  switch (type) {
    case 'treatment.started':
      return date(resourcesOfType(bundle, 'EpisodeOfCare')[0]?.period?.start);
    case 'treatment.drug-test.resulted':
      return date(resourcesOfType(bundle, 'Observation')[0]?.effectiveDateTime);
    case 'court.review.listed':
      return date(resourcesOfType(bundle, 'Appointment')[0]?.start);
    case 'probation.review.reported': {
      const topic = resourcesOfType(bundle, 'Communication')[0]?.topic?.text ?? '';
      return /on (\d{4}-\d{2}-\d{2})$/.exec(topic)?.[1] ?? null;
    }
    case 'court.sentence.imposed':
      return date(resourcesOfType(bundle, 'ServiceRequest')[0]?.authoredOn);
    default:
      return null;
  }
}

/** The London calendar date of a date or an instant. */
function londonDate(value: string): string | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const time = validInstant(value);
  return time ? LONDON_DATE.format(time) : null;
}

const LONDON_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' });

/** The coded outcome of each reported event type, read from the hub CodeSystem it is coded in. */
function outcomeOf(type: ReportedEventType, bundle: Bundle, patient: Patient): string | null {
  switch (type) {
    case 'treatment.assessment.completed':
      return firstCode(bundle, SUITABILITY_OUTCOME_SYSTEM);
    case 'treatment.suitability.decided':
      return firstCode(bundle, CLINICAL_LEAD_DECISION_SYSTEM);
    case 'court.hearing.resulted':
      return firstCode(bundle, HEARING_OUTCOME_SYSTEM);
    case 'treatment.appointment.missed':
      return firstCode(bundle, NON_ATTENDANCE_SIGNIFICANCE_SYSTEM);
    case 'probation.enforcement.decided':
      return firstCode(bundle, ENFORCEMENT_DECISION_SYSTEM);
    case 'probation.requirement.terminated':
      return firstCode(bundle, REQUIREMENT_TERMINATION_SYSTEM);
    case 'treatment.episode.ended':
      return firstCode(bundle, EPISODE_END_REASON_SYSTEM);
    case 'consent.recorded':
      return resourcesOfType(bundle, 'Consent')[0]?.status ?? null;
    case 'gp.registration.checked':
    case 'gp.registration.changed':
      return Array.isArray(patient.generalPractitioner) && patient.generalPractitioner.length > 0
        ? 'registered'
        : 'not-registered';
    case 'treatment.started':
      return firstCode(bundle, TREATMENT_MODALITY_SYSTEM);
    case 'treatment.drug-test.resulted': {
      // The test as a whole: positive when any substance was found.
      const results = codesIn(bundle, DRUG_TEST_RESULT_SYSTEM);
      return results.includes('positive')
        ? 'positive'
        : results.includes('refused')
          ? 'refused'
          : results.length > 0 && results.every((result) => result === 'negative')
            ? 'negative'
            : results.length > 0
              ? 'inconclusive'
              : null;
    }
    case 'court.review.resulted':
      return firstCode(bundle, COURT_REVIEW_OUTCOME_SYSTEM);
    case 'ld.screening.completed':
    case 'court.review.listed':
    case 'probation.review.reported':
    case 'probation.psr.requested':
    case 'pathway.candidate.identified':
    case 'treatment.referral.requested':
    case 'court.sentence.imposed':
    case 'treatment.appointment.attended':
    case 'treatment.progress.reported':
      return null;
  }
}

function firstCode(bundle: Bundle, system: string): string | null {
  return codesIn(bundle, system)[0] ?? null;
}

/** Every code of `system` anywhere in the Bundle's resources but the Patient and the MessageHeader, in document order. */
export function codesIn(bundle: Bundle, system: string): string[] {
  const found: string[] = [];
  const visit = (node: unknown, depth: number): void => {
    if (depth > 20 || typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) {
      for (const each of node) visit(each, depth + 1);
      return;
    }
    const record = node as Record<string, unknown>;
    if (record.system === system && typeof record.code === 'string') found.push(record.code);
    for (const value of Object.values(record)) visit(value, depth + 1);
  };
  for (const entry of bundle.entry ?? []) {
    const type = entry.resource?.resourceType;
    if (type !== 'Patient' && type !== 'MessageHeader') visit(entry.resource, 0);
  }
  return found;
}

function validInstant(value: string | undefined): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

const LONDON_MONTH = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit' });

/** The reporting month (`YYYY-MM`) of an instant, in UK time: the dataset is a UK monthly return. */
export function reportingMonth(time: Date): string {
  const parts = LONDON_MONTH.formatToParts(time);
  const part = (type: string): string => parts.find((each) => each.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}`;
}

/** Age bands of the equality breakdowns (the Equality Impact form's usual bands). */
export const AGE_BANDS = ['under-18', '18-24', '25-34', '35-44', '45-54', '55-64', '65-plus'] as const;

/** The age band of a person born on `birthDate` (`YYYY-MM-DD`, or `YYYY`/`YYYY-MM`) at `at`; null when unknown. */
export function ageBand(birthDate: string | undefined, at: Date): string | null {
  const match = typeof birthDate === 'string' ? /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(birthDate) : null;
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2] ?? 1), Number(match[3] ?? 1)];
  let age = at.getUTCFullYear() - year;
  if (at.getUTCMonth() + 1 < month || (at.getUTCMonth() + 1 === month && at.getUTCDate() < day)) age -= 1;
  if (age < 0 || age > 130) return null;
  if (age < 18) return 'under-18';
  if (age >= 65) return '65-plus';
  const lower = [18, 25, 35, 45, 55].filter((bound) => age >= bound).pop() ?? 18;
  return AGE_BANDS[[18, 25, 35, 45, 55].indexOf(lower) + 1];
}
