/** Liaison & Diversion screening and consent events. */
import { OBSERVATION_TYPE_SYSTEM, SCREENING_FLAG_SYSTEM } from '@cstr/contracts';
import type { Consent, ConsentProvisionActor } from 'fhir/r4';
import { buildConsent, buildEncounter, buildLocation, buildObservation } from '../builders/clinical.builders';
import { hubConcept } from '../builders/codings';
import { partnerIdentifierSystem } from '../builders/hub-identifiers';
import { referenceTo, type BundledResource } from '../builders/resource-ids';
import type {
  ConsentInput,
  ConsentRecordedInput,
  ConsentWithdrawnInput,
  LdScreeningCompletedInput,
} from './event-inputs';
import type { EventMessage } from './event-message';

/** The information-sharing agreements of the pathway: the policy every consent is given under. */
export const CONSENT_POLICY_URI = 'https://cstr-hub.org.uk/fhir/information-sharing-agreements';

const CONSENT_STATES: Readonly<Record<ConsentInput['status'], Consent['status']>> = {
  active: 'active',
  rejected: 'rejected',
  inactive: 'inactive',
};

/**
 * A UKCore-Consent to share: scope patient-privacy, category LOINC 59284-0 (patient consent),
 * a permit (or, when refused, a deny) to disclose to the organisations named, for the purposes
 * given.
 */
export function consentResource(message: EventMessage, consent: ConsentInput): BundledResource<Consent> {
  const actor: ConsentProvisionActor[] = consent.actors.map((organization) => ({
    role: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
          code: 'IRCP',
          display: 'information recipient',
        },
      ],
    },
    reference: message.organizationRef(organization),
  }));
  return message.focus('Consent', (id) =>
    buildConsent(id, {
      ...(consent.id
        ? { identifier: [{ system: partnerIdentifierSystem(message.senderId, 'consent'), value: consent.id }] }
        : {}),
      status: CONSENT_STATES[consent.status],
      scope: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/consentscope',
            code: 'patient-privacy',
            display: 'Privacy Consent',
          },
        ],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
      patient: message.patient,
      dateTime: consent.dateTime,
      performer: [message.patient],
      organization: [referenceTo(message.sender, message.sender.resource.name)],
      policy: [{ uri: CONSENT_POLICY_URI }],
      provision: {
        type: consent.status === 'rejected' ? 'deny' : 'permit',
        ...(consent.period ? { period: consent.period } : {}),
        ...(actor.length ? { actor } : {}),
        action: consent.purposes.map((purpose) => ({
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'disclose', display: 'Disclose' },
          ],
          text: purpose,
        })),
      },
    }),
  );
}

/**
 * `ld.screening.completed`: the screening Encounter (custody or court), one Observation per need
 * screened for (code from screening-flag, value true when identified), and the Consent.
 */
export function buildScreeningCompleted(message: EventMessage, input: LdScreeningCompletedInput): void {
  const { screening } = input;
  const practitioner = screening.practitioner
    ? message.practitionerRef(screening.practitioner, screening.service)
    : undefined;
  const location = screening.locationName
    ? message.add(`Location/${screening.locationName}`, (id) =>
        buildLocation(id, { status: 'active', name: screening.locationName }),
      )
    : undefined;
  const encounter = message.focus('Encounter', (id) =>
    buildEncounter(id, {
      identifier: [{ system: partnerIdentifierSystem(message.senderId, 'ld-case'), value: screening.id }],
      status: screening.end ? 'finished' : 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'FLD', display: 'field' },
      type: [
        {
          text:
            screening.setting === 'custody'
              ? 'Liaison and Diversion screening in police custody'
              : 'Liaison and Diversion screening at court',
        },
      ],
      subject: message.patient,
      ...(practitioner ? { participant: [{ individual: practitioner }] } : {}),
      period: { start: screening.start, ...(screening.end ? { end: screening.end } : {}) },
      ...(location ? { location: [{ location: referenceTo(location, screening.locationName) }] } : {}),
      serviceProvider: message.organizationRef(screening.service),
    }),
  );
  for (const flag of input.flags) {
    message.focus(`Observation/screening/${flag.kind}`, (id) =>
      buildObservation(id, {
        status: 'final',
        category: [hubConcept(OBSERVATION_TYPE_SYSTEM, 'ld-screening')],
        code: hubConcept(SCREENING_FLAG_SYSTEM, flag.kind),
        subject: message.patient,
        encounter: { reference: encounter.fullUrl },
        effectiveDateTime: screening.end ?? screening.start,
        performer: [practitioner ?? message.organizationRef(screening.service)],
        valueBoolean: flag.identified,
        ...(flag.note ? { note: [{ text: flag.note }] } : {}),
      }),
    );
  }
  consentResource(message, input.consent);
}

/** `consent.recorded`: the Consent. */
export function buildConsentRecorded(message: EventMessage, input: ConsentRecordedInput): void {
  consentResource(message, input.consent);
}

/** `consent.withdrawn`: the Consent, inactive. */
export function buildConsentWithdrawn(message: EventMessage, input: ConsentWithdrawnInput): void {
  consentResource(message, { ...input.consent, status: 'inactive' });
}
