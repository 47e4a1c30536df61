import type { Appointment, Bundle, Flag, Identifier, Organization, Patient } from 'fhir/r4';
import { CRN_SYSTEM, CRO_NUMBER_SYSTEM, NHS_NUMBER_SYSTEM, PNC_ID_SYSTEM } from '@cstr/identity';
import type { CoveredCourt } from '../ld-partner-settings';

/** The "listed today" alert the L&D case system takes (`POST {ldSystemUrl}/alerts`). */
export interface ListedTodayAlert {
  /** The hub event id: the same delivery always makes the same alert (409 on a repeat). */
  readonly externalReference: string;
  /** `YYYY-MM-DD`. */
  readonly listedOn: string;
  readonly court: { readonly code: string; readonly name?: string };
  readonly hearingStart?: string;
  readonly person: {
    readonly nhsNumber?: string;
    readonly pncId?: string;
    readonly croNumber?: string;
    readonly crn?: string;
    readonly firstName?: string;
    readonly lastName?: string;
    readonly dateOfBirth?: string;
  };
  readonly reason?: string;
}

/** An alert, or why a delivered Bundle cannot make one (a stable code and a reason without personal data). */
export type AlertBuild =
  | { readonly ok: true; readonly alert: ListedTodayAlert }
  | { readonly ok: false; readonly code: string; readonly reason: string };

const COURT_CODE_SYSTEM = 'https://cstr-hub.org.uk/fhir/Id/court-code';

/**
 * The alert of a delivered `court.hearing.listed` (the hearing Appointment, its court) or
 * `pathway.candidate.identified` (the candidate Flag) Bundle. The candidate Flag names the court
 * only in its text ("Listed at <court name>…"), so its code is that of the covered court of that
 * name in the partners file.
 */
export function buildListedTodayAlert(
  type: string,
  bundle: unknown,
  eventId: string,
  courts: readonly CoveredCourt[],
): AlertBuild {
  if (!isBundle(bundle)) return { ok: false, code: 'not-a-bundle', reason: 'The delivered body is not a FHIR Bundle.' };
  const patient = first<Patient>(bundle, 'Patient');
  if (!patient) return { ok: false, code: 'no-patient', reason: 'The delivered Bundle has no Patient.' };
  const person = personOf(patient);
  if (!person.nhsNumber && !person.pncId && !person.croNumber && !person.crn) {
    return {
      ok: false,
      code: 'no-identifier',
      reason: 'The Patient has none of NHS number, PNC ID, CRO number or CRN.',
    };
  }
  if (type === 'court.hearing.listed') {
    const hearing = first<Appointment>(bundle, 'Appointment');
    const court = courtOf(bundle);
    if (!hearing?.start || !court)
      return {
        ok: false,
        code: 'no-hearing',
        reason: 'The delivered Bundle has no hearing Appointment with a start and a court.',
      };
    return {
      ok: true,
      alert: {
        externalReference: eventId,
        listedOn: hearing.start.slice(0, 10),
        court,
        hearingStart: hearing.start,
        person,
        reason: `Listed at ${court.name ?? court.code}.`,
      },
    };
  }
  const flag = first<Flag>(bundle, 'Flag');
  const start = flag?.period?.start;
  const text = flag?.code?.text ?? '';
  if (!start)
    return { ok: false, code: 'no-hearing', reason: 'The candidate Flag has no period start (the hearing time).' };
  const court = courtOf(bundle) ?? courts.find((candidate) => text.startsWith(`Listed at ${candidate.name}`));
  if (!court)
    return {
      ok: false,
      code: 'unknown-court',
      reason: 'The candidate is listed at a court this service does not cover.',
    };
  return {
    ok: true,
    alert: {
      externalReference: eventId,
      listedOn: start.slice(0, 10),
      court,
      hearingStart: start,
      person,
      reason: text,
    },
  };
}

function personOf(patient: Patient): ListedTodayAlert['person'] {
  const value = (system: string) =>
    patient.identifier?.find((identifier: Identifier) => identifier.system === system)?.value;
  const name = patient.name?.[0];
  return withoutUndefined({
    nhsNumber: value(NHS_NUMBER_SYSTEM),
    pncId: value(PNC_ID_SYSTEM),
    croNumber: value(CRO_NUMBER_SYSTEM),
    crn: value(CRN_SYSTEM),
    firstName: name?.given?.[0],
    lastName: name?.family,
    dateOfBirth: patient.birthDate,
  });
}

/** The court of a hearing: the Organization carrying a court code. */
function courtOf(bundle: Bundle): { code: string; name?: string } | undefined {
  for (const entry of bundle.entry ?? []) {
    if (entry.resource?.resourceType !== 'Organization') continue;
    const organization = entry.resource as Organization;
    const code = organization.identifier?.find((identifier) => identifier.system === COURT_CODE_SYSTEM)?.value;
    if (code) return { code, ...(organization.name ? { name: organization.name } : {}) };
  }
  return undefined;
}

function isBundle(value: unknown): value is Bundle {
  return typeof value === 'object' && value !== null && (value as { resourceType?: unknown }).resourceType === 'Bundle';
}

function first<T>(bundle: Bundle, resourceType: string): T | undefined {
  return bundle.entry?.find((entry) => entry.resource?.resourceType === resourceType)?.resource as T | undefined;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, each]) => each !== undefined)) as T;
}
