/**
 * What an event from the hub becomes in Delius: a contact on the case (attendance), and/or an
 * alert for the responsible officer. Only what probation needs is carried over: the kind of
 * appointment, its date, the provider and the provider's view of an absence; never notes,
 * comments or other clinical detail of the Bundle.
 *
 * Choices (the Delius contact types are ATTC / AFTA / AFTC only):
 * - `treatment.appointment.attended` → contact `ATTC`;
 * - `treatment.appointment.missed` → contact `AFTA`, or `AFTC` when the provider judges the absence
 *   `unacceptable`, plus an alert `CSTR_APPOINTMENT_MISSED` for the responsible officer;
 * - `risk.changed` (from a treatment provider), `treatment.referral.accepted/rejected`,
 *   `treatment.episode.ended` → an alert (`CSTR_RISK_CHANGED`, `CSTR_REFERRAL_ACCEPTED`,
 *   `CSTR_REFERRAL_REJECTED`, `CSTR_TREATMENT_ENDED`): they are not attendance, so not contacts.
 * Every write carries the hub event id as `externalReference`, so a redelivery writes nothing new.
 */
import type { Appointment, Bundle, CodeableConcept, EpisodeOfCare, MessageHeader, Observation, RiskAssessment, Task } from 'fhir/r4';
import { CRN_SYSTEM, parseCrn } from '@cstr/identity';
import { NON_ATTENDANCE_SIGNIFICANCE_SYSTEM } from '@cstr/contracts';
import { patientOf, resourceEntries } from '@cstr/policy';
import type { DeliusAlertRequest, DeliusContactRequest } from '../delius/delius-api.client';

/** The event types the adapter's inbox handles. */
export const DELIUS_INBOX_EVENT_TYPES = [
  'treatment.appointment.missed',
  'treatment.appointment.attended',
  'risk.changed',
  'treatment.referral.accepted',
  'treatment.referral.rejected',
  'treatment.episode.ended',
] as const;

/** One of {@link DELIUS_INBOX_EVENT_TYPES}. */
export type DeliusInboxEventType = (typeof DELIUS_INBOX_EVENT_TYPES)[number];

/** The writes an event needs, or why there are none. */
export type DeliusWritePlan =
  | { readonly kind: 'writes'; readonly crn: string; readonly contact?: DeliusContactRequest; readonly alert?: DeliusAlertRequest }
  /** Nothing for Delius (e.g. the partner's own risk registration coming back). */
  | { readonly kind: 'nothing'; readonly reason: string }
  /** The Bundle lacks what Delius needs: will never succeed. */
  | { readonly kind: 'unusable'; readonly code: string; readonly reason: string };

/**
 * Plans the Delius writes for one event Bundle delivered to `partnerId`'s inbox. Pure; never throws.
 * @param eventId the hub event id (AMQP messageId), the `externalReference` of every write.
 */
export function planDeliusWrites(type: DeliusInboxEventType, bundle: unknown, eventId: string, partnerId: string): DeliusWritePlan {
  if (!isBundle(bundle)) return { kind: 'unusable', code: 'not-a-bundle', reason: 'The body is not a FHIR Bundle.' };
  const header = first<MessageHeader>(bundle, 'MessageHeader');
  if (header?.source?.name === partnerId) return { kind: 'nothing', reason: 'The event came from this partner.' };
  const crnValue = patientOf(bundle)?.identifier?.find((identifier) => identifier.system === CRN_SYSTEM)?.value;
  const crn = crnValue ? parseCrn(crnValue) : undefined;
  if (!crn?.ok) return { kind: 'unusable', code: 'no-crn', reason: 'The Patient of the Bundle carries no valid CRN.' };
  const sender = header?.sender?.display ?? header?.source?.name ?? 'the treatment provider';
  const date = bundle.timestamp ?? new Date().toISOString();
  const base = { externalReference: eventId };

  switch (type) {
    case 'treatment.appointment.attended': {
      const appointment = first<Appointment>(bundle, 'Appointment');
      return {
        kind: 'writes',
        crn: crn.value,
        contact: { ...base, type: 'ATTC', date: appointment?.start ?? date, notes: `Attended ${appointmentKind(appointment)} with ${sender}.` },
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
    case 'risk.changed': {
      const level = firstCode(first<RiskAssessment>(bundle, 'RiskAssessment')?.prediction?.[0]?.qualitativeRisk);
      const notes = `${sender} recorded a change of risk${level ? `: level ${level}` : ''}. Contact the provider for the assessment.`;
      return { kind: 'writes', crn: crn.value, alert: { ...base, type: 'CSTR_RISK_CHANGED', date, notes } };
    }
    case 'treatment.referral.accepted':
    case 'treatment.referral.rejected': {
      const accepted = type === 'treatment.referral.accepted';
      const referralId = first<Task>(bundle, 'Task')?.identifier?.[0]?.value;
      const notes = `${sender} ${accepted ? 'accepted' : 'did not accept'} the treatment referral${referralId ? ` ${referralId}` : ''}.`;
      return { kind: 'writes', crn: crn.value, alert: { ...base, type: accepted ? 'CSTR_REFERRAL_ACCEPTED' : 'CSTR_REFERRAL_REJECTED', date, notes } };
    }
    case 'treatment.episode.ended': {
      const episode = first<EpisodeOfCare>(bundle, 'EpisodeOfCare');
      const reason = firstCode(episode?.extension?.find((extension) => extension.url.endsWith('/episode-end-reason'))?.valueCodeableConcept);
      const notes = `${sender} ended the treatment episode${reason ? ` (${reason})` : ''}.`;
      return { kind: 'writes', crn: crn.value, alert: { ...base, type: 'CSTR_TREATMENT_ENDED', date: episode?.period?.end ?? date, notes } };
    }
  }
}

function isBundle(value: unknown): value is Bundle {
  return typeof value === 'object' && value !== null && (value as { resourceType?: unknown }).resourceType === 'Bundle';
}

function first<T>(bundle: Bundle, resourceType: string): T | undefined {
  return resourceEntries(bundle).find((entry) => entry.resource.resourceType === resourceType)?.resource as T | undefined;
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
    .find((resource): resource is Observation => resource.resourceType === 'Observation' && resource.valueCodeableConcept?.coding?.some((coding) => coding.system === NON_ATTENDANCE_SIGNIFICANCE_SYSTEM) === true);
  return observation?.valueCodeableConcept?.coding?.find((coding) => coding.system === NON_ATTENDANCE_SIGNIFICANCE_SYSTEM)?.code;
}
