import fc from 'fast-check';
import {
  ANYTHING,
  expectEvents,
  removeAt,
  setAt,
  valueAt,
  expectInvalidAt,
  expectWellFormedResult,
  mutatedFixture,
  partnerFixture,
  testContext,
  testId,
} from '@cstr/fixtures/fhir/partner/partner-fixtures';
import { mapProviderResource } from './provider-fhir.mapper';

const SLAM = { code: 'RV5', name: 'South London and Maudsley NHS Foundation Trust' };
const context = () => testContext('slam-mhtr', SLAM, '2027-02-03T10:40:00Z');
const fixture = (name: string) => partnerFixture('provider', name);
const patient = () => fixture('patient.json');
const map = (name: string) => mapProviderResource(fixture(name), patient(), context());

const JORDAN = {
  identifiers: { nhsNumber: '9990000123', nhsNumberVerified: false, crn: 'X412563' },
  name: { family: 'Marsh', given: ['Jordan', 'Lee'], prefix: ['Mr'] },
  birthDate: '1991-03-14',
  gender: 'male',
  address: { line: ['14 Tamworth Road'], city: 'Croydon', postalCode: 'CR0 1XR', use: 'home' },
};
const DR_SHARMA = { id: 'PYL045872', name: { family: 'Sharma', given: ['Priya'], prefix: ['Dr'] } };
const FIXTURES = [
  'appointment-booked-three-way-meeting.json',
  'appointment-fulfilled-session.json',
  'appointment-noshow-unacceptable.json',
  'task-referral-accepted.json',
  'task-referral-rejected.json',
  'risk-assessment-high.json',
  'episode-of-care-completed.json',
  'consent-share-with-probation.json',
  'consent-withdrawn.json',
  'episode-of-care-drr-started.json',
  'observation-drug-test.json',
];
// Words from the provider's comments, notes, diagnoses and rationales in the fixtures.
const CLINICAL_WORDS =
  /anxiety|relapse|sister|signed consent form|afternoon|psychosis|Sutton|threats|protective|team meeting|Generalised/i;

describe('mapProviderResource', () => {
  it('maps an active EpisodeOfCare to treatment.started with the requirement, modality and keyworker', () => {
    const { events } = expectEvents(map('episode-of-care-drr-started.json'));
    expect(events).toEqual([
      expect.objectContaining({
        type: 'treatment.started',
        person: JORDAN,
        start: {
          id: 'SLDA-EP-2027-4410',
          startedOn: '2027-02-02',
          requirementType: 'drr',
          modality: 'specialist-prescribing',
          provider: SLAM,
          keyworker: DR_SHARMA,
        },
      }),
    ]);
  });

  it('maps a drug test Observation to treatment.drug-test.resulted, one result per substance, without its note', () => {
    const { events } = expectEvents(map('observation-drug-test.json'));
    expect(events).toEqual([
      expect.objectContaining({
        type: 'treatment.drug-test.resulted',
        test: {
          id: 'SLDA-DT-2027-7781',
          sampledAt: '2027-02-09T10:15:00Z',
          method: 'Oral fluid',
          results: [
            { substance: 'opiates', result: 'positive' },
            { substance: 'cocaine', result: 'negative' },
          ],
          provider: SLAM,
          testedBy: DR_SHARMA,
        },
      }),
    ]);
    expect(JSON.stringify(events)).not.toMatch(/heroin|argument/);
  });

  it('ignores an Observation that is not a drug test, and needs a known substance', () => {
    const other = fixture('observation-drug-test.json');
    setAt(other, 'code.coding[0].code', 'engagement-summary');
    expect(mapProviderResource(other, patient(), context()).kind).toBe('ignored');
    const unknown = fixture('observation-drug-test.json');
    setAt(unknown, 'component[0].code.coding[0].code', 'glue');
    expectInvalidAt(mapProviderResource(unknown, patient(), context()), 'Observation.component[0].code.coding[0].code');
  });

  it('maps a booked Appointment to treatment.appointment.booked', () => {
    const { events } = expectEvents(map('appointment-booked-three-way-meeting.json'));
    expect(events).toEqual([
      {
        type: 'treatment.appointment.booked',
        envelope: {
          eventId: testId(1),
          occurredAt: '2027-02-03T10:40:00Z',
          sender: 'slam-mhtr',
          senderOrganization: SLAM,
        },
        person: JORDAN,
        appointment: {
          id: 'SLAM-APPT-20261218-1400',
          start: '2026-12-18T14:00:00Z',
          end: '2026-12-18T15:00:00Z',
          serviceType: 'three-way-meeting',
          location: 'Croydon Community Mental Health Team, Lennard Road',
          practitioner: DR_SHARMA,
          provider: SLAM,
        },
      },
    ]);
  });

  it('maps a fulfilled Appointment to treatment.appointment.attended, with the session number', () => {
    const { events } = expectEvents(map('appointment-fulfilled-session.json'));
    expect(events[0]).toMatchObject({
      type: 'treatment.appointment.attended',
      envelope: { occurredAt: '2027-01-20T10:20:00Z' },
      appointment: { id: 'SLAM-APPT-20270120-0930', serviceType: 'treatment-session', sessionNumber: 3 },
    });
  });

  it("maps a no-show to treatment.appointment.missed with the treatment worker's view", () => {
    const { events } = expectEvents(map('appointment-noshow-unacceptable.json'));
    expect(events).toEqual([
      {
        type: 'treatment.appointment.missed',
        envelope: {
          eventId: testId(1),
          occurredAt: '2027-02-03T10:20:00Z',
          sender: 'slam-mhtr',
          senderOrganization: SLAM,
        },
        person: JORDAN,
        appointment: {
          id: 'SLAM-APPT-20270203-0930',
          start: '2027-02-03T09:30:00Z',
          end: '2027-02-03T10:20:00Z',
          serviceType: 'treatment-session',
          sessionNumber: 5,
          practitioner: DR_SHARMA,
          provider: SLAM,
        },
        significance: 'unacceptable',
        notifyOfficer: true,
        recordedBy: DR_SHARMA,
      },
    ]);
  });

  it('maps the referral Task: accepted with the clinician, rejected with the status reason', () => {
    expect(expectEvents(map('task-referral-accepted.json')).events[0]).toMatchObject({
      type: 'treatment.referral.accepted',
      envelope: { occurredAt: '2026-12-16T09:45:00Z' },
      referral: { id: 'REF-2026-000187', decidedAt: '2026-12-16T09:45:00Z', provider: SLAM, clinician: DR_SHARMA },
    });
    expect(expectEvents(map('task-referral-rejected.json')).events[0]).toMatchObject({
      type: 'treatment.referral.rejected',
      referral: {
        id: 'REF-2027-000019',
        decidedAt: '2027-01-13T11:30:00Z',
        provider: SLAM,
        reason: "Outside the service's catchment area",
      },
    });
  });

  it('maps a RiskAssessment to risk.changed with the level only', () => {
    const { events } = expectEvents(map('risk-assessment-high.json'));
    expect(events[0]).toMatchObject({
      type: 'risk.changed',
      riskAssessment: {
        date: '2027-02-03T16:00:00Z',
        method: 'Clinical risk assessment (FACE)',
        level: 'high',
        assessor: DR_SHARMA,
      },
    });
    expect(events[0]).not.toHaveProperty('riskAssessment.summary');
  });

  it('maps a finished EpisodeOfCare to treatment.episode.ended', () => {
    const { events } = expectEvents(map('episode-of-care-completed.json'));
    expect(events[0]).toMatchObject({
      type: 'treatment.episode.ended',
      envelope: { occurredAt: '2027-09-10T11:00:00+01:00' },
      episode: {
        id: 'SLAM-EOC-2026-3320',
        period: { start: '2026-12-18T14:00:00Z', end: '2027-09-10T11:00:00+01:00' },
        reason: 'completed',
        provider: SLAM,
        careCoordinator: DR_SHARMA,
        requirementType: 'mhtr-primary',
      },
    });
  });

  it('maps an active Consent to consent.recorded, naming its recipients by ODS code and partner id', () => {
    const { events } = expectEvents(map('consent-share-with-probation.json'));
    expect(events).toEqual([
      {
        type: 'consent.recorded',
        envelope: {
          eventId: testId(1),
          occurredAt: '2026-12-18T14:40:00Z',
          sender: 'slam-mhtr',
          senderOrganization: SLAM,
        },
        person: JORDAN,
        consent: {
          id: 'SLAM-CONSENT-2026-3391',
          status: 'active',
          dateTime: '2026-12-18T14:40:00Z',
          purposes: ['Share attendance and treatment progress with the responsible officer'],
          actors: [
            { name: 'Probation Service - London', code: 'N07' },
            { name: 'GP registration service', partnerId: 'pds-gp-registration' },
          ],
          period: { start: '2026-12-18', end: '2027-12-17' },
        },
      },
    ]);
  });

  it('maps an inactive Consent to consent.withdrawn of the same consent, at the time the provider changed it', () => {
    const { events } = expectEvents(map('consent-withdrawn.json'));
    expect(events[0]).toMatchObject({
      type: 'consent.withdrawn',
      envelope: { occurredAt: '2027-02-10T09:15:00Z' },
      consent: {
        id: 'SLAM-CONSENT-2026-3391',
        status: 'inactive',
        actors: [{ name: 'Probation Service - London', code: 'N07' }],
      },
    });
  });

  it.each([
    ['a refused consent (status rejected)', { status: 'rejected' }, 'rejected'],
    [
      'an active consent that denies (provision.type deny)',
      {
        provision: {
          ...(fixture('consent-share-with-probation.json') as { provision: object }).provision,
          type: 'deny',
        },
      },
      'inactive',
    ],
  ])('maps %s to consent.withdrawn', (_name, change, status) => {
    const consent = { ...(fixture('consent-share-with-probation.json') as object), ...change };
    expect(expectEvents(mapProviderResource(consent, patient(), context())).events[0]).toMatchObject({
      type: 'consent.withdrawn',
      consent: { status },
    });
  });

  it('ignores a Consent that is not yet the person decision (draft, proposed) or was entered in error', () => {
    for (const status of ['draft', 'proposed', 'entered-in-error']) {
      expect(
        mapProviderResource(
          { ...(fixture('consent-share-with-probation.json') as object), status },
          patient(),
          context(),
        ).kind,
      ).toBe('ignored');
    }
  });

  it('names a Consent actor it cannot resolve to an organisation: a missing contained Organization, no ODS code or partner id, a server reference', () => {
    const missing = fixture('consent-share-with-probation.json');
    setAt(missing, 'provision.actor[0].reference.reference', '#nobody');
    expectInvalidAt(
      mapProviderResource(missing, patient(), context()),
      'Consent.provision.actor[0].reference.reference',
    );

    const noCode = fixture('consent-share-with-probation.json');
    setAt(noCode, 'contained[0].identifier[0].system', 'https://example.org/local-org-id');
    expectInvalidAt(mapProviderResource(noCode, patient(), context()), 'Consent.contained[0].identifier');

    const serverReference = fixture('consent-share-with-probation.json');
    setAt(serverReference, 'provision.actor[1].reference', { reference: 'Organization/org-77' });
    expectInvalidAt(mapProviderResource(serverReference, patient(), context()), 'Consent.provision.actor[1].reference');

    const otherPatient = fixture('consent-share-with-probation.json');
    setAt(otherPatient, 'patient.reference', 'Patient/slam-pt-000001');
    expectInvalidAt(mapProviderResource(otherPatient, patient(), context()), 'Consent.patient.reference');
  });

  it('copies no clinical detail (comments, notes, diagnoses, rationales) into any event', () => {
    for (const name of FIXTURES) expect(JSON.stringify(expectEvents(map(name)).events)).not.toMatch(CLINICAL_WORDS);
  });

  it('ignores statuses that mean nothing to partners', () => {
    const cancelled = { ...(fixture('appointment-booked-three-way-meeting.json') as object), status: 'cancelled' };
    expect(mapProviderResource(cancelled, patient(), context()).kind).toBe('ignored');
    const inProgress = { ...(fixture('task-referral-accepted.json') as object), status: 'in-progress' };
    expect(mapProviderResource(inProgress, patient(), context()).kind).toBe('ignored');
    const planned = { ...(fixture('episode-of-care-completed.json') as object), status: 'planned' };
    expect(mapProviderResource(planned, patient(), context()).kind).toBe('ignored');
    const preliminary = { ...(fixture('observation-drug-test.json') as object), status: 'preliminary' };
    expect(mapProviderResource(preliminary, patient(), context()).kind).toBe('ignored');
    const review = fixture('appointment-booked-three-way-meeting.json');
    setAt(review, 'serviceType[0].coding[0].code', 'court-review');
    expect(mapProviderResource(review, patient(), context()).kind).toBe('ignored');
  });

  it('refuses input that is not a resource object, or a resource type it does not read', () => {
    expectInvalidAt(mapProviderResource('Appointment', patient(), context()), '$this');
    expectInvalidAt(
      mapProviderResource({ resourceType: 'Procedure', status: 'completed' }, patient(), context()),
      'resourceType',
    );
  });

  it('names a no-show without the significance extension, and an unknown significance code', () => {
    const missing = fixture('appointment-noshow-unacceptable.json');
    setAt(missing, 'extension', (valueAt(missing, 'extension') as unknown[]).slice(0, 1));
    expectInvalidAt(mapProviderResource(missing, patient(), context()), 'Appointment.extension');

    const unknown = fixture('appointment-noshow-unacceptable.json');
    setAt(unknown, 'extension[1].extension[0].valueCodeableConcept.coding[0].code', 'worrying');
    expectInvalidAt(
      mapProviderResource(unknown, patient(), context()),
      'Appointment.extension[1].extension[0].valueCodeableConcept.coding[0].code',
    );
  });

  it('names a bad appointment time, a rejection without a reason and an episode without an end', () => {
    const appointment = fixture('appointment-fulfilled-session.json');
    setAt(appointment, 'start', '2027-01-20 09:30');
    expectInvalidAt(mapProviderResource(appointment, patient(), context()), 'Appointment.start');

    const task = fixture('task-referral-rejected.json');
    removeAt(task, 'statusReason');
    expectInvalidAt(mapProviderResource(task, patient(), context()), 'Task.statusReason');

    const episode = fixture('episode-of-care-completed.json');
    removeAt(episode, 'period.end');
    expectInvalidAt(mapProviderResource(episode, patient(), context()), 'EpisodeOfCare.period.end');
  });

  it("names an invalid NHS number on the provider's Patient, and a resource about another Patient", () => {
    const badPatient = patient();
    setAt(badPatient, 'identifier[1].value', '9990000122');
    const [nhs] = expectInvalidAt(
      mapProviderResource(fixture('risk-assessment-high.json'), badPatient, context()),
      'Patient.identifier[1].value',
    );
    expect(nhs.diagnostics).toContain('[nhs-number-check-digit]');

    const other = fixture('risk-assessment-high.json');
    setAt(other, 'subject.reference', 'Patient/slam-pt-000001');
    const [conflict] = expectInvalidAt(
      mapProviderResource(other, patient(), context()),
      'RiskAssessment.subject.reference',
    );
    expect(conflict.code).toBe('conflict');
  });

  it('never throws on arbitrary JSON or on a fixture with any one value replaced', () => {
    fc.assert(
      fc.property(ANYTHING, ANYTHING, (resource, person) =>
        expectWellFormedResult(mapProviderResource(resource, person, context())),
      ),
    );
    for (const name of FIXTURES) {
      fc.assert(
        fc.property(mutatedFixture(fixture(name)), (resource) =>
          expectWellFormedResult(mapProviderResource(resource, patient(), context())),
        ),
        { numRuns: 100 },
      );
    }
    fc.assert(
      fc.property(mutatedFixture(patient()), (person) =>
        expectWellFormedResult(mapProviderResource(fixture('appointment-noshow-unacceptable.json'), person, context())),
      ),
      { numRuns: 200 },
    );
  });
});
