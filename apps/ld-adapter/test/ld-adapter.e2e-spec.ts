import { randomUUID } from 'node:crypto';
import type * as amqp from 'amqplib';
import request from 'supertest';
import { AmqpHeaders, deadLetterQueue, partnerInboxQueue } from '@cstr/contracts';
import {
  AppsUnderTest,
  BrokerFixture,
  HubDeliveries,
  IngressTap,
  PartnersFileCopy,
  SandboxProcess,
  eventually,
  testEnvironment,
  type AppUnderTest,
} from '@cstr/testing';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { ldAdapterApp } from '../src/ld-adapter.app';

const PARTNER_ID = 'sl-liaison-diversion';

describe('ld-adapter against the broker, the database and the sandbox', () => {
  const env = testEnvironment();
  const apps = new AppsUnderTest(env);
  let adapter: AppUnderTest;
  let adapterUrl: string;
  let sandbox: SandboxProcess;
  let partners: PartnersFileCopy;
  let broker: BrokerFixture;
  let tap: IngressTap;
  let hub: HubDeliveries;

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    tap = await IngressTap.open(env.rabbitAdminUrl, PARTNER_ID);
    hub = await HubDeliveries.open(env.hubUrl, 'ld-adapter-test');
    sandbox = await SandboxProcess.start(env);
    partners = PartnersFileCopy.write(sandbox.url);
    adapter = await apps.start(ldAdapterApp, env.partnerUrls[PARTNER_ID], {
      PARTNER_ID,
      PARTNERS_FILE: partners.path,
      ...sandbox.credentials.adapterEnv(PARTNER_ID),
      // One retry after 1 s (a delay queue the stack provisions), then the DLQ.
      RETRY_DELAYS_MS: '1000',
    });
    adapterUrl = adapter.url;
  }, 120_000);

  afterAll(async () => {
    await apps.stopAll();
    await sandbox?.stop();
    await hub?.close();
    await tap?.close();
    await broker?.close();
    partners?.remove();
  });

  it('turns a screening the L&D system pushes into ld.screening.completed and consent.recorded for the hub', async () => {
    const sent = await request(sandbox.url)
      .post(`/sandbox/ld/${PARTNER_ID}/send/screening`)
      .send({ fixture: 'screening-custody-consent-given', targetUrl: `${adapterUrl}/screenings` })
      .expect(200);
    expect(sent.body.adapterStatus).toBe(202);
    const types = await eventually(
      async () => tap.types(),
      (seen) => seen.includes('ld.screening.completed') && seen.includes('consent.recorded'),
      15_000,
    );
    expect(types).toEqual(expect.arrayContaining(['ld.screening.completed', 'consent.recorded']));
  });

  it('refuses a screening without a bearer token and with a court’s token (401), publishing nothing', async () => {
    const before = tap.types().length;
    const anonymous = await request(adapterUrl).post('/screenings').send({}).expect(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(anonymous.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    const { body } = await sandbox.call('POST', '/sandbox/oauth/partner-token', { partnerId: 'croydon-mc' });
    const court = await request(adapterUrl)
      .post('/screenings')
      .set('authorization', `Bearer ${body.access_token as string}`)
      .send({})
      .expect(401);
    expect(court.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'login', diagnostics: expect.stringContaining('claim aud') }],
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(tap.types()).toHaveLength(before);
  });

  /** Delivers court.hearing.listed to this partner's inbox, as the hub does, `copies` times. */
  async function deliverHearingListed(eventId: string, copies: number): Promise<void> {
    const input = loadEventFixture('court.hearing.listed');
    await hub.deliver(
      PARTNER_ID,
      { ...input, envelope: { ...input.envelope, eventId, destination: PARTNER_ID } },
      copies,
    );
  }

  it('posts a "listed today" alert to the L&D system for a court.hearing.listed the hub delivers, once per event', async () => {
    const eventId = randomUUID();
    // Delivered twice (a redelivery): the adapter applies it once.
    await deliverHearingListed(eventId, 2);
    const alerts = await eventually(
      async () =>
        (
          (await request(sandbox.url).get(`/sandbox/ld/received?partner=${PARTNER_ID}`)).body as {
            records: { url: string; status: number; body?: { externalReference?: string } }[];
          }
        ).records.filter((record) => record.body?.externalReference === eventId),
      (records) => records.length >= 1,
      15_000,
    );
    expect(alerts[0]).toMatchObject({
      url: `/sandbox/ld/${PARTNER_ID}/alerts`,
      status: 201,
      body: { externalReference: eventId, listedOn: '2026-05-12', court: { code: 'B01CY00' } },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const again = (
      (await request(sandbox.url).get(`/sandbox/ld/received?partner=${PARTNER_ID}`)).body as {
        records: { body?: { externalReference?: string } }[];
      }
    ).records.filter((record) => record.body?.externalReference === eventId);
    expect(again).toHaveLength(1);
  });

  it('retries while the L&D system is down, then parks the delivery in the dead-letter queue', async () => {
    await sandbox.stop();
    const eventId = randomUUID();
    await deliverHearingListed(eventId, 1);
    const dlq = deadLetterQueue(partnerInboxQueue(PARTNER_ID));
    const dead: amqp.GetMessage[] = [];
    await eventually(
      async () => dead.push(...(await broker.drain(dlq))),
      () => dead.some((message) => message.properties.messageId === eventId),
      15_000,
      200,
    );
    const parked = dead.find((message) => message.properties.messageId === eventId);
    expect(Number(parked?.properties.headers?.[AmqpHeaders.attempt])).toBe(2);
    expect(String(parked?.properties.headers?.[AmqpHeaders.failureReason])).toContain('could not be reached');
  });
});
