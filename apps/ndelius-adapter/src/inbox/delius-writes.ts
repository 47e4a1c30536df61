/**
 * What an event from the hub becomes in Delius: a contact on the case (attendance), an alert for
 * the responsible officer, or nothing — acknowledged with a reason. Only what probation needs is
 * carried over: the kind of appointment, its date, the provider and the provider's view of an
 * absence, outcomes and levels as codes; never notes, comments or other clinical detail of the
 * Bundle. Every event type the agreements deliver to probation has a plan here.
 *
 * Choices (the Delius contact types are ATTC / AFTA / AFTC only, so everything that is not
 * attendance is an alert):
 * - `treatment.appointment.attended` → contact `ATTC`;
 * - `treatment.appointment.missed` → contact `AFTA`, or `AFTC` when the provider judges the absence
 *   `unacceptable`, plus an alert `CSTR_APPOINTMENT_MISSED` for the responsible officer;
 * - alerts: `risk.changed` (from a treatment provider) `CSTR_RISK_CHANGED`,
 *   `treatment.referral.accepted/rejected` `CSTR_REFERRAL_ACCEPTED/REJECTED`,
 *   `treatment.episode.ended` `CSTR_TREATMENT_ENDED`, `treatment.assessment.completed`
 *   `CSTR_ASSESSMENT_COMPLETED` and `treatment.suitability.decided` `CSTR_SUITABILITY_DECIDED` (for
 *   the pre-sentence report), `treatment.appointment.booked` for a three/four-way meeting
 *   `CSTR_MEETING_BOOKED` (the officer attends), `treatment.progress.reported`
 *   `CSTR_PROGRESS_REPORTED` (engagement only), `consent.withdrawn` `CSTR_CONSENT_WITHDRAWN` (the
 *   provider's updates stop), `gp.registration.checked/changed` without a GP
 *   `CSTR_GP_NOT_REGISTERED` (a prerequisite of an MHTR), `ld.screening.completed`
 *   `CSTR_LD_SCREENING`, `pathway.candidate.identified` `CSTR_CANDIDATE_IDENTIFIED`,
 *   `pathway.deadline.missed` `CSTR_DEADLINE_MISSED`;
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
  Task,
} from 'fhir/r4';
import { CRN_SYSTEM, parseCrn } from '@cstr/identity';
import {
  APPOINTMENT_TYPE_SYSTEM,
  CLINICAL_LEAD_DECISION_SYSTEM,
  DEADLINE_KIND_SYSTEM,
  ENGAGEMENT_LEVEL_SYSTEM,
  NON_ATTENDANCE_SIGNIFICANCE_SYSTEM,
  SCREENING_FLAG_SYSTEM,
  SUITABILITY_OUTCOME_SYSTEM,
} from '@cstr/contracts';
import { patientOf, resourceEntries } from '@cstr/policy';
import type { DeliusAlertRequest, DeliusContactRequest } from '../delius/delius-api.client';

/** The event types the adapter's inbox handles: every type the agreements deliver to probation. */
export const DELIUS_INBOX_EVENT_TYPES = [
  'treatment.appointment.missed',
  'treatment.appointment.attended',
  'treatment.appointment.booked',
  'risk.changed',
  'treatment.referral.accepted',
  'treatment.referral.rejected',
  'treatment.episode.ended',
  'treatment.assessment.completed',
  'treatment.suitability.decided',
  'treatment.progress.reported',
  'consent.recorded',
  'consent.withdrawn',
  'gp.registration.checked',
  'gp.registration.changed',
  'ld.screening.completed',
  'pathway.candidate.identified',
  'pathway.deadline.missed',
  'court.hearing.listed',
  'court.hearing.resulted',
  'court.sentence.imposed',
] as const;

/** One of {@link DELIUS_INBOX_EVENT_TYPES}. */
export type DeliusInboxEventType = (typeof DELIUS_INBOX_EVENT_TYPES)[number];

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

/** Types Delius gets from Common Platform itself. */
const FROM_COMMON_PLATFORM: ReadonlySet<DeliusInboxEventType> = new Set([
  'court.hearing.listed',
  'court.hearing.resulted',
  'court.sentence.imposed',
]);
/** Types that may be about someone before probation has a case (screening in custody, a court list). */
const BEFORE_A_CASE: ReadonlySet<DeliusInboxEventType> = new Set([
  'ld.screening.completed',
  'pathway.candidate.identified',
]);

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
  if (FROM_COMMON_PLATFORM.has(type))
    return nothing('from-common-platform', 'Delius receives court listings, results and orders from Common Platform.');
  if (type === 'consent.recorded')
    return nothing('nothing-for-delius', 'The hub applies the consent; nothing changes for the officer.');
  const crnValue = patientOf(bundle)?.identifier?.find((identifier) => identifier.system === CRN_SYSTEM)?.value;
  const crn = crnValue ? parseCrn(crnValue) : undefined;
  if (!crn?.ok) {
    if (BEFORE_A_CASE.has(type))
      return nothing('not-a-probation-case', 'The person has no CRN yet: no Delius case to record it on.');
    return { kind: 'unusable', code: 'no-crn', reason: 'The Patient of the Bundle carries no valid CRN.' };
  }
  const sender = header?.sender?.display ?? header?.source?.name ?? 'the treatment provider';
  const date = bundle.timestamp ?? new Date().toISOString();
  const base = { externalReference: eventId };
  const alert = (alertType: string, notes: string, when = date): DeliusWritePlan => ({
    kind: 'writes',
    crn: crn.value,
    alert: { ...base, type: alertType, date: when, notes },
  });

  switch (type) {
    case 'treatment.appointment.attended': {
      const appointment = first<Appointment>(bundle, 'Appointment');
      return {
        kind: 'writes',
        crn: crn.value,
        contact: {
          ...base,
          type: 'ATTC',
          date: appointment?.start ?? date,
          notes: `Attended ${appointmentKind(appointment)} with ${sender}.`,
        },
      };
    }
    case 'treatment.appointment.missed': {
      const appointment = first<Appointment>(bundle, 'Appointment');
      const significance = significanceOf(bundle);
      const notes = `Did not attend ${appointmentKind(appointment)} with ${sender}. Treatment provider's view of the absence: ${significance ?? 'not given'}.`;
      const when = appointment?.start ?? date;
      return {
        kind: 'writes',
        crn: crn.value,
        contact: { ...base, type: significance === 'unacceptable' ? 'AFTC' : 'AFTA', date: when, notes },
        alert: { ...base, type: 'CSTR_APPOINTMENT_MISSED', date: when, notes },
      };
    }
    case 'treatment.appointment.booked': {
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
    case 'risk.changed': {
      const level = firstCode(first<RiskAssessment>(bundle, 'RiskAssessment')?.prediction?.[0]?.qualitativeRisk);
      return alert(
        'CSTR_RISK_CHANGED',
        `${sender} recorded a change of risk${level ? `: level ${level}` : ''}. Contact the provider for the assessment.`,
      );
    }
    case 'treatment.referral.accepted':
    case 'treatment.referral.rejected': {
      const accepted = type === 'treatment.referral.accepted';
      const referralId = first<Task>(bundle, 'Task')?.identifier?.[0]?.value;
      return alert(
        accepted ? 'CSTR_REFERRAL_ACCEPTED' : 'CSTR_REFERRAL_REJECTED',
        `${sender} ${accepted ? 'accepted' : 'did not accept'} the treatment referral${referralId ? ` ${referralId}` : ''}.`,
      );
    }
    case 'treatment.episode.ended': {
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
    case 'treatment.assessment.completed': {
      const outcome = observationValue(bundle, SUITABILITY_OUTCOME_SYSTEM);
      return alert(
        'CSTR_ASSESSMENT_COMPLETED',
        `${sender} completed the treatment suitability assessment${outcome ? `: ${outcome}` : ''}. For the pre-sentence report.`,
      );
    }
    case 'treatment.suitability.decided': {
      const decision = observationValue(bundle, CLINICAL_LEAD_DECISION_SYSTEM);
      return alert(
        'CSTR_SUITABILITY_DECIDED',
        `The Clinical Lead at ${sender} decided on suitability${decision ? `: ${decision}` : ''}. For the pre-sentence report.`,
      );
    }
    case 'treatment.progress.reported': {
      const engagement = observationValue(bundle, ENGAGEMENT_LEVEL_SYSTEM);
      return alert(
        'CSTR_PROGRESS_REPORTED',
        `${sender} reported treatment progress${engagement ? `: engagement ${engagement}` : ''}.`,
      );
    }
    case 'consent.withdrawn':
      return alert(
        'CSTR_CONSENT_WITHDRAWN',
        `${sender} recorded that the person withdrew consent to share: its updates no longer reach probation through the hub.`,
      );
    case 'gp.registration.checked':
    case 'gp.registration.changed': {
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
    case 'ld.screening.completed': {
      const needs = identifiedNeeds(bundle);
      return alert(
        'CSTR_LD_SCREENING',
        `${sender} completed a Liaison and Diversion screening; needs identified: ${needs.length > 0 ? needs.join(', ') : 'none'}.`,
      );
    }
    case 'pathway.candidate.identified': {
      const text = first<Flag>(bundle, 'Flag')?.code?.text;
      return alert(
        'CSTR_CANDIDATE_IDENTIFIED',
        `Possible candidate for a community sentence treatment requirement.${text ? ` ${text.slice(0, 500)}` : ''}`,
      );
    }
    case 'pathway.deadline.missed': {
      const task = first<Task>(bundle, 'Task');
      const kind = codeFrom(task?.reasonCode ? [task.reasonCode] : undefined, DEADLINE_KIND_SYSTEM);
      const due = task?.restriction?.period?.end;
      return alert(
        'CSTR_DEADLINE_MISSED',
        `A pathway deadline was missed${kind ? `: ${kind}` : ''}${due ? ` (due ${due})` : ''}.`,
      );
    }
    case 'court.hearing.listed':
    case 'court.hearing.resulted':
    case 'court.sentence.imposed':
      // Acknowledged above, before the CRN is read.
      return nothing('nothing-for-delius', 'No write for this event type.');
  }
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
