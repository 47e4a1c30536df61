/** GP registration events: the Patient with its registered practice (or none). */
import type { Reference } from 'fhir/r4';
import { ODS_ORGANIZATION_CODE_SYSTEM } from '../builders/hub-identifiers';
import type { GpRegistrationChangedInput, GpRegistrationCheckedInput, GpRegistrationInput } from './event-inputs';
import type { EventMessage } from './event-message';

/** An instant from a date-time, or the start of the day (UTC) from a bare date. */
function asInstant(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
}

/**
 * A `Patient.generalPractitioner` reference to the practice, carrying (as PDS does) the ODS code
 * and the registration period on the reference's identifier.
 */
function practiceReference(message: EventMessage, registration: GpRegistrationInput): Reference {
  const reference = message.organizationRef(registration.practice);
  return registration.practice.code
    ? {
        ...reference,
        identifier: {
          system: ODS_ORGANIZATION_CODE_SYSTEM,
          value: registration.practice.code,
          period: registration.period,
        },
      }
    : reference;
}

/** `gp.registration.checked`: the Patient (the focus) with its practice, or without one when not registered. */
export function buildGpRegistrationChecked(message: EventMessage, input: GpRegistrationCheckedInput): void {
  message.setGeneralPractitioner(input.registration ? [practiceReference(message, input.registration)] : []);
  message.setPatientLastUpdated(asInstant(input.checkedAt));
  message.focusPatient();
}

/**
 * `gp.registration.changed`: the Patient with the new practice first and the previous one (its
 * period ended) after it; no current practice when deregistered.
 */
export function buildGpRegistrationChanged(message: EventMessage, input: GpRegistrationChangedInput): void {
  const references = [input.registration, input.previous]
    .filter((each): each is GpRegistrationInput => each !== undefined)
    .map((each) => practiceReference(message, each));
  message.setGeneralPractitioner(references);
  message.setPatientLastUpdated(asInstant(input.changedAt));
  message.focusPatient();
}
