/**
 * The red-team Bundles are valid UK Core message Bundles by the hub's own validator, before any
 * of them is played against the hub: a refusal in the acceptance suite is then the hub's policy,
 * never a malformed message.
 */
import { validateMessageBundle } from '@cstr/fhir';
import type { Bundle, MessageHeader, Patient, Resource, Task } from 'fhir/r4';
import {
  CROYDON_COURT,
  CROYDON_PROBATION,
  ST_ANDREWS,
  SLAM,
  SYSTEMS,
  appointmentOutcome,
  assessmentCompleted,
  caseAllocated,
  consentEvent,
  endpointOf,
  enforcementDecided,
  episodeEnded,
  gpRegistration,
  isValidNhsNumber,
  newNhsNumber,
  newPerson,
  newPncId,
  party,
  psrRequested,
  referralAnswered,
  referralRequested,
  requirementTerminated,
  resourceOf,
  riskChanged,
  sentenceImposed,
  type PartnerEvent,
} from './partner-bundles';

const person = newPerson();

const EVENTS: Record<string, () => PartnerEvent> = {
  'psr requested, provider named logically by ODS code': () =>
    psrRequested({ person, provider: party.ods('RV5'), patient: { nhs: true, crn: true, address: true } }),
  'referral requested, owner named by partner endpoint': () =>
    referralRequested({ person, owner: party.endpoint('slam-mhtr'), order: 'reversed' }),
  'referral requested, performer an Organization with an ODS code only': () =>
    referralRequested({ person, owner: party.odsOrganization('RV5', 'Provider'), order: 'patient-last' }),
  'referral accepted': () => referralAnswered({ person, from: SLAM, answer: 'accepted', referralId: 'R-1' }),
  'referral rejected': () => referralAnswered({ person, from: ST_ANDREWS, answer: 'rejected', order: 'rotated' }),
  'case allocated, team named by probation provider code': () => caseAllocated({ person }),
  'sentence imposed, performers an ODS and a probation provider Organization': () =>
    sentenceImposed({
      person,
      performers: [party.odsOrganization('RV5'), party.probationOrganization('N07LA', 'Supervising PDU')],
      patient: { nhs: true, pnc: true, address: true, telecom: true, gp: 'organization' },
    }),
  'consent recorded, actor probation by provider region code': () =>
    consentEvent({ person, from: SLAM, actors: [party.probationCode('N07')], consentId: 'C-1' }),
  'consent recorded, organization another partner, actor by ODS': () =>
    consentEvent({
      person,
      from: ST_ANDREWS,
      organization: party.odsOrganization('RV5', 'Another provider'),
      actors: [party.ods('N07CY')],
      consentId: 'C-2',
    }),
  'consent withdrawn': () =>
    consentEvent({ person, from: SLAM, actors: [party.probationCode('N07')], consentId: 'C-1', withdrawn: true }),
  'appointment missed with significance': () => appointmentOutcome({ person, from: SLAM, outcome: 'missed' }),
  'appointment attended': () => appointmentOutcome({ person, from: ST_ANDREWS, outcome: 'attended' }),
  'risk changed by probation': () => riskChanged({ person, from: CROYDON_PROBATION }),
  'risk changed by a provider': () => riskChanged({ person, from: ST_ANDREWS }),
  'enforcement decided': () => enforcementDecided({ person, provider: party.ods('RV5') }),
  'episode ended': () => episodeEnded({ person, from: SLAM }),
  'requirement terminated': () => requirementTerminated({ person, provider: party.odsOrganization('RV5') }),
  'assessment completed': () => assessmentCompleted({ person, from: ST_ANDREWS }),
  'gp registration checked, restricted': () => gpRegistration({ person, restricted: true }),
  'gp registration changed, unknown identifier system too': () =>
    gpRegistration({
      person,
      change: true,
      patient: { extraIdentifiers: [{ system: 'https://custody.example.org.uk/Id/custody-record', value: 'CR-1' }] },
    }),
};

function errorsOf(bundle: Bundle): string[] {
  return validateMessageBundle(bundle)
    .issue.filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
    .map((issue) => `${issue.expression?.join(',') ?? ''}: ${issue.diagnostics ?? ''}`);
}

describe('red-team partner Bundles', () => {
  it.each(Object.entries(EVENTS))('%s is a valid UK Core message Bundle', (_name, make) => {
    const event = make();
    expect(errorsOf(event.bundle)).toEqual([]);
    const header = event.bundle.entry?.[0]?.resource as MessageHeader;
    expect(header.resourceType).toBe('MessageHeader');
    expect(header.eventCoding).toEqual({ system: SYSTEMS.eventType, code: event.type });
    expect(header.source.endpoint).toBe(endpointOf(event.sender));
    expect(event.bundle.id).toBe(event.eventId);
    for (const entry of event.bundle.entry ?? []) expect(entry.fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
  });

  it('is checked by a validator that does refuse a wrong NHS number and a missing status', () => {
    const event = appointmentOutcome({ person, from: SLAM, outcome: 'missed' });
    const bundle = JSON.parse(JSON.stringify(event.bundle)) as Bundle;
    const patient = resourceOf<Patient>(bundle, 'Patient') as Patient;
    (patient.identifier ?? [])[0].value = `${person.nhsNumber.slice(0, 9)}${(Number(person.nhsNumber[9]) + 1) % 10}`;
    const appointment = resourceOf<{ resourceType: 'Appointment'; status?: string } & Resource>(bundle, 'Appointment');
    delete appointment?.status;
    expect(errorsOf(bundle).length).toBeGreaterThanOrEqual(2);
  });

  it('names parties by logical reference without any literal reference', () => {
    const event = psrRequested({ person, provider: party.ods('RV5') });
    const text = JSON.stringify(event.bundle);
    expect(text).toContain('"identifier":{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"RV5"}');
    expect(text).not.toContain('/Id/partner"');
    const task = resourceOf<Task>(event.bundle, 'Task');
    expect(task?.owner?.reference).toBeUndefined();
  });

  it('puts the entries in different orders', () => {
    const orders = new Set(
      (['as-added', 'reversed', 'patient-last', 'rotated'] as const).map((order) =>
        referralRequested({ person, owner: party.ods('RV5'), order })
          .bundle.entry?.slice(1)
          .map((entry) => entry.resource?.resourceType)
          .join(','),
      ),
    );
    expect(orders.size).toBeGreaterThan(2);
  });

  it('carries restriction, address, telecom and GP only where asked', () => {
    const restricted = resourceOf<Patient>(gpRegistration({ person, restricted: true }).bundle, 'Patient');
    expect(restricted?.meta?.security).toEqual([
      expect.objectContaining({ system: SYSTEMS.confidentiality, code: 'R' }),
    ]);
    const court = resourceOf<Patient>(
      sentenceImposed({
        person,
        court: CROYDON_COURT,
        performers: [party.ods('RV5')],
        patient: { pnc: true, nhs: false, address: true, telecom: true, gp: 'organization' },
      }).bundle,
      'Patient',
    );
    expect(court?.meta).toBeUndefined();
    expect(court?.identifier?.map((identifier) => identifier.system)).toEqual([SYSTEMS.pncId]);
    expect(JSON.stringify(court)).toContain(person.addressLine);
    expect(JSON.stringify(court)).toContain(person.phone);
    expect(court?.generalPractitioner).toHaveLength(1);
  });

  it('makes valid NHS numbers and PNC IDs', () => {
    for (let index = 0; index < 200; index++) expect(isValidNhsNumber(newNhsNumber())).toBe(true);
    expect(isValidNhsNumber('9434765919')).toBe(true);
    expect(isValidNhsNumber('9434765918')).toBe(false);
    expect(newPncId()).toMatch(/^\d{4}\/\d{7}[A-Z]$/);
  });
});
