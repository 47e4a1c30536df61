import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { asOperator, bootSandbox, TestReceiver } from './sandbox-test-kit';

const HMPPS = join(__dirname, '..', '..', '..', 'libs', 'fhir', 'test', 'fixtures', 'partner', 'hmpps');
const hmpps = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(HMPPS, `${name}.json`), 'utf8')) as Record<string, unknown>;
const BASE = '/sandbox/delius/nps-london-croydon';

describe('Delius API stand-in', () => {
  let receiver: TestReceiver;
  let app: INestApplication;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    app = await bootSandbox(receiver.url);
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
  });
  beforeEach(async () => {
    receiver.reset();
    await asOperator(app.getHttpServer()).post(`${BASE}/control`).send({ failWith: null, delayMs: 0 }).expect(200);
    await asOperator(app.getHttpServer()).delete('/sandbox/delius/received').expect(200);
  });

  it('serves a seeded case, and answers an unknown CRN 404 with the HMPPS error body (no OperationOutcome)', async () => {
    const known = await asOperator(app.getHttpServer()).get(`${BASE}/case/X412563`).expect(200);
    expect(known.body).toMatchObject({ crn: 'X412563', nhsNumber: '9990000123', pncNumber: '2019/0046512V' });

    const unknown = await asOperator(app.getHttpServer()).get(`${BASE}/case/X000001`).expect(404);
    expect(unknown.body).toEqual({
      status: 404,
      errorCode: 'NOT_FOUND',
      userMessage: 'Person with crn of X000001 not found',
      developerMessage: 'Person with crn of X000001 not found',
    });
    const contact = await asOperator(app.getHttpServer())
      .post(`${BASE}/case/X000001/contacts`)
      .send({ type: 'AFTA', date: '2027-02-03', externalReference: 'r-1' })
      .expect(404);
    expect(contact.body.resourceType).toBeUndefined();
  });

  it('writes a contact once: a repeated externalReference is 409 with the existing contact', async () => {
    const body = {
      type: 'AFTA',
      date: '2027-02-03T09:30:00Z',
      notes: 'Unacceptable absence',
      externalReference: 'urn:cstr:event:1',
    };
    const first = await asOperator(app.getHttpServer()).post(`${BASE}/case/X412563/contacts`).send(body).expect(201);
    expect(first.body).toMatchObject({ crn: 'X412563', type: 'AFTA', externalReference: 'urn:cstr:event:1' });

    const again = await asOperator(app.getHttpServer())
      .post(`${BASE}/case/X412563/contacts`)
      .send({ ...body, notes: 'changed' })
      .expect(409);
    expect(again.body).toMatchObject({ status: 409, errorCode: 'DUPLICATE_EXTERNAL_REFERENCE', moreInfo: first.body });

    const listed = await asOperator(app.getHttpServer()).get(`${BASE}/case/X412563/contacts`).expect(200);
    expect(listed.body.content).toEqual([first.body]);
    // Each Delius stand-in is its own system.
    const other = await asOperator(app.getHttpServer())
      .get('/sandbox/delius/nps-london-lambeth/case/X412563/contacts')
      .expect(200);
    expect(other.body.content).toEqual([]);
  });

  it('refuses a contact of an unknown type or without externalReference (400)', async () => {
    const bad = await asOperator(app.getHttpServer())
      .post(`${BASE}/case/X412563/contacts`)
      .send({ type: 'ZZZZ', date: 'yesterday' })
      .expect(400);
    expect(bad.body.status).toBe(400);
    expect(bad.body.userMessage).toContain('type must be one of ATTC, AFTA, AFTC');
    expect(bad.body.userMessage).toContain('date must be');
    expect(bad.body.userMessage).toContain('externalReference is required');
  });

  it('writes alerts for the responsible officer, and adds cases', async () => {
    const alert = await asOperator(app.getHttpServer())
      .post(`${BASE}/case/X508214/alerts`)
      .send({
        type: 'RISK',
        date: '2027-01-20',
        notes: 'Risk change reported by the treatment provider',
        externalReference: 'a-1',
      })
      .expect(201);
    expect(alert.body).toMatchObject({ crn: 'X508214', type: 'RISK' });
    await asOperator(app.getHttpServer())
      .post(`${BASE}/case/X508214/alerts`)
      .send({ type: 'RISK', date: '2027-01-20', notes: 'again', externalReference: 'a-1' })
      .expect(409);
    await asOperator(app.getHttpServer())
      .post(`${BASE}/case/X508214/alerts`)
      .send({ type: 'RISK', date: '2027-01-20' })
      .expect(400);

    await asOperator(app.getHttpServer()).get(`${BASE}/case/Y123456`).expect(404);
    await asOperator(app.getHttpServer())
      .post(`${BASE}/cases`)
      .send({ crn: 'Y123456', name: { forename: 'Test', surname: 'Person' } })
      .expect(201);
    await asOperator(app.getHttpServer()).get(`${BASE}/case/Y123456`).expect(200);
    await asOperator(app.getHttpServer()).post(`${BASE}/cases`).send({ crn: 'Y123456' }).expect(409);
    await asOperator(app.getHttpServer()).post(`${BASE}/cases`).send({ crn: 'not a crn' }).expect(400);
  });

  it('can be told to fail and to be slow, and then to recover', async () => {
    await asOperator(app.getHttpServer())
      .post(`${BASE}/control`)
      .send({ failWith: 503, delayMs: 0 })
      .expect(200, { failWith: 503, delayMs: 0 });
    const failed = await asOperator(app.getHttpServer()).get(`${BASE}/case/X412563`).expect(503);
    expect(failed.body).toMatchObject({ status: 503, errorCode: 'SANDBOX_FAULT' });
    await asOperator(app.getHttpServer())
      .post(`${BASE}/case/X412563/contacts`)
      .send({ type: 'ATTC', date: '2027-02-10', externalReference: 'slow-1' })
      .expect(503);
    // Other partners' stand-ins are unaffected.
    await asOperator(app.getHttpServer()).get('/sandbox/delius/nps-london-lambeth/case/X412563').expect(200);

    await asOperator(app.getHttpServer()).post(`${BASE}/control`).send({ failWith: null, delayMs: 300 }).expect(200);
    const started = Date.now();
    await asOperator(app.getHttpServer()).get(`${BASE}/case/X412563`).expect(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    await asOperator(app.getHttpServer()).post(`${BASE}/control`).send({ failWith: 200 }).expect(400);
    await asOperator(app.getHttpServer()).get(`${BASE}/control`).expect(200, { failWith: null, delayMs: 300 });
  });

  it('emits a fixture domain event as SNS delivers it, with a detailUrl the stand-in serves', async () => {
    const answer = await asOperator(app.getHttpServer())
      .post(`${BASE}/send/domain-event`)
      .send({ fixture: 'registration-added-rosh-high' })
      .expect(200);

    const [received] = await receiver.waitFor(1);
    expect([received.method, received.url]).toEqual(['POST', '/nps-london-croydon/domain-events']);
    const envelope = received.body as {
      Type: string;
      Message: string;
      MessageAttributes: { eventType: { Value: string } };
    };
    expect(envelope.Type).toBe('Notification');
    expect(envelope.MessageAttributes.eventType.Value).toBe('probation-case.registration.added');
    const event = JSON.parse(envelope.Message) as Record<string, unknown>;
    const { detailUrl, ...rest } = event;
    const { detailUrl: _original, ...fixtureRest } = hmpps('registration-added-rosh-high.event');
    expect(rest).toEqual(fixtureRest);
    expect(answer.body.sent.event.detailUrl).toBe(detailUrl);

    const path = new URL(detailUrl as string).pathname;
    expect(path).toBe(`${BASE}/detail/registrations/X412563/2500123456`);
    const detail = await asOperator(app.getHttpServer()).get(path).expect(200);
    expect(detail.body).toEqual(hmpps('registration-added-rosh-high.detail'));

    const byCrn = await asOperator(app.getHttpServer())
      .get('/sandbox/delius/received')
      .query({ identifier: 'X412563', partner: 'nps-london-croydon' })
      .expect(200);
    expect(
      byCrn.body.records.map((record: { direction: string; method: string }) => `${record.direction} ${record.method}`),
    ).toEqual(['sent POST']);
  });

  it('emits an event given in the body, serving the detail given with it', async () => {
    const event = {
      eventType: 'probation-case.enforcement.decided',
      version: 1,
      occurredAt: '2027-02-04T15:45:00Z',
      personReference: { identifiers: [{ type: 'CRN', value: 'X508214' }] },
    };
    const detail = { person: { crn: 'X508214' }, enforcement: { decision: { code: 'WARNING' } } };
    await asOperator(app.getHttpServer())
      .post(`${BASE}/send/domain-event`)
      .send({ ...event, detail })
      .expect(200);

    const [received] = await receiver.waitFor(1);
    const sent = JSON.parse((received.body as { Message: string }).Message) as Record<string, unknown>;
    expect(sent).toMatchObject(event);
    expect(sent.detail).toBeUndefined();
    const fetched = await asOperator(app.getHttpServer())
      .get(new URL(sent.detailUrl as string).pathname)
      .expect(200);
    expect(fetched.body).toEqual(detail);
    await asOperator(app.getHttpServer()).get(`${BASE}/detail/nothing/here`).expect(404);
  });
});
