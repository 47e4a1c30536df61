import type { EventType } from '@cstr/contracts';
import {
  EVENT_ID_SYSTEM,
  errorsOf,
  REFERRAL_ID_SYSTEM,
  tryBuildEventBundle,
  validateResource,
  type EventInputOf,
} from '@cstr/fhir';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { eventTypesDeliveredTo } from '@cstr/testing';
import { PROVIDER_INBOX_EVENT_TYPES, planProviderWrites, type PlannedCreate } from './provider-writes';

const EVENT_ID = '5f0c2a8e-3f1d-4b7a-9c55-0a1b2c3d4e5f';

function fixtureBundle<T extends EventType>(
  type: T,
  change: (input: EventInputOf<T>) => void = () => undefined,
): unknown {
  const input = structuredClone(loadEventFixture(type));
  change(input);
  const built = tryBuildEventBundle(input);
  if (!built.ok) throw new Error(JSON.stringify(built.outcome));
  return built.resource;
}

function build(step: PlannedCreate): Record<string, unknown> {
  return step.build({ patient: 'p1', serviceRequest: 'sr1' }) as unknown as Record<string, unknown>;
}

describe('planProviderWrites', () => {
  it('plans Patient by NHS number, then the ServiceRequest and a Task, each conditional on the event id', () => {
    const plan = planProviderWrites(
      'treatment.referral.requested',
      fixtureBundle('treatment.referral.requested'),
      EVENT_ID,
    );
    if (plan.kind !== 'writes') throw new Error(plan.reason);
    expect(plan.patient.query).toBe('identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919');
    expect(build(plan.patient)).toMatchObject({
      resourceType: 'Patient',
      identifier: expect.arrayContaining([{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' }]),
    });
    const [serviceRequest, task] = plan.then.map(build);
    expect(plan.then.map((step) => step.query)).toEqual([
      `identifier=${EVENT_ID_SYSTEM}|${EVENT_ID}`,
      `identifier=${EVENT_ID_SYSTEM}|${EVENT_ID}`,
    ]);
    expect(serviceRequest).toMatchObject({
      resourceType: 'ServiceRequest',
      subject: { reference: 'Patient/p1' },
      identifier: expect.arrayContaining([{ system: EVENT_ID_SYSTEM, value: EVENT_ID }]),
    });
    expect(task).toMatchObject({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      identifier: [
        { system: REFERRAL_ID_SYSTEM, value: 'REF-2026-004417' },
        { system: EVENT_ID_SYSTEM, value: EVENT_ID },
      ],
      focus: { reference: 'ServiceRequest/sr1' },
      for: { reference: 'Patient/p1' },
    });
  });

  it('leaves no reference to the Bundle entries (urn:uuid) in what it writes', () => {
    const plan = planProviderWrites(
      'treatment.referral.requested',
      fixtureBundle('treatment.referral.requested'),
      EVENT_ID,
    );
    if (plan.kind !== 'writes') throw new Error(plan.reason);
    expect(JSON.stringify([build(plan.patient), ...plan.then.map(build)])).not.toContain('urn:uuid:');
  });

  it('falls back to the CRN when there is no NHS number', () => {
    const bundle = fixtureBundle('treatment.referral.requested', (input) => {
      delete input.person.identifiers.nhsNumber;
      delete input.person.identifiers.nhsNumberVerified;
    });
    const plan = planProviderWrites('treatment.referral.requested', bundle, EVENT_ID);
    expect(plan.kind === 'writes' && plan.patient.query).toBe('identifier=https://cstr-hub.org.uk/fhir/Id/crn|X123456');
  });

  it('plans a Flag per flag of risk.changed, subject the Patient', () => {
    const plan = planProviderWrites('risk.changed', fixtureBundle('risk.changed'), EVENT_ID);
    if (plan.kind !== 'writes') throw new Error(plan.reason);
    expect(plan.then.length).toBeGreaterThan(0);
    for (const flag of plan.then.map(build)) {
      expect(flag).toMatchObject({ resourceType: 'Flag', subject: { reference: 'Patient/p1' } });
      expect(
        (flag.identifier as { system: string; value: string }[]).some(
          (identifier) => identifier.system === EVENT_ID_SYSTEM && identifier.value.startsWith(EVENT_ID),
        ),
      ).toBe(true);
    }
    expect(new Set(plan.then.map((step) => step.query)).size).toBe(plan.then.length);
  });

  describe('court.sentence.imposed', () => {
    it('plans the requirement this provider delivers as an active ServiceRequest and a Task to start treatment, valid R4', () => {
      const plan = planProviderWrites(
        'court.sentence.imposed',
        fixtureBundle('court.sentence.imposed'),
        EVENT_ID,
        'slam-mhtr',
      );
      if (plan.kind !== 'writes') throw new Error(plan.reason);
      // The court knows no NHS number or CRN: the Patient is matched on the PNC ID.
      expect(plan.patient.query).toBe('identifier=https://cstr-hub.org.uk/fhir/Id/pnc-id|2004/0046583U');
      const [serviceRequest, task] = plan.then.map(build);
      expect(plan.then).toHaveLength(2);
      expect(serviceRequest).toMatchObject({
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/p1' },
        code: { coding: [expect.objectContaining({ code: 'mhtr-primary' })] },
        identifier: expect.arrayContaining([{ system: EVENT_ID_SYSTEM, value: EVENT_ID }]),
      });
      expect(task).toMatchObject({
        resourceType: 'Task',
        status: 'requested',
        intent: 'order',
        identifier: [
          { system: REFERRAL_ID_SYSTEM, value: '2500123' },
          { system: EVENT_ID_SYSTEM, value: EVENT_ID },
        ],
        focus: { reference: 'ServiceRequest/sr1' },
        for: { reference: 'Patient/p1' },
      });
      expect(plan.then.map((step) => step.query)).toEqual([
        `identifier=${EVENT_ID_SYSTEM}|${EVENT_ID}`,
        `identifier=${EVENT_ID_SYSTEM}|${EVENT_ID}`,
      ]);
      for (const resource of [build(plan.patient), serviceRequest, task])
        expect(errorsOf(validateResource(resource))).toEqual([]);
      expect(JSON.stringify(plan.then.map(build))).not.toContain('urn:uuid:');
    });

    it('has nothing for a provider the order does not name', () => {
      expect(
        planProviderWrites(
          'court.sentence.imposed',
          fixtureBundle('court.sentence.imposed'),
          EVENT_ID,
          'st-andrews-mhtr',
        ).kind,
      ).toBe('nothing-for-provider');
    });

    it('takes an MHTR with no provider named, leaves an ATR with none, and gives each requirement its own identifier', () => {
      const bundle = fixtureBundle('court.sentence.imposed', (input) => {
        const [named] = input.sentence.requirements;
        input.sentence.requirements = [
          named,
          { id: '2500124', type: 'mhtr-secondary', lengthMonths: 6, startBy: '2026-06-16' },
          { id: '2500125', type: 'atr', lengthMonths: 6 },
        ];
      });
      const plan = planProviderWrites('court.sentence.imposed', bundle, EVENT_ID, 'slam-mhtr');
      if (plan.kind !== 'writes') throw new Error(plan.reason);
      const built = plan.then.map(build);
      expect(built.map((resource) => resource.resourceType)).toEqual([
        'ServiceRequest',
        'Task',
        'ServiceRequest',
        'Task',
      ]);
      expect(plan.then.map((step) => step.query)).toEqual(
        [1, 1, 2, 2].map((n) => `identifier=${EVENT_ID_SYSTEM}|${EVENT_ID}#${n}`),
      );
      expect(built[3]).toMatchObject({
        identifier: [{ system: REFERRAL_ID_SYSTEM, value: '2500124' }, expect.anything()],
        restriction: { period: { end: '2026-06-16' } },
      });
    });

    it('takes the start-by date from its structured field, never from the words of an orderDetail', () => {
      const bundle = fixtureBundle('court.sentence.imposed', (input) => {
        input.sentence.requirements[0] = { ...input.sentence.requirements[0], startBy: '2026-06-16' };
      }) as { entry: { resource: { resourceType: string; orderDetail?: { text?: string }[] } }[] };
      const restrictionOfTask = (): unknown => {
        const plan = planProviderWrites('court.sentence.imposed', bundle, EVENT_ID, 'slam-mhtr');
        if (plan.kind !== 'writes') throw new Error(plan.reason);
        return plan.then.map(build).find((resource) => resource.resourceType === 'Task')?.restriction;
      };
      expect(restrictionOfTask()).toEqual({ period: { end: '2026-06-16' } });
      // Words alone (a partner's free text) set no due time.
      const request = bundle.entry.find((entry) => entry.resource.resourceType === 'ServiceRequest')?.resource;
      if (!request) throw new Error('no ServiceRequest in the sentence');
      request.orderDetail = (request.orderDetail ?? []).map(({ text }) => ({ text }));
      expect(JSON.stringify(request.orderDetail)).toContain('Treatment to start by 2026-06-16');
      expect(restrictionOfTask()).toBeUndefined();
    });
  });

  describe('probation.case.allocated', () => {
    it('plans a CareTeam naming the responsible officer with work contacts, conditional on the event id, valid R4', () => {
      const plan = planProviderWrites(
        'probation.case.allocated',
        fixtureBundle('probation.case.allocated'),
        EVENT_ID,
        'slam-mhtr',
      );
      if (plan.kind !== 'writes') throw new Error(plan.reason);
      expect(plan.then.map((step) => step.query)).toEqual([`identifier=${EVENT_ID_SYSTEM}|${EVENT_ID}`]);
      const careTeam = build(plan.then[0]);
      expect(careTeam).toMatchObject({
        resourceType: 'CareTeam',
        status: 'active',
        name: 'Croydon Team 2',
        subject: { reference: 'Patient/p1' },
        identifier: expect.arrayContaining([
          expect.objectContaining({ value: 'N07T02' }),
          { system: EVENT_ID_SYSTEM, value: EVENT_ID },
        ]),
        participant: [
          {
            role: [expect.objectContaining({ coding: [expect.objectContaining({ code: 'responsible-officer' })] })],
            member: { reference: '#responsible-officer', display: 'Sarah Whitfield' },
            onBehalfOf: { display: 'Probation Service London – Croydon PDU' },
          },
        ],
        contained: [
          {
            resourceType: 'Practitioner',
            id: 'responsible-officer',
            telecom: expect.arrayContaining([
              expect.objectContaining({ system: 'email', value: 'sarah.whitfield@justice.gov.uk' }),
              expect.objectContaining({ system: 'phone' }),
            ]),
          },
        ],
      });
      expect(errorsOf(validateResource(careTeam))).toEqual([]);
      expect(JSON.stringify(careTeam)).not.toContain('urn:uuid:');
    });

    it('is unusable without a CareTeam', () => {
      const bundle = fixtureBundle('probation.case.allocated') as { entry: { resource: { resourceType: string } }[] };
      bundle.entry = bundle.entry.filter((entry) => entry.resource.resourceType !== 'CareTeam');
      expect(planProviderWrites('probation.case.allocated', bundle, EVENT_ID)).toMatchObject({
        kind: 'unusable',
        code: 'no-care-team',
      });
    });
  });

  it('plans the PSR assessment request as ServiceRequest + Task with its due time and priority, valid R4', () => {
    const plan = planProviderWrites('probation.psr.requested', fixtureBundle('probation.psr.requested'), EVENT_ID);
    if (plan.kind !== 'writes') throw new Error(plan.reason);
    const [serviceRequest, task] = plan.then.map(build);
    expect(serviceRequest).toMatchObject({ resourceType: 'ServiceRequest', subject: { reference: 'Patient/p1' } });
    const due = (loadEventFixture('probation.psr.requested') as unknown as { request: { dueBy: string } }).request
      .dueBy;
    expect(task).toMatchObject({
      resourceType: 'Task',
      status: 'requested',
      code: { coding: [expect.objectContaining({ code: 'suitability-assessment' })] },
      focus: { reference: 'ServiceRequest/sr1' },
      for: { reference: 'Patient/p1' },
      restriction: { period: { end: due } },
      identifier: expect.arrayContaining([{ system: EVENT_ID_SYSTEM, value: EVENT_ID }]),
    });
    for (const resource of [serviceRequest, task]) expect(errorsOf(validateResource(resource))).toEqual([]);
    expect(JSON.stringify(plan.then.map(build))).not.toContain('urn:uuid:');
  });

  it.each([
    ['probation.enforcement.decided', ['Communication']],
    ['probation.requirement.terminated', ['ServiceRequest', 'Task']],
    ['pathway.deadline.missed', ['Task']],
    ['court.review.listed', ['Appointment']],
    ['court.review.resulted', ['Appointment', 'Appointment']],
  ] as const)('writes %s to the service as %p about the person, valid R4', (type, resourceTypes) => {
    const plan = planProviderWrites(type, fixtureBundle(type), EVENT_ID, 'sl-drug-alcohol-service');
    if (plan.kind !== 'writes') throw new Error(plan.reason);
    const written = plan.then.map(build);
    expect(written.map((resource) => resource.resourceType)).toEqual(resourceTypes);
    for (const resource of written) {
      expect(errorsOf(validateResource(resource))).toEqual([]);
      expect(JSON.stringify(resource)).toContain('Patient/p1');
    }
    expect(new Set(plan.then.map((step) => `${step.build({}).resourceType} ${step.query}`)).size).toBe(written.length);
    expect(JSON.stringify(written)).not.toContain('urn:uuid:');
  });

  it('keeps the court review outcome and the next review on the Appointments', () => {
    const plan = planProviderWrites('court.review.resulted', fixtureBundle('court.review.resulted'), EVENT_ID);
    if (plan.kind !== 'writes') throw new Error(plan.reason);
    const [review, next] = plan.then.map(build);
    expect(review).toMatchObject({ status: 'fulfilled', start: '2026-07-07T10:00:00+01:00' });
    expect(JSON.stringify(review)).toContain('progress-satisfactory');
    expect(next).toMatchObject({ status: 'booked', start: '2026-08-04T10:00:00+01:00' });
  });

  it.each([
    'court.hearing.resulted',
    'ld.screening.completed',
    'gp.registration.checked',
    'gp.registration.changed',
    'consent.recorded',
    'consent.withdrawn',
  ] as const)('acknowledges %s with a reason, writing nothing', (type) => {
    const plan = planProviderWrites(type, fixtureBundle(type), EVENT_ID, 'slam-mhtr');
    expect(plan).toMatchObject({ kind: 'nothing-for-provider', reason: expect.any(String) });
  });

  it('has a plan for every event type the agreements deliver to a treatment provider (either kind)', () => {
    const delivered = eventTypesDeliveredTo('mh-provider', 'drug-alcohol-service');
    expect(delivered.length).toBeGreaterThan(10);
    expect(delivered.filter((type) => !(PROVIDER_INBOX_EVENT_TYPES as readonly string[]).includes(type))).toEqual([]);
  });

  it.each([null, 'text', { resourceType: 'Patient' }, { resourceType: 'Bundle', entry: 'nonsense' }])(
    'does not throw on a body that is not a usable Bundle (%p)',
    (body) => {
      expect(planProviderWrites('treatment.referral.requested', body, EVENT_ID).kind).toBe('unusable');
    },
  );
});
