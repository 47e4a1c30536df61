import { randomUUID } from 'node:crypto';
import { AmqpHeaders, INGRESS_EXCHANGE, deadLetterQueue, ingressRoutingKey, partnerInboxQueue } from '@cstr/contracts';
import type { EventInput } from '@cstr/fhir';
import {
  AppsUnderTest,
  BrokerFixture,
  HubDeliveries,
  PartnersFileCopy,
  SandboxProcess,
  eventually,
  testEnvironment,
  uniqueName,
} from '@cstr/testing';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { partnerFixture } from '@cstr/fixtures/fhir/partner/partner-fixtures';
import { ndeliusAdapterApp } from '../src/ndelius-adapter.app';

const PARTNER = 'nps-london-croydon';
const DELIUS = `/sandbox/delius/${PARTNER}`;
/** Jordan Marsh: a case the Delius stand-in knows. */
const KNOWN_CRN = 'X412563';

/**
 * The ndelius-adapter against the real broker and database, talking to the Delius stand-in of the
 * partner sandbox: inbox events become contacts and alerts, domain events reach `cstr.ingress`.
 */
describe('ndelius-adapter end to end', () => {
  const env = testEnvironment();
  const apps = new AppsUnderTest(env);
  let sandbox: SandboxProcess;
  let partners: PartnersFileCopy;
  let adapterUrl: string;
  let broker: BrokerFixture;
  let hub: HubDeliveries;
  const ingressQueue = uniqueName('ndelius_ingress_test');

  beforeAll(async () => {
    sandbox = await SandboxProcess.start(env);
    partners = PartnersFileCopy.write(sandbox.url);
    const adapter = await apps.start(ndeliusAdapterApp, env.partnerUrls[PARTNER], {
      PARTNER_ID: PARTNER,
      PARTNERS_FILE: partners.path,
      DELIUS_TIMEOUT_MS: '2000',
      // Its client secret for the Delius API's token endpoint (registered with the sandbox's issuer).
      ...sandbox.credentials.adapterEnv(PARTNER),
    });
    adapterUrl = adapter.url;
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    await broker.declareQueue(
      ingressQueue,
      [{ exchange: INGRESS_EXCHANGE, pattern: ingressRoutingKey(PARTNER, '#') }],
      [],
    );
    hub = await HubDeliveries.open(env.hubUrl, 'ndelius-adapter-e2e');
  }, 90_000);

  afterAll(async () => {
    await hub?.close();
    await broker?.deleteQueues(ingressQueue);
    await broker?.close();
    await apps.stopAll();
    await sandbox?.stop();
    partners?.remove();
  });

  afterEach(async () => {
    await sandbox.call('POST', `${DELIUS}/control`, { failWith: null, delayMs: 0 });
  });

  /** Delivers an event to the partner's inbox as the hub does. */
  async function deliver(input: EventInput): Promise<void> {
    await hub.deliver(PARTNER, input);
  }

  /** The provider's missed-appointment event about `crn`, with a new event id. */
  function missedAppointment(crn: string): EventInput {
    const input = structuredClone(loadEventFixture('treatment.appointment.missed'));
    input.envelope.eventId = randomUUID();
    input.person.identifiers.crn = crn;
    return input;
  }

  async function contactsWith(externalReference: string): Promise<{ type: string; externalReference: string }[]> {
    const { body } = await sandbox.call('GET', `${DELIUS}/case/${KNOWN_CRN}/contacts`);
    return (body.content as { type: string; externalReference: string }[]).filter(
      (contact) => contact.externalReference === externalReference,
    );
  }

  async function alertsWith(externalReference: string): Promise<{ type: string; externalReference?: string }[]> {
    const { body } = await sandbox.call('GET', `${DELIUS}/case/${KNOWN_CRN}/alerts`);
    return (body.content as { type: string; externalReference?: string }[]).filter(
      (alert) => alert.externalReference === externalReference,
    );
  }

  it('writes a missed appointment as one AFTC contact and one alert, even when delivered twice', async () => {
    const event = missedAppointment(KNOWN_CRN);
    await deliver(event);
    await deliver(event);
    const contacts = await eventually(
      () => contactsWith(event.envelope.eventId),
      (found) => found.length > 0,
      15_000,
    );
    expect(contacts).toEqual([expect.objectContaining({ type: 'AFTC', externalReference: event.envelope.eventId })]);
    const alerts = await eventually(
      () => alertsWith(event.envelope.eventId),
      (found) => found.length > 0,
      15_000,
    );
    expect(alerts).toEqual([expect.objectContaining({ type: 'CSTR_APPOINTMENT_MISSED' })]);
    // Give the second delivery time to be handled, then check it wrote nothing more.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await contactsWith(event.envelope.eventId)).toHaveLength(1);
    expect(await alertsWith(event.envelope.eventId)).toHaveLength(1);
  });

  it('takes a contact Delius already holds (an earlier attempt whose acknowledgement was lost) as done', async () => {
    const event = missedAppointment(KNOWN_CRN);
    const earlier = await sandbox.call('POST', `${DELIUS}/case/${KNOWN_CRN}/contacts`, {
      type: 'AFTC',
      date: '2026-06-29',
      externalReference: event.envelope.eventId,
    });
    expect(earlier.status).toBe(201);
    await deliver(event);
    await eventually(
      () => alertsWith(event.envelope.eventId),
      (found) => found.length > 0,
      15_000,
    );
    expect(await contactsWith(event.envelope.eventId)).toHaveLength(1);
  });

  it('retries while Delius is failing, and writes the contact once it is back', async () => {
    await sandbox.call('POST', `${DELIUS}/control`, { failWith: 503, delayMs: 0 });
    const event = missedAppointment(KNOWN_CRN);
    await deliver(event);
    await eventually(
      async () =>
        (await sandbox.call('GET', `/sandbox/delius/received?partner=${PARTNER}`)).body.records as {
          url: string;
          status: number;
          body?: { externalReference?: string };
        }[],
      (records) =>
        records.some((record) => record.status === 503 && record.body?.externalReference === event.envelope.eventId),
      15_000,
    );
    await sandbox.call('POST', `${DELIUS}/control`, { failWith: null, delayMs: 0 });
    const contacts = await eventually(
      () => contactsWith(event.envelope.eventId),
      (found) => found.length > 0,
      20_000,
    );
    expect(contacts).toHaveLength(1);
  });

  it('dead-letters an event about a CRN Delius does not know, with reason unknown-crn', async () => {
    const event = missedAppointment('X000001');
    await deliver(event);
    const dlq = deadLetterQueue(partnerInboxQueue(PARTNER));
    const dead = await eventually(
      async () => (await broker.drain(dlq)).find((message) => message.properties.messageId === event.envelope.eventId),
      (found) => found !== undefined,
      15_000,
    );
    expect(dead?.properties.headers?.[AmqpHeaders.failureCode]).toBe('unknown-crn');
  });

  it('turns a RoSH registration domain event into risk.changed on cstr.ingress, fetching the allow-listed detail', async () => {
    const sent = await sandbox.call('POST', `${DELIUS}/send/domain-event`, {
      fixture: 'registration-added-rosh-high',
      targetUrl: `${adapterUrl}/domain-events`,
    });
    expect(sent.body).toMatchObject({ adapterStatus: 202 });
    const [message] = await eventually(
      () => broker.drain(ingressQueue),
      (messages) => messages.length > 0,
      15_000,
    );
    expect(message.properties.type).toBe('risk.changed');
    expect(message.fields.routingKey).toBe(ingressRoutingKey(PARTNER, 'risk.changed'));
    const bundle = JSON.parse(message.content.toString('utf8'));
    expect(bundle.entry[0].resource.resourceType).toBe('MessageHeader');
    expect(JSON.stringify(bundle)).toContain(KNOWN_CRN);
  });

  it('refuses a domain event whose detailUrl is not allow-listed, and never fetches it', async () => {
    const event = {
      ...(partnerFixture('hmpps', 'registration-added-rosh-high.event.json') as object),
      detailUrl: `${sandbox.url}/sandbox/delius/nps-london-lambeth/detail/registrations/X412563/2500123456`,
    };
    // Signed by the sandbox as SNS signs: the signature is good, the detailUrl is not.
    const target = encodeURIComponent(`${adapterUrl}/domain-events`);
    const sent = await sandbox.call('POST', `${DELIUS}/send/domain-event?targetUrl=${target}`, event);
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      adapterStatus: 422,
      adapterResponse: { resourceType: 'OperationOutcome', issue: [{ code: 'security' }] },
    });
    expect(await broker.depth(ingressQueue)).toBe(0);
  });

  /** The SNS notification the Delius stand-in last pushed (signed), from its received log. */
  async function lastSignedNotification(): Promise<Record<string, string>> {
    const { body } = await sandbox.call('GET', `/sandbox/delius/received?partner=${PARTNER}`);
    const sent = (body.records as { direction: string; body?: Record<string, string> }[]).filter(
      (record) => record.direction === 'sent',
    );
    return sent[sent.length - 1].body as Record<string, string>;
  }

  async function postNotification(notification: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${adapterUrl}/domain-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notification),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('takes SNS signatures of version 1 (SHA1withRSA) and 2 (SHA256withRSA), and refuses a notification unsigned, altered or re-signed elsewhere', async () => {
    for (const version of ['1', '2']) {
      const sent = await sandbox.call('POST', `${DELIUS}/send/domain-event?signatureVersion=${version}`, {
        fixture: 'address-created-ignorable',
        targetUrl: `${adapterUrl}/domain-events`,
      });
      expect(sent.body).toMatchObject({ adapterStatus: 200 });
      expect(await lastSignedNotification()).toMatchObject({ SignatureVersion: version });
    }
    const signed = await lastSignedNotification();
    expect(signed.SigningCertURL).toMatch(/\/sandbox\/sns\/[^/]+\.pem$/);

    const { Signature: _signature, SignatureVersion: _version, SigningCertURL: _url, ...unsigned } = signed;
    const anonymous = await postNotification(unsigned);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });

    // The same signature over another message (a changed CRN): refused.
    const altered = await postNotification({ ...signed, Message: signed.Message.replace('X', 'Y') });
    expect(altered.status).toBe(401);
    expect(altered.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });

    // A certificate from a URL outside the allow-list is never fetched: refused.
    const elsewhere = await postNotification({ ...signed, SigningCertURL: 'http://127.0.0.1:9/evil/cert.pem' });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
    expect(await broker.depth(ingressQueue)).toBe(0);
  });

  it('calls the Delius API with a token of its own client: the stand-in refuses a call without one', async () => {
    const response = await fetch(`${sandbox.url}${DELIUS}/case/${KNOWN_CRN}/contacts`);
    expect(response.status).toBe(401);
    // Every contact the tests above made went through the token endpoint (the stand-in records only accepted API calls).
    const { body } = await sandbox.call('GET', `/sandbox/delius/received?partner=${PARTNER}`);
    const writes = (body.records as { direction: string; method: string; status: number }[]).filter(
      (record) => record.direction === 'received' && record.method === 'POST',
    );
    expect(writes.some((record) => record.status === 201)).toBe(true);
  });
});
