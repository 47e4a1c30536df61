import type { FhirResource, Subscription } from 'fhir/r4';
import type { ProviderFhirClient } from '../provider/provider-fhir.client';
import type { SecondaryCareAdapterConfig } from '../secondary-care-adapter.config';
import { patientIdOf } from './provider-change-intake';
import { SubscriptionRegistrar } from './subscription-registrar';

const partner = { partnerId: 'slam-mhtr', name: 'SLaM', fhirBaseUrl: 'http://fhir.test/base', subscriptions: true };
const config = { ADAPTER_PUBLIC_URL: 'http://adapter.test:3105' } as SecondaryCareAdapterConfig;
const ENDPOINT = 'http://adapter.test:3105/fhir-notifications';

function fakeServer(supportsSubscriptions: boolean, existing: Subscription[] = []) {
  const created: FhirResource[] = [];
  const fhir = {
    capabilityStatement: async () => ({
      kind: 'ok',
      resource: {
        resourceType: 'CapabilityStatement',
        rest: [{ resource: [{ type: 'Appointment' }, ...(supportsSubscriptions ? [{ type: 'Subscription' }] : [])] }],
      },
    }),
    search: async () => ({ kind: 'ok', resource: existing }),
    create: async (resource: FhirResource) => {
      created.push(resource);
      return { kind: 'ok', resource: { ...resource, id: `s${created.length}` } };
    },
  } as unknown as ProviderFhirClient;
  return { fhir, created };
}

describe('SubscriptionRegistrar', () => {
  it('creates one rest-hook Subscription per followed resource type, pointing at /fhir-notifications', async () => {
    const { fhir, created } = fakeServer(true);
    await expect(new SubscriptionRegistrar(fhir, partner, config).register()).resolves.toBe(
      'created for Appointment, Task, RiskAssessment, EpisodeOfCare, Consent',
    );
    expect(created).toHaveLength(5);
    expect(created[0]).toMatchObject({
      resourceType: 'Subscription',
      criteria: 'Appointment',
      channel: { type: 'rest-hook', endpoint: ENDPOINT },
    });
  });

  it('creates only what is missing (a restart does not duplicate them)', async () => {
    const existing: Subscription[] = ['Appointment', 'Task'].map((criteria) => ({
      resourceType: 'Subscription',
      status: 'active',
      reason: 'r',
      criteria,
      channel: { type: 'rest-hook', endpoint: ENDPOINT },
    }));
    const { fhir, created } = fakeServer(true, existing);
    await new SubscriptionRegistrar(fhir, partner, config).register();
    expect(created.map((resource) => (resource as Subscription).criteria)).toEqual([
      'RiskAssessment',
      'EpisodeOfCare',
      'Consent',
    ]);
  });

  it('registers nothing when the server has no Subscription, the partner turned them off, or no public URL is set', async () => {
    const unsupported = fakeServer(false);
    await expect(new SubscriptionRegistrar(unsupported.fhir, partner, config).register()).resolves.toMatch(
      /not supported/,
    );
    const off = fakeServer(true);
    await expect(
      new SubscriptionRegistrar(off.fhir, { ...partner, subscriptions: false }, config).register(),
    ).resolves.toMatch(/off/);
    const noUrl = fakeServer(true);
    await expect(
      new SubscriptionRegistrar(noUrl.fhir, partner, {} as SecondaryCareAdapterConfig).register(),
    ).resolves.toMatch(/ADAPTER_PUBLIC_URL/);
    expect([...unsupported.created, ...off.created, ...noUrl.created]).toHaveLength(0);
  });
});

describe('patientIdOf', () => {
  it.each([
    [
      {
        resourceType: 'Appointment',
        status: 'noshow',
        participant: [{ actor: { reference: '#clin' } }, { actor: { reference: 'Patient/p-1' } }],
      },
      'p-1',
    ],
    [
      {
        resourceType: 'Task',
        status: 'accepted',
        intent: 'order',
        for: { reference: 'http://fhir.test/base/Patient/p2' },
      },
      'p2',
    ],
    [{ resourceType: 'EpisodeOfCare', status: 'finished', patient: { reference: 'Patient/p3' } }, 'p3'],
    [{ resourceType: 'RiskAssessment', status: 'final', subject: { reference: 'Group/g1' } }, undefined],
  ])('finds the Patient of %j', (resource, expected) => {
    expect(patientIdOf(resource as FhirResource)).toBe(expected);
  });
});
