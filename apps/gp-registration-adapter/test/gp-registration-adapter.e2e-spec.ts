import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  AppsUnderTest,
  HubDeliveries,
  IngressTap,
  PartnersFileCopy,
  SandboxProcess,
  eventually,
  testEnvironment,
  type AppUnderTest,
} from '@cstr/testing';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { gpRegistrationAdapterApp } from '../src/gp-registration-adapter.app';

const PARTNER_ID = 'pds-gp-registration';

describe('gp-registration-adapter against the broker, the database and the sandbox', () => {
  const env = testEnvironment();
  const apps = new AppsUnderTest(env);
  let adapter: AppUnderTest;
  let adapterUrl: string;
  let sandbox: SandboxProcess;
  let partners: PartnersFileCopy;
  let tap: IngressTap;
  let hub: HubDeliveries;

  beforeAll(async () => {
    tap = await IngressTap.open(env.rabbitAdminUrl, PARTNER_ID);
    hub = await HubDeliveries.open(env.hubUrl, 'gp-adapter-test');
    sandbox = await SandboxProcess.start(env);
    partners = PartnersFileCopy.write(sandbox.url);
    adapter = await apps.start(gpRegistrationAdapterApp, env.partnerUrls[PARTNER_ID], {
      PARTNER_ID,
      PARTNERS_FILE: partners.path,
      // Its private key for PDS's token endpoint (the sandbox has the public key).
      ...sandbox.credentials.adapterEnv(PARTNER_ID),
    });
    adapterUrl = adapter.url;
  }, 120_000);

  afterAll(async () => {
    await apps.stopAll();
    await sandbox?.stop();
    await hub?.close();
    await tap?.close();
    partners?.remove();
  });

  it('reads PDS when the hub delivers a sentence, and publishes gp.registration.checked caused by it', async () => {
    const eventId = randomUUID();
    const input = loadEventFixture('court.sentence.imposed');
    await hub.deliver(PARTNER_ID, {
      ...input,
      envelope: { ...input.envelope, eventId, destination: PARTNER_ID },
      person: { ...input.person, identifiers: { ...input.person.identifiers, nhsNumber: '9990000123' } },
    });
    const [checked] = await eventually(
      async () => tap.messages.filter((message) => message.properties.correlationId === eventId),
      (messages) => messages.length >= 1,
      15_000,
    );
    expect(checked.properties.type).toBe('gp.registration.checked');
    expect(checked.content.toString('utf8')).toContain('H85026');
    const reads = (
      (await request(sandbox.url).get(`/sandbox/pds/received?partner=${PARTNER_ID}&identifier=9990000123`)).body as {
        records: { url: string; status: number }[];
      }
    ).records;
    expect(reads.some((record) => record.url.endsWith('/Patient/9990000123') && record.status === 200)).toBe(true);
  });

  it('refuses a change-of-GP notification without a bearer token and with an L&D service’s token (401)', async () => {
    const notification = { specversion: '1.0', id: randomUUID(), type: 'pds-change-of-gp-2', subject: '9990000565' };
    const anonymous = await request(adapterUrl).post('/notifications').send(notification).expect(401);
    expect(anonymous.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    const { body } = await sandbox.call('POST', '/sandbox/oauth/partner-token', { partnerId: 'sl-liaison-diversion' });
    const other = await request(adapterUrl)
      .post('/notifications')
      .set('authorization', `Bearer ${body.access_token as string}`)
      .send(notification)
      .expect(401);
    expect(other.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'login', diagnostics: expect.stringContaining('claim aud') }],
    });
  });

  it('reads PDS with a token from a private-key JWT client assertion; PDS refuses a read without one', async () => {
    const token = await fetch(`${sandbox.url}/sandbox/pds/${PARTNER_ID}/Patient/9990000123`);
    expect(token.status).toBe(401);
    expect(await token.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
  });

  it('follows a change-of-GP signal: fetches the dataref and publishes checked and changed', async () => {
    const before = tap.messages.length;
    const sent = await request(sandbox.url)
      .post(`/sandbox/pds/${PARTNER_ID}/send/change-of-gp`)
      .send({ nhsNumber: '9990000565', odsCode: 'H85026', targetUrl: `${adapterUrl}/notifications` })
      .expect(200);
    expect(sent.body.adapterStatus).toBe(202);
    const types = await eventually(
      async () => tap.types().slice(before),
      (seen) => seen.includes('gp.registration.changed'),
      15_000,
    );
    expect(types).toEqual(expect.arrayContaining(['gp.registration.checked', 'gp.registration.changed']));
  });
});
