import type { FhirResource, Subscription } from 'fhir/r4';
import type { ProviderFhirClient } from '../provider/provider-fhir.client';
import type { SecondaryCareAdapterConfig } from '../secondary-care-adapter.config';
import { patientIdOf } from './provider-change-intake';
import { SubscriptionRegistrar } from './subscription-registrar';
import type { SubscriptionSecrets } from './subscription-secrets';

const partner = { partnerId: 'slam-mhtr', name: 'SLaM', fhirBaseUrl: 'http://fhir.test/base', subscriptions: true };
const config = { ADAPTER_PUBLIC_URL: 'http://adapter.test:3105' } as SecondaryCareAdapterConfig;
const ENDPOINT = 'http://adapter.test:3105/fhir-notifications';

/** The adapter's table of secrets, in memory: subscription id → secret. */
function fakeSecrets(known: Record<string, string> = {}) {
  const remembered = new Map(Object.entries(known));
  const secrets = {
    known: async () => new Set(remembered.keys()),
    remember: async (id: string, _criteria: string, _endpoint: string, secret: string) => {
      remembered.set(id, secret);
    },
  } as unknown as SubscriptionSecrets;
  return { secrets, remembered };
}

function fakeServer(supportsSubscriptions: boolean, existing: Subscription[] = []) {
  const created: FhirResource[] = [];
  const updated: Subscription[] = [];
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
    update: async (resource: Subscription) => {
      updated.push(resource);
      return { kind: 'ok', resource };
    },
  } as unknown as ProviderFhirClient;
  return { fhir, created, updated };
}

describe('SubscriptionRegistrar', () => {
  it('creates one rest-hook Subscription per followed resource type, pointing at /fhir-notifications', async () => {
    const { fhir, created } = fakeServer(true);
    const { secrets, remembered } = fakeSecrets();
    await expect(new SubscriptionRegistrar(fhir, partner, config, secrets).register()).resolves.toBe(
      'created for Appointment, Task, RiskAssessment, EpisodeOfCare, Consent, Observation',
    );
    expect(created).toHaveLength(6);
    expect(created[0]).toMatchObject({
      resourceType: 'Subscription',
      criteria: 'Appointment',
      channel: { type: 'rest-hook', endpoint: ENDPOINT },
    });
    // Each with a secret header of its own, remembered under the id the server gave.
    const headers = created.map((resource) => (resource as Subscription).channel.header?.[0]);
    expect(new Set(headers).size).toBe(6);
    expect([...remembered.keys()]).toEqual(['s1', 's2', 's3', 's4', 's5', 's6']);
    expect(headers[0]).toBe(`Authorization: Bearer ${remembered.get('s1')}`);
  });

  it('gives a new secret to one of its Subscriptions whose secret it no longer knows (an update, not a duplicate)', async () => {
    const existing: Subscription[] = ['Appointment', 'Task'].map((criteria, index) => ({
      resourceType: 'Subscription',
      id: `old-${index}`,
      status: 'active',
      reason: 'r',
      criteria,
      channel: { type: 'rest-hook', endpoint: ENDPOINT, header: ['Authorization: Bearer forgotten'] },
    }));
    const { fhir, created, updated } = fakeServer(true, existing);
    const { secrets, remembered } = fakeSecrets({ 'old-0': 'still-known' });
    await new SubscriptionRegistrar(fhir, partner, config, secrets).register();
    expect(updated.map((subscription) => subscription.id)).toEqual(['old-1']);
    expect(updated[0].channel.header).toEqual([`Authorization: Bearer ${remembered.get('old-1')}`]);
    expect(remembered.get('old-1')).not.toBe('forgotten');
    expect(remembered.get('old-0')).toBe('still-known');
    expect(created.map((resource) => (resource as Subscription).criteria)).toEqual([
      'RiskAssessment',
      'EpisodeOfCare',
      'Consent',
      'Observation',
    ]);
  });

  it('creates only what is missing (a restart does not duplicate them)', async () => {
    const existing: Subscription[] = ['Appointment', 'Task'].map((criteria, index) => ({
      resourceType: 'Subscription',
      id: `e${index}`,
      status: 'active',
      reason: 'r',
      criteria,
      channel: { type: 'rest-hook', endpoint: ENDPOINT },
    }));
    const { fhir, created } = fakeServer(true, existing);
    await new SubscriptionRegistrar(fhir, partner, config, fakeSecrets({ e0: 'a', e1: 'b' }).secrets).register();
    expect(created.map((resource) => (resource as Subscription).criteria)).toEqual([
      'RiskAssessment',
      'EpisodeOfCare',
      'Consent',
      'Observation',
    ]);
  });

  it('registers nothing when the server has no Subscription, the partner turned them off, or no public URL is set', async () => {
    const unsupported = fakeServer(false);
    await expect(
      new SubscriptionRegistrar(unsupported.fhir, partner, config, fakeSecrets().secrets).register(),
    ).resolves.toMatch(/not supported/);
    const off = fakeServer(true);
    await expect(
      new SubscriptionRegistrar(
        off.fhir,
        { ...partner, subscriptions: false },
        config,
        fakeSecrets().secrets,
      ).register(),
    ).resolves.toMatch(/off/);
    const noUrl = fakeServer(true);
    await expect(
      new SubscriptionRegistrar(
        noUrl.fhir,
        partner,
        {} as SecondaryCareAdapterConfig,
        fakeSecrets().secrets,
      ).register(),
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
