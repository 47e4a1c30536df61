import { randomUUID } from 'node:crypto';
import { INGRESS_EXCHANGE, ingressRoutingKey } from '@cstr/contracts';
import { EVENT_ID_SYSTEM, type EventInput } from '@cstr/fhir';
import {
  AppsUnderTest,
  BrokerFixture,
  HubDeliveries,
  PartnersFileCopy,
  SandboxProcess,
  eventually,
  freePort,
  testEnvironment,
  uniqueName,
} from '@cstr/testing';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { partnerFixture } from '@cstr/fixtures/fhir/partner/partner-fixtures';
import { secondaryCareAdapterApp } from '../src/secondary-care-adapter.app';

const PARTNER = 'slam-mhtr';
const FHIR = `/sandbox/fhir/${PARTNER}`;

/**
 * The secondary-care-adapter against the real broker and database, writing to the FHIR stand-in
 * of the partner sandbox.
 */
describe('secondary-care-adapter end to end', () => {
  const env = testEnvironment();
  const apps = new AppsUnderTest(env);
  let sandbox: SandboxProcess;
  let partners: PartnersFileCopy;
  let hub: HubDeliveries;

  beforeAll(async () => {
    sandbox = await SandboxProcess.start(env);
    partners = PartnersFileCopy.write(sandbox.url);
    hub = await HubDeliveries.open(env.hubUrl, 'secondary-care-adapter-e2e');
  }, 90_000);

  afterAll(async () => {
    await hub?.close();
    await apps.stopAll();
    await sandbox?.stop();
    partners?.remove();
  });

  /** Boots an adapter instance (slam-mhtr unless `extra` says otherwise) with a fresh schema: no memory of earlier deliveries. */
  async function startAdapter(extra: Record<string, string> = {}): Promise<void> {
    await apps.start(secondaryCareAdapterApp, env.partnerUrls[PARTNER], {
      PARTNER_ID: PARTNER,
      PARTNERS_FILE: partners.path,
      // Its client secret for the provider's token endpoint (registered with the sandbox's issuer).
      ...sandbox.credentials.adapterEnv(extra.PARTNER_ID ?? PARTNER),
      ...extra,
    });
  }

  async function stopAdapters(): Promise<void> {
    await apps.stopAll();
  }

  async function deliver(input: EventInput): Promise<void> {
    await hub.deliver(PARTNER, input);
  }

  async function search(type: string, query: string): Promise<{ resource: { id: string; [key: string]: unknown } }[]> {
    const { status, body } = await sandbox.call('GET', `${FHIR}/${type}?${query}`);
    if (status !== 200) throw new Error(`search ${type} answered ${status}`);
    return (body.entry ?? []) as { resource: { id: string; [key: string]: unknown } }[];
  }

  it('creates the ServiceRequest and Task of a referral once, even when redelivered to an adapter that forgot it', async () => {
    const referral = structuredClone(loadEventFixture('treatment.referral.requested'));
    referral.envelope.eventId = randomUUID();
    const byEvent = `identifier=${encodeURIComponent(`${EVENT_ID_SYSTEM}|${referral.envelope.eventId}`)}`;
    await startAdapter();
    await deliver(referral);
    const [task] = await eventually(
      () => search('Task', byEvent),
      (found) => found.length > 0,
      15_000,
    );
    const [serviceRequest] = await search('ServiceRequest', byEvent);
    expect(serviceRequest.resource).toMatchObject({
      resourceType: 'ServiceRequest',
      subject: { reference: expect.stringMatching(/^Patient\//) },
    });
    expect(task.resource).toMatchObject({
      status: 'requested',
      focus: { reference: `ServiceRequest/${serviceRequest.resource.id}` },
    });

    // A new instance with an empty schema has no record of the delivery: only conditional create stops a duplicate.
    await stopAdapters();
    await startAdapter();
    await deliver(referral);
    await eventually(
      async () =>
        (await sandbox.call('GET', `/sandbox/fhir/received?partner=${PARTNER}`)).body.records as {
          url: string;
          status: number;
        }[],
      (records) => records.filter((record) => record.url.endsWith('/Task') && record.status === 200).length > 0,
      15_000,
    );
    expect(await search('Task', byEvent)).toHaveLength(1);
    expect(await search('ServiceRequest', byEvent)).toHaveLength(1);
    const patients = await search(
      'Patient',
      `identifier=${encodeURIComponent('https://fhir.nhs.uk/Id/nhs-number|9434765919')}`,
    );
    expect(patients).toHaveLength(1);
  });

  it('registers rest-hook Subscriptions at boot, and turns an Appointment set to noshow into treatment.appointment.missed on cstr.ingress', async () => {
    const broker = await BrokerFixture.open(env.rabbitAdminUrl);
    const ingressQueue = uniqueName('secondary_care_ingress_test');
    try {
      await broker.declareQueue(
        ingressQueue,
        [{ exchange: INGRESS_EXCHANGE, pattern: ingressRoutingKey(PARTNER, 'treatment.appointment.missed') }],
        [],
      );
      const port = await freePort();
      await startAdapter({ HTTP_PORT: String(port), ADAPTER_PUBLIC_URL: `http://127.0.0.1:${port}` });
      const subscriptions = await search('Subscription', 'status=active');
      expect(subscriptions.map((entry) => entry.resource.criteria).sort()).toEqual([
        'Appointment',
        'Consent',
        'EpisodeOfCare',
        'Observation',
        'RiskAssessment',
        'Task',
      ]);
      // Each with a secret of its own in channel.header; a notification without it, or with another, is refused.
      const headers = subscriptions.map(
        (entry) => ((entry.resource.channel as { header?: string[] }).header ?? [])[0] ?? '',
      );
      expect(headers.every((header) => /^Authorization: Bearer \S{40,}$/.test(header))).toBe(true);
      expect(new Set(headers).size).toBe(6);
      const history = { resourceType: 'Bundle', type: 'history', entry: [] };
      for (const authorization of [undefined, 'Bearer not-the-secret', `Bearer ${'A'.repeat(43)}`]) {
        const refused = await fetch(`http://127.0.0.1:${port}/fhir-notifications`, {
          method: 'POST',
          headers: { 'content-type': 'application/fhir+json', ...(authorization ? { authorization } : {}) },
          body: JSON.stringify(history),
        });
        expect(refused.status).toBe(401);
        expect(await refused.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
      }
      // The provider's FHIR server takes only the adapter's token (or its own staff's): none is refused.
      expect((await fetch(`${sandbox.url}${FHIR}/Subscription?status=active`)).status).toBe(401);

      const patient = await sandbox.call('POST', `${FHIR}/Patient`, partnerFixture('provider', 'patient.json'));
      const appointment = partnerFixture('provider', 'appointment-noshow-unacceptable.json') as {
        participant: { actor: { reference: string } }[];
      };
      appointment.participant[0].actor.reference = `Patient/${String(patient.body.id)}`;
      const created = await sandbox.call('POST', `${FHIR}/Appointment`, appointment);
      expect(created.status).toBe(201);

      const [message] = await eventually(
        () => broker.drain(ingressQueue),
        (messages) => messages.length > 0,
        15_000,
      );
      expect(message.properties.type).toBe('treatment.appointment.missed');
      const bundle = message.content.toString('utf8');
      expect(bundle).toContain('9990000123');
      expect(bundle).not.toContain('relapse');
    } finally {
      await broker.deleteQueues(ingressQueue);
      await broker.close();
      await stopAdapters();
    }
  });

  it("turns the provider's own Consent into consent.recorded, and its withdrawal (a new version) into consent.withdrawn of the same consent", async () => {
    const broker = await BrokerFixture.open(env.rabbitAdminUrl);
    const ingressQueue = uniqueName('secondary_care_consent_test');
    try {
      await broker.declareQueue(
        ingressQueue,
        [{ exchange: INGRESS_EXCHANGE, pattern: ingressRoutingKey(PARTNER, 'consent.#') }],
        [],
      );
      const port = await freePort();
      await startAdapter({ HTTP_PORT: String(port), ADAPTER_PUBLIC_URL: `http://127.0.0.1:${port}` });
      const patient = await sandbox.call('POST', `${FHIR}/Patient`, partnerFixture('provider', 'patient.json'));
      const consent = partnerFixture('provider', 'consent-share-with-probation.json') as {
        identifier: { value: string }[];
        patient: { reference: string };
      };
      const consentId = `SLAM-CONSENT-${randomUUID()}`;
      consent.identifier[0].value = consentId;
      consent.patient.reference = `Patient/${String(patient.body.id)}`;
      const created = await sandbox.call('POST', `${FHIR}/Consent`, consent);
      expect(created.status).toBe(201);
      const [recorded] = await eventually(
        () => broker.drain(ingressQueue),
        (messages) => messages.length > 0,
        15_000,
      );
      expect(recorded.properties.type).toBe('consent.recorded');
      expect(recorded.fields.routingKey).toBe(ingressRoutingKey(PARTNER, 'consent.recorded'));
      const recordedBundle = recorded.content.toString('utf8');
      expect(recordedBundle).toContain(consentId);
      // The recipients as the provider named them: the hub resolves N07 to every London probation team.
      expect(recordedBundle).toContain('"N07"');
      expect(recordedBundle).not.toContain('sister');

      const withdrawn = await sandbox.call('PUT', `${FHIR}/Consent/${String(created.body.id)}`, {
        ...created.body,
        status: 'inactive',
      });
      expect(withdrawn.status).toBe(200);
      const [withdrawal] = await eventually(
        () => broker.drain(ingressQueue),
        (messages) => messages.length > 0,
        15_000,
      );
      expect(withdrawal.properties.type).toBe('consent.withdrawn');
      expect(withdrawal.content.toString('utf8')).toContain(consentId);
    } finally {
      await broker.deleteQueues(ingressQueue);
      await broker.close();
      await stopAdapters();
    }
  });

  it('polls a provider without Subscriptions (_lastUpdated) and publishes a no-show and a consent once each', async () => {
    const partnerId = 'st-andrews-mhtr';
    const fhir = `/sandbox/fhir/${partnerId}`;
    const broker = await BrokerFixture.open(env.rabbitAdminUrl);
    const ingressQueue = uniqueName('st_andrews_ingress_test');
    try {
      await broker.declareQueue(
        ingressQueue,
        [{ exchange: INGRESS_EXCHANGE, pattern: ingressRoutingKey(partnerId, '#') }],
        [],
      );
      await startAdapter({ PARTNER_ID: partnerId, RABBITMQ_URL: env.partnerUrls[partnerId], POLL_INTERVAL_MS: '300' });
      const patient = await sandbox.call('POST', `${fhir}/Patient`, partnerFixture('provider', 'patient.json'));
      const appointment = partnerFixture('provider', 'appointment-noshow-unacceptable.json') as {
        participant: { actor: { reference: string } }[];
      };
      appointment.participant[0].actor.reference = `Patient/${String(patient.body.id)}`;
      expect((await sandbox.call('POST', `${fhir}/Appointment`, appointment)).status).toBe(201);
      const consent = partnerFixture('provider', 'consent-share-with-probation.json') as {
        patient: { reference: string };
      };
      consent.patient.reference = `Patient/${String(patient.body.id)}`;
      expect((await sandbox.call('POST', `${fhir}/Consent`, consent)).status).toBe(201);

      // Each drain takes what has arrived so far: collect until both are in.
      const messages: Awaited<ReturnType<typeof broker.drain>> = [];
      await eventually(
        async () => messages.push(...(await broker.drain(ingressQueue))),
        (count) => count > 1,
        15_000,
      );
      // Several more polling rounds: the same version must not be published again.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      messages.push(...(await broker.drain(ingressQueue)));
      expect(messages.map((message) => message.properties.type).sort()).toEqual([
        'consent.recorded',
        'treatment.appointment.missed',
      ]);
    } finally {
      await broker.deleteQueues(ingressQueue);
      await broker.close();
      await stopAdapters();
    }
  });
});
