import type { EventType } from '@cstr/contracts';
import { EVENT_ID_SYSTEM, REFERRAL_ID_SYSTEM, tryBuildEventBundle, type EventInputOf } from '@cstr/fhir';
import { loadEventFixture } from '../../../../libs/fhir/test/fixtures/events/event-fixtures';
import { planProviderWrites, type PlannedCreate } from './provider-writes';

const EVENT_ID = '5f0c2a8e-3f1d-4b7a-9c55-0a1b2c3d4e5f';

function fixtureBundle<T extends EventType>(type: T, change: (input: EventInputOf<T>) => void = () => undefined): unknown {
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
    const plan = planProviderWrites('treatment.referral.requested', fixtureBundle('treatment.referral.requested'), EVENT_ID);
    if (plan.kind !== 'writes') throw new Error(plan.reason);
    expect(plan.patient.query).toBe('identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919');
    expect(build(plan.patient)).toMatchObject({ resourceType: 'Patient', identifier: expect.arrayContaining([{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' }]) });
    const [serviceRequest, task] = plan.then.map(build);
    expect(plan.then.map((step) => step.query)).toEqual([`identifier=${EVENT_ID_SYSTEM}|${EVENT_ID}`, `identifier=${EVENT_ID_SYSTEM}|${EVENT_ID}`]);
    expect(serviceRequest).toMatchObject({ resourceType: 'ServiceRequest', subject: { reference: 'Patient/p1' }, identifier: expect.arrayContaining([{ system: EVENT_ID_SYSTEM, value: EVENT_ID }]) });
    expect(task).toMatchObject({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      identifier: [{ system: REFERRAL_ID_SYSTEM, value: 'REF-2026-004417' }, { system: EVENT_ID_SYSTEM, value: EVENT_ID }],
      focus: { reference: 'ServiceRequest/sr1' },
      for: { reference: 'Patient/p1' },
    });
  });

  it('leaves no reference to the Bundle entries (urn:uuid) in what it writes', () => {
    const plan = planProviderWrites('treatment.referral.requested', fixtureBundle('treatment.referral.requested'), EVENT_ID);
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
      expect((flag.identifier as { system: string; value: string }[]).some((identifier) => identifier.system === EVENT_ID_SYSTEM && identifier.value.startsWith(EVENT_ID))).toBe(true);
    }
    expect(new Set(plan.then.map((step) => step.query)).size).toBe(plan.then.length);
  });

  it.each([null, 'text', { resourceType: 'Patient' }, { resourceType: 'Bundle', entry: 'nonsense' }])('does not throw on a body that is not a usable Bundle (%p)', (body) => {
    expect(planProviderWrites('treatment.referral.requested', body, EVENT_ID).kind).toBe('unusable');
  });
});
