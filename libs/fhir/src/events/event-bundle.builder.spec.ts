import {
  EVENT_CATALOGUE,
  EVENT_TYPES,
  EVENT_TYPE_SYSTEM,
  OperationOutcomeError,
  partnerEndpoint,
  type EventType,
} from '@cstr/contracts';
import { CRN_SYSTEM, NHS_NUMBER_SYSTEM, PNC_ID_SYSTEM } from '@cstr/identity';
import type { Bundle, FhirResource, MessageHeader, Patient } from 'fhir/r4';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { ukCoreProfile, UK_CORE_PROFILED_TYPES, type UkCoreProfiledType } from '../builders/uk-core-profiles';
import { buildEventBundle, tryBuildEventBundle } from './event-bundle.builder';
import type { EventInput } from './event-inputs';

const IDENTIFIER_SYSTEMS = {
  nhsNumber: NHS_NUMBER_SYSTEM,
  crn: CRN_SYSTEM,
  pncId: PNC_ID_SYSTEM,
  croNumber: 'https://cstr-hub.org.uk/fhir/Id/cro-number',
  commonPlatformDefendantId: 'https://cstr-hub.org.uk/fhir/Id/common-platform-defendant-id',
} as const;

/** Every `reference` string anywhere in a resource. */
function referencesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === 'reference' && typeof child === 'string' ? [child] : referencesIn(child),
  );
}

function resources(bundle: Bundle): FhirResource[] {
  return (bundle.entry ?? []).map((entry) => entry.resource as FhirResource);
}

function resolve(bundle: Bundle, reference: string | undefined): FhirResource | undefined {
  return bundle.entry?.find((entry) => entry.fullUrl === reference)?.resource as FhirResource | undefined;
}

describe('buildEventBundle, for the fixture of every event type', () => {
  describe.each(EVENT_TYPES.map((type) => [type]))('%s', (type: EventType) => {
    const input = loadEventFixture(type);
    const bundle = buildEventBundle(input);
    const header = bundle.entry?.[0]?.resource as MessageHeader;

    it('is a UK Core message Bundle with the event id and time', () => {
      expect(bundle.resourceType).toBe('Bundle');
      expect(bundle.type).toBe('message');
      expect(bundle.id).toBe(input.envelope.eventId);
      expect(bundle.timestamp).toBe(input.envelope.occurredAt);
      expect(bundle.meta?.profile).toEqual([ukCoreProfile('Bundle')]);
    });

    it('starts with a MessageHeader naming the event, the sending partner and its focus', () => {
      expect(header.resourceType).toBe('MessageHeader');
      expect(header.eventCoding).toMatchObject({ system: EVENT_TYPE_SYSTEM, code: type });
      expect(header.source.endpoint).toBe(partnerEndpoint(input.envelope.sender));
      const sender = resolve(bundle, header.sender?.reference);
      expect(sender?.resourceType).toBe('Organization');
      expect(header.focus?.length).toBeGreaterThan(0);
    });

    it('focuses only on resources in the Bundle, of the main resource types of the catalogue', () => {
      const focused = (header.focus ?? []).map((focus) => resolve(bundle, focus.reference));
      expect(focused).not.toContain(undefined);
      for (const resource of focused) expect(EVENT_CATALOGUE[type].mainResources).toContain(resource?.resourceType);
    });

    it('carries the Patient with every identifier the sender gave, normalised', () => {
      const patients = resources(bundle).filter((resource): resource is Patient => resource.resourceType === 'Patient');
      expect(patients).toHaveLength(1);
      const given = Object.entries(input.person.identifiers).filter(([key]) => key in IDENTIFIER_SYSTEMS) as [
        keyof typeof IDENTIFIER_SYSTEMS,
        string,
      ][];
      expect(given.length).toBeGreaterThan(0);
      for (const [key, value] of given) {
        expect(patients[0].identifier).toContainEqual(
          expect.objectContaining({ system: IDENTIFIER_SYSTEMS[key], value }),
        );
      }
      expect(patients[0].birthDate).toBe(input.person.birthDate);
    });

    it('gives every entry a urn:uuid fullUrl matching its id, and resolves every urn:uuid reference inside the Bundle', () => {
      const fullUrls = (bundle.entry ?? []).map((entry) => entry.fullUrl);
      expect(new Set(fullUrls).size).toBe(fullUrls.length);
      for (const entry of bundle.entry ?? []) expect(entry.fullUrl).toBe(`urn:uuid:${entry.resource?.id}`);
      for (const reference of referencesIn(bundle.entry)) {
        expect(reference).toMatch(/^urn:uuid:/);
        expect(fullUrls).toContain(reference);
      }
    });

    it('claims the UK Core profile of every resource type UK Core profiles', () => {
      for (const resource of resources(bundle)) {
        if ((UK_CORE_PROFILED_TYPES as readonly string[]).includes(resource.resourceType)) {
          expect(resource.meta?.profile).toEqual([ukCoreProfile(resource.resourceType as UkCoreProfiledType)]);
        } else {
          expect(resource.meta?.profile).toBeUndefined();
        }
      }
    });

    it('is deterministic: the same input gives the same Bundle', () => {
      expect(buildEventBundle(structuredClone(input))).toEqual(bundle);
    });
  });
});

describe('buildEventBundle, event by event', () => {
  it('gives other ids to the same input under another event id', () => {
    const input = loadEventFixture('treatment.appointment.attended');
    const first = buildEventBundle(input);
    const second = buildEventBundle({
      ...input,
      envelope: { ...input.envelope, eventId: '0b7e4c1d-2f3a-4b5c-8d6e-7f8091a2b3c4' },
    });
    const ids = (bundle: Bundle) => (bundle.entry ?? []).map((entry) => entry.resource?.id);
    expect(ids(second).filter((id) => ids(first).includes(id))).toEqual([]);
  });

  it('names the recipient of a delivered copy in MessageHeader.destination', () => {
    const input = loadEventFixture('treatment.appointment.missed');
    const header = buildEventBundle({ ...input, envelope: { ...input.envelope, destination: 'nps-london-croydon' } })
      .entry?.[0].resource as MessageHeader;
    expect(header.destination).toEqual([
      { name: 'nps-london-croydon', endpoint: 'urn:cstr-hub:partner:nps-london-croydon' },
    ]);
    expect((buildEventBundle(input).entry?.[0].resource as MessageHeader).destination).toBeUndefined();
  });

  it('missed appointment: a no-show Appointment and the significance Observation with the notify-officer flag', () => {
    const bundle = buildEventBundle(loadEventFixture('treatment.appointment.missed'));
    const appointment = resources(bundle).find((resource) => resource.resourceType === 'Appointment');
    const observation = resources(bundle).find((resource) => resource.resourceType === 'Observation');
    expect(appointment).toMatchObject({
      status: 'noshow',
      start: '2026-06-29T14:00:00+01:00',
      end: '2026-06-29T14:50:00+01:00',
    });
    expect(observation).toMatchObject({
      code: {
        coding: [
          { system: 'https://cstr-hub.org.uk/fhir/CodeSystem/observation-type', code: 'non-attendance-significance' },
        ],
      },
      valueCodeableConcept: {
        coding: [
          { system: 'https://cstr-hub.org.uk/fhir/CodeSystem/non-attendance-significance', code: 'unacceptable' },
        ],
      },
      component: [{ code: { coding: [{ code: 'notify-officer' }] }, valueBoolean: true }],
    });
  });

  it('sentence: one ServiceRequest per requirement with type, sessions, start timescale and order type', () => {
    const input = loadEventFixture('court.sentence.imposed');
    const drr = { id: '2500124', type: 'drr' as const, lengthMonths: 6, startWithinWorkingDays: 2 };
    const bundle = buildEventBundle({
      ...input,
      sentence: { ...input.sentence, requirements: [...input.sentence.requirements, drr] },
    });
    const requests = resources(bundle).filter((resource) => resource.resourceType === 'ServiceRequest');
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({
      status: 'active',
      intent: 'order',
      code: { coding: [{ code: 'mhtr-primary' }] },
      quantityQuantity: { value: 12 },
      orderDetail: [
        { text: 'Requirement length 6 months' },
        {
          extension: [
            {
              url: 'https://cstr-hub.org.uk/fhir/StructureDefinition/treatment-start-within-working-days',
              valueUnsignedInt: 10,
            },
          ],
          text: 'Treatment to start within 10 working days of sentence',
        },
      ],
      occurrencePeriod: { start: '2026-06-02', end: '2026-12-02' },
    });
    expect(requests[1]).toMatchObject({
      code: { coding: [{ code: 'drr' }] },
      orderDetail: [
        { text: 'Requirement length 6 months' },
        {
          extension: [
            {
              url: 'https://cstr-hub.org.uk/fhir/StructureDefinition/treatment-start-within-working-days',
              valueUnsignedInt: 2,
            },
          ],
          text: 'Treatment to start within 2 working days of sentence',
        },
      ],
    });
    expect(JSON.stringify(requests[0])).toContain('https://cstr-hub.org.uk/fhir/CodeSystem/order-type');
  });

  it('GP registration: the practice with its ODS code and period, or no practice at all', () => {
    const input = loadEventFixture('gp.registration.checked');
    const patientOf = (bundle: Bundle) =>
      resources(bundle).find((resource): resource is Patient => resource.resourceType === 'Patient');
    const registered = patientOf(buildEventBundle(input));
    expect(registered?.generalPractitioner?.[0]).toMatchObject({
      identifier: {
        system: 'https://fhir.nhs.uk/Id/ods-organization-code',
        value: 'H85013',
        period: { start: '2019-08-01' },
      },
    });
    const none = patientOf(buildEventBundle({ ...input, registration: undefined }));
    expect(none?.generalPractitioner).toBeUndefined();
  });

  it('a restricted person carries the R security label', () => {
    const input = loadEventFixture('treatment.appointment.booked');
    const patient = resources(buildEventBundle({ ...input, person: { ...input.person, restricted: true } })).find(
      (resource) => resource.resourceType === 'Patient',
    );
    expect(patient?.meta?.security).toEqual([
      expect.objectContaining({ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }),
    ]);
  });

  it('risk: a Flag per registration and the RiskAssessment level', () => {
    const bundle = buildEventBundle(loadEventFixture('risk.changed'));
    expect(resources(bundle).find((resource) => resource.resourceType === 'Flag')).toMatchObject({
      status: 'active',
      code: { coding: [{ code: 'RMRH' }] },
    });
    expect(resources(bundle).find((resource) => resource.resourceType === 'RiskAssessment')).toMatchObject({
      prediction: [{ qualitativeRisk: { coding: [{ code: 'medium' }] } }],
    });
  });
});

describe('tryBuildEventBundle, on bad input', () => {
  const good = loadEventFixture('treatment.appointment.attended');
  const withPerson = (identifiers: EventInput['person']['identifiers']): EventInput => ({
    ...good,
    person: { ...good.person, identifiers },
  });

  it('returns an OperationOutcome naming a bad NHS number, and buildEventBundle throws it', () => {
    const bad = withPerson({ nhsNumber: '9434765918', crn: 'X123456' });
    const result = tryBuildEventBundle(bad);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.outcome.issue).toEqual([
      expect.objectContaining({ severity: 'error', code: 'value', expression: ['person.identifiers.nhsNumber'] }),
    ]);
    expect(() => buildEventBundle(bad)).toThrow(OperationOutcomeError);
  });

  it('refuses a person without any identifier', () => {
    const result = tryBuildEventBundle(withPerson({}));
    expect(result).toMatchObject({
      ok: false,
      outcome: { issue: [{ code: 'required', expression: ['person.identifiers'] }] },
    });
  });

  it('refuses an envelope with a bad event id, time and sender, all at once', () => {
    const result = tryBuildEventBundle({
      ...good,
      envelope: { ...good.envelope, eventId: 'not-a-uuid', occurredAt: '2026-06-15', sender: 'SLAM MHTR' },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.outcome.issue.map((issue) => issue.expression?.[0])).toEqual([
      'envelope.eventId',
      'envelope.occurredAt',
      'envelope.sender',
    ]);
  });

  it('refuses a risk change with neither flags nor an assessment', () => {
    const risk = loadEventFixture('risk.changed');
    expect(tryBuildEventBundle({ ...risk, flags: [], riskAssessment: undefined })).toMatchObject({
      ok: false,
      outcome: { issue: [{ code: 'required' }] },
    });
  });

  it('never throws on bad input, even input not shaped like its type', () => {
    expect(() => tryBuildEventBundle(withPerson({ nhsNumber: 'abc', pncId: '', croNumber: 'x' }))).not.toThrow();
    const shapeless = { ...good, person: { identifiers: { crn: 'X123456' } } } as unknown as EventInput;
    expect(tryBuildEventBundle(shapeless)).toMatchObject({
      ok: false,
      outcome: { issue: [{ severity: 'error', code: 'exception' }] },
    });
  });
});

describe('buildEventBundle, court and pathway details', () => {
  it('hearing resulted: the hearing outcome extension, and the next hearing as a booked Appointment', () => {
    const bundle = buildEventBundle(loadEventFixture('court.hearing.resulted'));
    const appointments = resources(bundle).filter((resource) => resource.resourceType === 'Appointment');
    expect(appointments.map((appointment) => appointment.resourceType === 'Appointment' && appointment.status)).toEqual(
      ['fulfilled', 'booked'],
    );
    expect(appointments[0].extension).toEqual([
      {
        url: 'https://cstr-hub.org.uk/fhir/StructureDefinition/hearing-outcome',
        valueCodeableConcept: expect.objectContaining({
          coding: [expect.objectContaining({ code: 'adjourned-for-report' })],
        }),
      },
    ]);
    expect(appointments[1]).toMatchObject({ start: '2026-06-02T10:00:00+01:00' });
    expect(appointments[1]).not.toHaveProperty('identifier');
  });

  it('hearing listed: offences as reason codes, the courtroom as a Location participant', () => {
    const bundle = buildEventBundle(loadEventFixture('court.hearing.listed'));
    const appointment = resources(bundle).find((resource) => resource.resourceType === 'Appointment');
    expect(appointment).toMatchObject({
      status: 'booked',
      reasonCode: [{ coding: [{ code: 'TH68010' }] }, { coding: [{ code: 'CD71039' }] }],
    });
    const location = resources(bundle).find((resource) => resource.resourceType === 'Location');
    expect(location).toMatchObject({
      name: "Croydon Magistrates' Court, Courtroom 3",
      identifier: [{ value: 'B01CY00' }],
    });
  });

  it('PSR requested: a Task owned by the provider, due the same afternoon', () => {
    const bundle = buildEventBundle(loadEventFixture('probation.psr.requested'));
    const task = resources(bundle).find((resource) => resource.resourceType === 'Task');
    expect(task).toMatchObject({
      status: 'requested',
      intent: 'order',
      restriction: { period: { end: '2026-05-12T16:00:00+01:00' } },
    });
    expect(resolve(bundle, task?.resourceType === 'Task' ? task.owner?.reference : undefined)).toMatchObject({
      resourceType: 'Organization',
      name: 'South London and Maudsley NHS Foundation Trust (MHTR)',
    });
  });

  it('episode ended: a finished EpisodeOfCare with why it ended, and the onward referral', () => {
    const bundle = buildEventBundle(loadEventFixture('treatment.episode.ended'));
    expect(resources(bundle).find((resource) => resource.resourceType === 'EpisodeOfCare')).toMatchObject({
      status: 'finished',
      extension: [
        {
          url: 'https://cstr-hub.org.uk/fhir/StructureDefinition/episode-end-reason',
          valueCodeableConcept: { coding: [{ code: 'completed' }] },
        },
      ],
    });
    expect(resources(bundle).filter((resource) => resource.resourceType === 'ServiceRequest')).toHaveLength(1);
  });

  it('deadline missed: a Task for the partner who owes the step, with the deadline kind as reason', () => {
    const bundle = buildEventBundle(loadEventFixture('pathway.deadline.missed'));
    const header = bundle.entry?.[0].resource as MessageHeader;
    expect(header.source.endpoint).toBe('urn:cstr-hub:partner:cstr-hub');
    const task = resources(bundle).find((resource) => resource.resourceType === 'Task');
    expect(task).toMatchObject({
      code: { coding: [{ code: 'overdue-step' }] },
      reasonCode: { coding: [{ code: 'outcome-reporting' }] },
    });
    expect(resolve(bundle, task?.resourceType === 'Task' ? task.owner?.reference : undefined)).toMatchObject({
      identifier: expect.arrayContaining([{ system: 'https://cstr-hub.org.uk/fhir/Id/partner', value: 'slam-mhtr' }]),
    });
  });

  it('one Organization per partner, even when two partners share an ODS code', () => {
    const bundle = buildEventBundle(loadEventFixture('ld.screening.completed'));
    const organizations = resources(bundle).filter((resource) => resource.resourceType === 'Organization');
    const partners = organizations.map(
      (organization) =>
        organization.resourceType === 'Organization' &&
        organization.identifier?.find((identifier) => identifier.system?.endsWith('/Id/partner'))?.value,
    );
    expect(partners.sort()).toEqual(['nps-london-croydon', 'sl-liaison-diversion', 'slam-mhtr']);
  });
});
