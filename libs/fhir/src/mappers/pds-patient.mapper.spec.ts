import fc from 'fast-check';
import {
  ANYTHING,
  expectEvents,
  removeAt,
  setAt,
  expectInvalidAt,
  expectWellFormedResult,
  mutatedFixture,
  partnerFixture,
  testContext,
  testId,
} from '@cstr/fixtures/fhir/partner/partner-fixtures';
import { mapPdsPatient } from './pds-patient.mapper';

const PDS = { code: 'X26', name: 'NHS England (PDS)' };
const context = () => testContext('pds', PDS, '2027-01-06T08:00:00Z');
const fixture = (name: string) => partnerFixture('pds', name);

describe('mapPdsPatient', () => {
  it('maps a registered patient to gp.registration.checked with the practice and period', () => {
    const { events } = expectEvents(mapPdsPatient(fixture('patient-registered.json'), context()));
    expect(events).toEqual([
      {
        type: 'gp.registration.checked',
        envelope: { eventId: testId(1), occurredAt: '2027-01-06T08:00:00Z', sender: 'pds', senderOrganization: PDS },
        person: {
          identifiers: { nhsNumber: '9990000123', nhsNumberVerified: true },
          name: { family: 'Marsh', given: ['Jordan', 'Lee'], prefix: ['Mr'] },
          birthDate: '1991-03-14',
          gender: 'male',
          address: { line: ['14 Tamworth Road', 'Croydon'], postalCode: 'CR0 1XR', use: 'home' },
        },
        checkedAt: '2027-01-06T08:00:00Z',
        registration: { practice: { code: 'H85026', name: 'H85026' }, period: { start: '2024-06-20' } },
      },
    ]);
  });

  it('maps an unregistered patient to a check without a registration', () => {
    const { events } = expectEvents(mapPdsPatient(fixture('patient-unregistered.json'), context()));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'gp.registration.checked',
      person: { identifiers: { nhsNumber: '9990000565' } },
    });
    expect(events[0]).not.toHaveProperty('registration');
  });

  it('marks a restricted patient and discloses neither address nor GP, even if the payload holds them', () => {
    const json = fixture('patient-restricted.json');
    setAt(json, 'address', [{ use: 'home', line: ['1 Secret Lane'], postalCode: 'SE1 1AA' }]);
    setAt(json, 'generalPractitioner', [
      {
        type: 'Organization',
        identifier: {
          system: 'https://fhir.nhs.uk/Id/ods-organization-code',
          value: 'H85026',
          period: { start: '2020-01-01' },
        },
      },
    ]);
    const previous = { odsCode: 'H85033', start: '2019-01-01' };
    const { events } = expectEvents(mapPdsPatient(json, context(), { previous }));
    expect(events).toEqual([
      {
        type: 'gp.registration.checked',
        envelope: { eventId: testId(1), occurredAt: '2027-01-06T08:00:00Z', sender: 'pds', senderOrganization: PDS },
        person: {
          identifiers: { nhsNumber: '9990000344', nhsNumberVerified: true },
          name: { family: 'Doyle', given: ['Kieran'], prefix: ['Mr'] },
          birthDate: '1979-12-20',
          gender: 'male',
          restricted: true,
        },
        checkedAt: '2027-01-06T08:00:00Z',
      },
    ]);
    expect(JSON.stringify(events)).not.toMatch(/Secret Lane|H85026|H85033/);
  });

  it('adds gp.registration.changed when the practice differs from the one known before', () => {
    const previous = { odsCode: 'H85026', name: 'Tamworth Road Surgery', start: '2019-04-01' };
    const { events } = expectEvents(mapPdsPatient(fixture('patient-changed-gp.json'), context(), { previous }));
    expect(events.map((e) => e.type)).toEqual(['gp.registration.checked', 'gp.registration.changed']);
    expect(events[0].person.name).toEqual({ family: 'Price', given: ['Shannon'], prefix: ['Ms'] });
    expect(events[1]).toMatchObject({
      envelope: { eventId: testId(2), correlationId: testId(1) },
      changedAt: '2027-01-05',
      registration: { practice: { code: 'H85033', name: 'H85033' }, period: { start: '2027-01-05' } },
      previous: {
        practice: { code: 'H85026', name: 'Tamworth Road Surgery' },
        period: { start: '2019-04-01', end: '2027-01-05' },
      },
    });
  });

  it('reports no change when the practice is the one known, or deregistration when there is none', () => {
    expect(
      expectEvents(mapPdsPatient(fixture('patient-changed-gp.json'), context(), { previous: { odsCode: 'H85033' } }))
        .events,
    ).toHaveLength(1);
    const { events } = expectEvents(
      mapPdsPatient(fixture('patient-unregistered.json'), context(), { previous: { odsCode: 'H85026' } }),
    );
    expect(events[1]).toMatchObject({ type: 'gp.registration.changed', changedAt: '2027-01-06T08:00:00Z' });
    expect(events[1]).not.toHaveProperty('registration');
    expect(events[1]).not.toHaveProperty('previous');
  });

  it('refuses a payload that is not a Patient object', () => {
    expectInvalidAt(mapPdsPatient('Patient/9990000123', context()), 'Patient');
    expectInvalidAt(
      mapPdsPatient({ ...(fixture('patient-registered.json') as object), resourceType: 'Practitioner' }, context()),
      'Patient.resourceType',
    );
  });

  it('names an invalid NHS number and a missing birth date by their paths', () => {
    const json = fixture('patient-registered.json');
    setAt(json, 'identifier[0].value', '9990000124');
    removeAt(json, 'birthDate');
    const result = mapPdsPatient(json, context());
    const [nhs] = expectInvalidAt(result, 'Patient.identifier[0].value');
    expect(nhs.diagnostics).toContain('[nhs-number-check-digit]');
    expectInvalidAt(result, 'Patient.birthDate');
  });

  it('names a GP that is not an ODS code and a registration start that is not a date', () => {
    const json = fixture('patient-registered.json');
    setAt(json, 'generalPractitioner[0].identifier.value', 'h85 026');
    setAt(json, 'generalPractitioner[0].identifier.period.start', '20/06/2024');
    const result = mapPdsPatient(json, context());
    expectInvalidAt(result, 'Patient.generalPractitioner[0].identifier.value');
    expectInvalidAt(result, 'Patient.generalPractitioner[0].identifier.period.start');
  });

  it('never throws on arbitrary JSON or on a fixture with any one value replaced', () => {
    fc.assert(fc.property(ANYTHING, (json) => expectWellFormedResult(mapPdsPatient(json, context()))));
    const previous = { odsCode: 'H85026', start: '2019-04-01' };
    for (const name of ['patient-registered.json', 'patient-restricted.json', 'patient-changed-gp.json']) {
      fc.assert(
        fc.property(mutatedFixture(fixture(name)), (json) =>
          expectWellFormedResult(mapPdsPatient(json, context(), { previous })),
        ),
        { numRuns: 150 },
      );
    }
  });
});
