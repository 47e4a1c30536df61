/**
 * What an event from the hub becomes in Delius: a contact on the case (attendance, drug tests), an
 * alert for the responsible officer, or nothing — acknowledged with a reason. Only what probation
 * needs is carried over: the kind of appointment, its date, the provider and the provider's view of
 * an absence, outcomes, levels and test results as codes; never notes, comments or other clinical
 * detail of the Bundle. Every event type the agreements deliver to probation has a plan in
 * `DELIUS_PLANS` (the one list of the inbox's types).
 *
 * Choices (the Delius contact types are ATTC / AFTA / AFTC for attendance and DTRR for a drug test
 * result, so everything else is an alert):
 * - `treatment.appointment.attended` → contact `ATTC`;
 * - `treatment.appointment.missed` → contact `AFTA`, or `AFTC` when the provider judges the absence
 *   `unacceptable`, plus an alert `CSTR_APPOINTMENT_MISSED` for the responsible officer;
 * - `treatment.drug-test.resulted` → contact `DTRR` on the sample date with the result per
 *   substance (no method, no tester): probation records every DRR test (CJA 2003 s209);
 * - alerts: `risk.changed` (from a treatment provider) `CSTR_RISK_CHANGED`,
 *   `treatment.referral.accepted/rejected` `CSTR_REFERRAL_ACCEPTED/REJECTED`, `treatment.started`
 *   `CSTR_TREATMENT_STARTED` (requirement and start date: the DRR/ATR standard),
 *   `treatment.episode.ended` `CSTR_TREATMENT_ENDED`, `treatment.assessment.completed`
 *   `CSTR_ASSESSMENT_COMPLETED` and `treatment.suitability.decided` `CSTR_SUITABILITY_DECIDED` (for
 *   the pre-sentence report), `treatment.appointment.booked` for a three/four-way meeting
 *   `CSTR_MEETING_BOOKED` (the officer attends), `treatment.progress.reported`
 *   `CSTR_PROGRESS_REPORTED` (engagement only), `consent.withdrawn` `CSTR_CONSENT_WITHDRAWN` (the
 *   provider's updates stop), `gp.registration.checked/changed` without a GP
 *   `CSTR_GP_NOT_REGISTERED` (a prerequisite of an MHTR), `ld.screening.completed`
 *   `CSTR_LD_SCREENING`, `pathway.candidate.identified` `CSTR_CANDIDATE_IDENTIFIED`,
 *   `pathway.deadline.missed` `CSTR_DEADLINE_MISSED`, `court.review.listed` `CSTR_REVIEW_LISTED`
 *   (the written review report the officer owes the court, s210) and `court.review.resulted`
 *   `CSTR_REVIEW_RESULTED` (the outcome code and the next review);
 * - acknowledged, nothing written: `court.hearing.listed`, `court.hearing.resulted` and
 *   `court.sentence.imposed` (Delius already receives listings, results and orders from Common
 *   Platform: writing them again would duplicate the court's record), `consent.recorded` (the hub
 *   applies consent; nothing changes for the officer), a booked session that is not a meeting (its
 *   outcome comes as a contact), a GP registration that is in place, an event this partner sent,
 *   and an L&D screening or candidate flag about someone who is not yet a probation case (no CRN).
 * Every write carries the hub event id as `externalReference`, so a redelivery writes nothing new.
 */
import type {
  Appointment,
  Bundle,
  CodeableConcept,
  EpisodeOfCare,
  Flag,
  MessageHeader,
  Observation,
  Patient,
  RiskAssessment,
  ServiceRequest,
  Task,
} from 'fhir/r4';
import { CRN_SYSTEM, parseCrn } from '@cstr/identity';
import {
  APPOINTMENT_TYPE_SYSTEM,
  CLINICAL_LEAD_DECISION_SYSTEM,
  COURT_REVIEW_OUTCOME_SYSTEM,
  DEADLINE_KIND_SYSTEM,
  DRUG_TEST_RESULT_SYSTEM,
  DRUG_TEST_SUBSTANCE_SYSTEM,
  ENGAGEMENT_LEVEL_SYSTEM,
  NON_ATTENDANCE_SIGNIFICANCE_SYSTEM,
  REQUIREMENT_TYPE_SYSTEM,
  SCREENING_FLAG_SYSTEM,
  SUITABILITY_OUTCOME_SYSTEM,
  type EventType,
} from '@cstr/contracts';
import { patientOf, resourceEntries } from '@cstr/fhir';
import type { DeliusAlertRequest, DeliusContactRequest } from '../delius/delius-api.client';

/** Why an event is acknowledged without a write (a metric label: a small fixed set). */
export type AcknowledgedReason =
  /** Delius receives it from Common Platform already. */
  | 'from-common-platform'
  /** Nothing for the officer to act on, or it arrives in another form (a later contact). */
  | 'nothing-for-delius'
  /** The event came from this partner: Delius is where it started. */
  | 'own-event'
  /** About someone with no CRN yet: Delius has no case to put it on. */
  | 'not-a-probation-case';

/** The writes an event needs, or why there are none. */
export type DeliusWritePlan =
  | {
      readonly kind: 'writes';
      readonly crn: string;
      readonly contact?: DeliusContactRequest;
      readonly alert?: DeliusAlertRequest;
    }
  /** Nothing for Delius: acknowledged, with the reason. */
  | { readonly kind: 'nothing'; readonly code: AcknowledgedReason; readonly reason: string }
  /** The Bundle lacks what Delius needs: will never succeed. */
  | { readonly kind: 'unusable'; readonly code: string; readonly reason: string };

/** What one event of a case is written as: the facts a planner reads, and a helper for an alert. */
interface CaseEvent {
  readonly bundle: Bundle;
  readonly crn: string;
  /** Who sent it (the MessageHeader's sender or source). */
  readonly sender: string;
  /** When the hub timestamped the Bundle: the date of a write that has no better one. */
  readonly date: string;
  readonly externalReference: string;
  readonly alert: (type: string, notes: string, when?: string) => DeliusWritePlan;
}

/** How Delius takes one event type: acknowledged before anything is read, or written by a planner. */
type DeliusPlan =
  | { readonly acknowledge: AcknowledgedReason; readonly reason: string }
  | {
      readonly write: (event: CaseEvent) => DeliusWritePlan;
      /** May be about someone before probation has a case (screening in custody, a court list). */
      readonly beforeACase?: true;
    };

const FROM_COMMON_PLATFORM = {
  acknowledge: 'from-common-platform',
  reason: 'Delius receives court listings, results and orders from Common Platform.',
} as const;

/** Every event type the agreements deliver to probation, and what Delius makes of it. */
const DELIUS_PLANS = {
  'treatment.appointment.missed': { write: missedAppointment },
  'treatment.appointment.attended': { write: attendedAppointment },
  'treatment.appointment.booked': { write: bookedAppointment },
  'risk.changed': { write: riskChanged },
  'treatment.referral.accepted': { write: (event) => referralOutcome(event, true) },
  'treatment.referral.rejected': { write: (event) => referralOutcome(event, false) },
  'treatment.started': { write: treatmentStarted },
  'treatment.drug-test.resulted': { write: drugTestResulted },
  'treatment.episode.ended': { write: episodeEnded },
  'treatment.assessment.completed': { write: assessmentCompleted },
  'treatment.suitability.decided': { write: suitabilityDecided },
  'treatment.progress.reported': { write: progressReported },
  'consent.recorded': {
    acknowledge: 'nothing-for-delius',
    reason: 'The hub applies the consent; nothing changes for the officer.',
  },
  'consent.withdrawn': {
    write: ({ sender, alert }) =>
      alert(
        'CSTR_CONSENT_WITHDRAWN',
        `${sender} recorded that the person withdrew consent to share: its updates no longer reach probation through the hub.`,
      ),
  },
  'gp.registration.checked': { write: gpRegistration },
  'gp.registration.changed': { write: gpRegistration },
  'ld.screening.completed': { write: screeningCompleted, beforeACase: true },
  'pathway.candidate.identified': { write: candidateIdentified, beforeACase: true },
  'pathway.deadline.missed': { write: deadlineMissed },
  'court.hearing.listed': FROM_COMMON_PLATFORM,
  'court.hearing.resulted': FROM_COMMON_PLATFORM,
  'court.sentence.imposed': FROM_COMMON_PLATFORM,
  'court.review.listed': { write: reviewListed },
  'court.review.resulted': { write: reviewResulted },
} as const satisfies Partial<Record<EventType, DeliusPlan>>;

/** One of the event types the adapter's inbox handles: every type the agreements deliver to probation. */
export type DeliusInboxEventType = keyof typeof DELIUS_PLANS;

/** The event types the adapter's inbox handles (the keys of its plans, listed once). */
export const DELIUS_INBOX_EVENT_TYPES = Object.keys(DELIUS_PLANS) as readonly DeliusInboxEventType[];

/** Whether the inbox has a plan for `type`. */
export function isDeliusInboxEventType(type: string): type is DeliusInboxEventType {
  return Object.hasOwn(DELIUS_PLANS, type);
}

function nothing(code: AcknowledgedReason, reason: string): DeliusWritePlan {
  return { kind: 'nothing', code, reason };
}

/**
 * Plans the Delius writes for one event Bundle delivered to `partnerId`'s inbox. Pure; never throws.
 * @param eventId the hub event id (AMQP messageId), the `externalReference` of every write.
 */
export function planDeliusWrites(
  type: DeliusInboxEventType,
  bundle: unknown,
  eventId: string,
  partnerId: string,
): DeliusWritePlan {
  if (!isBundle(bundle)) return { kind: 'unusable', code: 'not-a-bundle', reason: 'The body is not a FHIR Bundle.' };
  const header = first<MessageHeader>(bundle, 'MessageHeader');
  if (header?.source?.name === partnerId) return nothing('own-event', 'The event came from this partner.');
  const plan: DeliusPlan = DELIUS_PLANS[type];
  if ('acknowledge' in plan) return nothing(plan.acknowledge, plan.reason);
  const crn = crnOf(bundle);
  if (!crn) {
    if (plan.beforeACase)
      return nothing('not-a-probation-case', 'The person has no CRN yet: no Delius case to record it on.');
    return { kind: 'unusable', code: 'no-crn', reason: 'The Patient of the Bundle carries no valid CRN.' };
  }
  return plan.write(caseEventOf(bundle, header, crn, eventId));
}

/** The person's Delius case: the valid CRN of the Bundle's Patient, normalised. */
function crnOf(bundle: Bundle): string | undefined {
  const value = patientOf(bundle)?.identifier?.find((identifier) => identifier.system === CRN_SYSTEM)?.value;
  const crn = value ? parseCrn(value) : undefined;
  return crn?.ok ? crn.value : undefined;
}

/** What a plan writes from: the event on the person's case, dated by the Bundle, referenced by the event id. */
function caseEventOf(bundle: Bundle, header: MessageHeader | undefined, crn: string, eventId: string): CaseEvent {
  const date = bundle.timestamp ?? new Date().toISOString();
  return {
    bundle,
    crn,
    sender: header?.sender?.display ?? header?.source?.name ?? 'the treatment provider',
    date,
    externalReference: eventId,
    alert: (alertType, notes, when = date) => ({
      kind: 'writes',
      crn,
      alert: { externalReference: eventId, type: alertType, date: when, notes },
    }),
  };
}

function attendedAppointment({ bundle, crn, sender, date, externalReference }: CaseEvent): DeliusWritePlan {
  const appointment = first<Appointment>(bundle, 'Appointment');
  return {
    kind: 'writes',
    crn,
    contact: {
      externalReference,
      type: 'ATTC',
      date: appointment?.start ?? date,
      notes: `Attended ${appointmentKind(appointment)} with ${sender}.`,
    },
  };
}

function missedAppointment({ bundle, crn, sender, date, externalReference }: CaseEvent): DeliusWritePlan {
  const appointment = first<Appointment>(bundle, 'Appointment');
  const significance = significanceOf(bundle);
  const notes = `Did not attend ${appointmentKind(appointment)} with ${sender}. Treatment provider's view of the absence: ${significance ?? 'not given'}.`;
  const when = appointment?.start ?? date;
  return {
    kind: 'writes',
    crn,
    contact: { externalReference, type: significance === 'unacceptable' ? 'AFTC' : 'AFTA', date: when, notes },
    alert: { externalReference, type: 'CSTR_APPOINTMENT_MISSED', date: when, notes },
  };
}

function bookedAppointment({ bundle, sender, date, alert }: CaseEvent): DeliusWritePlan {
  const appointment = first<Appointment>(bundle, 'Appointment');
  const kind = codeFrom(appointment?.serviceType, APPOINTMENT_TYPE_SYSTEM);
  if (kind !== 'three-way-meeting' && kind !== 'four-way-meeting')
    return nothing('nothing-for-delius', 'A booked session: its attendance comes as a contact.');
  return alert(
    'CSTR_MEETING_BOOKED',
    `${sender} booked ${appointmentKind(appointment)}${appointment?.start ? ` for ${appointment.start}` : ''}: the responsible officer takes part.`,
    appointment?.start ?? date,
  );
}

function riskChanged({ bundle, sender, alert }: CaseEvent): DeliusWritePlan {
  const level = firstCode(first<RiskAssessment>(bundle, 'RiskAssessment')?.prediction?.[0]?.qualitativeRisk);
  return alert(
    'CSTR_RISK_CHANGED',
    `${sender} recorded a change of risk${level ? `: level ${level}` : ''}. Contact the provider for the assessment.`,
  );
}

function referralOutcome({ bundle, sender, alert }: CaseEvent, accepted: boolean): DeliusWritePlan {
  const referralId = first<Task>(bundle, 'Task')?.identifier?.[0]?.value;
  return alert(
    accepted ? 'CSTR_REFERRAL_ACCEPTED' : 'CSTR_REFERRAL_REJECTED',
    `${sender} ${accepted ? 'accepted' : 'did not accept'} the treatment referral${referralId ? ` ${referralId}` : ''}.`,
  );
}

/** Treatment started: the requirement and the start date (the DRR/ATR standard), not the modality. */
function treatmentStarted({ bundle, sender, date, alert }: CaseEvent): DeliusWritePlan {
  const episode = first<EpisodeOfCare>(bundle, 'EpisodeOfCare');
  const requirement = codeFrom(episode?.type, REQUIREMENT_TYPE_SYSTEM);
  const started = episode?.period?.start;
  return alert(
    'CSTR_TREATMENT_STARTED',
    `${sender} started treatment${requirement ? ` under the ${requirement.toUpperCase()}` : ''}${started ? ` on ${started}` : ''}.`,
    started ?? date,
  );
}

/**
 * A drug test: one contact on the sample date listing each substance tested and its result; no
 * method, tester or other clinical detail.
 */
function drugTestResulted({ bundle, crn, sender, date, externalReference }: CaseEvent): DeliusWritePlan {
  const results = resourceEntries(bundle).flatMap(({ resource }) => {
    if (resource.resourceType !== 'Observation') return [];
    const observation = resource as Observation;
    const substance = codeFrom([observation.code], DRUG_TEST_SUBSTANCE_SYSTEM);
    const result = codeFrom(
      observation.valueCodeableConcept ? [observation.valueCodeableConcept] : [],
      DRUG_TEST_RESULT_SYSTEM,
    );
    return substance && result ? [{ substance, result, sampled: observation.effectiveDateTime }] : [];
  });
  if (results.length === 0)
    return { kind: 'unusable', code: 'no-drug-test-result', reason: 'The Bundle carries no drug test result.' };
  const sampled = results.find((result) => result.sampled)?.sampled ?? date;
  return {
    kind: 'writes',
    crn,
    contact: {
      externalReference,
      type: 'DTRR',
      date: sampled,
      notes: `Drug test by ${sender}, sample of ${sampled}: ${results.map(({ substance, result }) => `${substance} ${result}`).join('; ')}.`,
    },
  };
}

function episodeEnded({ bundle, sender, date, alert }: CaseEvent): DeliusWritePlan {
  const episode = first<EpisodeOfCare>(bundle, 'EpisodeOfCare');
  const reason = firstCode(
    episode?.extension?.find((extension) => extension.url.endsWith('/episode-end-reason'))?.valueCodeableConcept,
  );
  return alert(
    'CSTR_TREATMENT_ENDED',
    `${sender} ended the treatment episode${reason ? ` (${reason})` : ''}.`,
    episode?.period?.end ?? date,
  );
}

function assessmentCompleted({ bundle, sender, alert }: CaseEvent): DeliusWritePlan {
  const outcome = observationValue(bundle, SUITABILITY_OUTCOME_SYSTEM);
  return alert(
    'CSTR_ASSESSMENT_COMPLETED',
    `${sender} completed the treatment suitability assessment${outcome ? `: ${outcome}` : ''}. For the pre-sentence report.`,
  );
}

function suitabilityDecided({ bundle, sender, alert }: CaseEvent): DeliusWritePlan {
  const decision = observationValue(bundle, CLINICAL_LEAD_DECISION_SYSTEM);
  return alert(
    'CSTR_SUITABILITY_DECIDED',
    `The Clinical Lead at ${sender} decided on suitability${decision ? `: ${decision}` : ''}. For the pre-sentence report.`,
  );
}

function progressReported({ bundle, sender, alert }: CaseEvent): DeliusWritePlan {
  const engagement = observationValue(bundle, ENGAGEMENT_LEVEL_SYSTEM);
  return alert(
    'CSTR_PROGRESS_REPORTED',
    `${sender} reported treatment progress${engagement ? `: engagement ${engagement}` : ''}.`,
  );
}

function gpRegistration({ bundle, date, alert }: CaseEvent): DeliusWritePlan {
  // A change lists the previous practice too, its registration period ended.
  const current = ((patientOf(bundle) as Patient | undefined)?.generalPractitioner ?? []).filter((practice) => {
    const end = practice.identifier?.period?.end;
    return end === undefined || Date.parse(end) > Date.parse(date);
  });
  if (current.length > 0) return nothing('nothing-for-delius', 'The person is registered with a GP.');
  return alert(
    'CSTR_GP_NOT_REGISTERED',
    'The person is not registered with a GP, a prerequisite of a mental health treatment requirement: the treatment provider supports registration.',
  );
}

function screeningCompleted({ bundle, sender, alert }: CaseEvent): DeliusWritePlan {
  const needs = identifiedNeeds(bundle);
  return alert(
    'CSTR_LD_SCREENING',
    `${sender} completed a Liaison and Diversion screening; needs identified: ${needs.length > 0 ? needs.join(', ') : 'none'}.`,
  );
}

function candidateIdentified({ bundle, alert }: CaseEvent): DeliusWritePlan {
  const text = first<Flag>(bundle, 'Flag')?.code?.text;
  return alert(
    'CSTR_CANDIDATE_IDENTIFIED',
    `Possible candidate for a community sentence treatment requirement.${text ? ` ${text.slice(0, 500)}` : ''}`,
  );
}

function deadlineMissed({ bundle, alert }: CaseEvent): DeliusWritePlan {
  const task = first<Task>(bundle, 'Task');
  const kind = codeFrom(task?.reasonCode ? [task.reasonCode] : undefined, DEADLINE_KIND_SYSTEM);
  const due = task?.restriction?.period?.end;
  return alert(
    'CSTR_DEADLINE_MISSED',
    `A pathway deadline was missed${kind ? `: ${kind}` : ''}${due ? ` (due ${due})` : ''}.`,
  );
}

/** The court's review hearing and the requirement it reviews. */
function reviewOf(bundle: Bundle): { hearing?: Appointment; requirement?: string; court?: string } {
  const hearing = resourceEntries(bundle)
    .map((entry) => entry.resource)
    .find(
      (resource): resource is Appointment =>
        resource.resourceType === 'Appointment' &&
        codeFrom((resource as Appointment).serviceType, APPOINTMENT_TYPE_SYSTEM) === 'court-review',
    );
  const request = first<ServiceRequest>(bundle, 'ServiceRequest');
  const requirement = codeFrom(request?.code ? [request.code] : undefined, REQUIREMENT_TYPE_SYSTEM);
  return { hearing, requirement: requirement?.toUpperCase(), court: request?.requester?.display };
}

/** A review listed: the officer owes the court a written report (with the drug test results). */
function reviewListed({ bundle, date, alert }: CaseEvent): DeliusWritePlan {
  const { hearing, requirement, court } = reviewOf(bundle);
  return alert(
    'CSTR_REVIEW_LISTED',
    `${court ?? 'The court'} listed a review of the ${requirement ?? 'requirement'}${hearing?.start ? ` for ${hearing.start}` : ''}: the written review report, with the drug test results, is due 2 working days before the hearing.`,
    hearing?.start ?? date,
  );
}

/** A review resulted: the court's outcome code and the next review. */
function reviewResulted({ bundle, date, alert }: CaseEvent): DeliusWritePlan {
  const { hearing, requirement, court } = reviewOf(bundle);
  const outcome = codeFrom(
    hearing?.extension?.flatMap((extension) =>
      extension.valueCodeableConcept ? [extension.valueCodeableConcept] : [],
    ),
    COURT_REVIEW_OUTCOME_SYSTEM,
  );
  const next = resourceEntries(bundle)
    .map((entry) => entry.resource as Appointment)
    .find(
      (resource) => resource.resourceType === 'Appointment' && resource !== hearing && resource.status === 'booked',
    );
  return alert(
    'CSTR_REVIEW_RESULTED',
    `${court ?? 'The court'} reviewed the ${requirement ?? 'requirement'}${outcome ? `: ${outcome}` : ''}${next?.start ? `; next review ${next.start}` : ''}.`,
    hearing?.start ?? date,
  );
}

function isBundle(value: unknown): value is Bundle {
  return typeof value === 'object' && value !== null && (value as { resourceType?: unknown }).resourceType === 'Bundle';
}

function first<T>(bundle: Bundle, resourceType: string): T | undefined {
  return resourceEntries(bundle).find((entry) => entry.resource.resourceType === resourceType)?.resource as
    T | undefined;
}

function firstCode(concept: CodeableConcept | undefined): string | undefined {
  return concept?.coding?.find((coding) => coding.code)?.code;
}

/** The display of the appointment's kind (e.g. "Treatment session"), lower-cased for a sentence. */
function appointmentKind(appointment: Appointment | undefined): string {
  const display = appointment?.serviceType?.[0]?.coding?.[0]?.display;
  return display ? `a ${display.toLowerCase()} appointment` : 'a treatment appointment';
}

function significanceOf(bundle: Bundle): string | undefined {
  const observation = resourceEntries(bundle)
    .map((entry) => entry.resource)
    .find(
      (resource): resource is Observation =>
        resource.resourceType === 'Observation' &&
        resource.valueCodeableConcept?.coding?.some(
          (coding) => coding.system === NON_ATTENDANCE_SIGNIFICANCE_SYSTEM,
        ) === true,
    );
  return observation?.valueCodeableConcept?.coding?.find(
    (coding) => coding.system === NON_ATTENDANCE_SIGNIFICANCE_SYSTEM,
  )?.code;
}

/** The code from `system` among the concepts. */
function codeFrom(concepts: CodeableConcept[] | undefined, system: string): string | undefined {
  for (const concept of concepts ?? [])
    for (const coding of concept.coding ?? []) if (coding.system === system && coding.code) return coding.code;
  return undefined;
}

/** The value code (from `system`) of the first Observation of the Bundle that has one. */
function observationValue(bundle: Bundle, system: string): string | undefined {
  for (const { resource } of resourceEntries(bundle)) {
    if (resource.resourceType !== 'Observation') continue;
    const code = codeFrom(
      (resource as Observation).valueCodeableConcept
        ? [(resource as Observation).valueCodeableConcept as CodeableConcept]
        : undefined,
      system,
    );
    if (code) return code;
  }
  return undefined;
}

/** The needs an L&D screening identified (screening-flag Observations with value true). */
function identifiedNeeds(bundle: Bundle): string[] {
  return resourceEntries(bundle).flatMap(({ resource }) => {
    if (resource.resourceType !== 'Observation' || (resource as Observation).valueBoolean !== true) return [];
    const code = codeFrom([(resource as Observation).code], SCREENING_FLAG_SYSTEM);
    return code ? [code] : [];
  });
}
