import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { bootSandbox, TestReceiver } from './sandbox-test-kit';

const LD = '/sandbox/ld/sl-liaison-diversion';
const SCREENING = join(
  __dirname,
  '..',
  '..',
  '..',
  'libs',
  'fhir',
  'test',
  'fixtures',
  'partner',
  'ld',
  'screening-custody-consent-given.json',
);

const alert = {
  externalReference: 'cstr-alert-0001',
  listedOn: '2026-12-01',
  court: { code: 'B01CY00', name: "Croydon Magistrates' Court" },
  hearingStart: '2026-12-01T10:00:00Z',
  person: { nhsNumber: '9990000123', pncId: '2019/0046512V' },
  screeningId: 'LD-CRO-2026-004512',
};

describe('L&D case system stand-in', () => {
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

  it('posts a screening fixture to POST {adapter}/screenings', async () => {
    await request(app.getHttpServer())
      .post(`${LD}/send/screening`)
      .send({ fixture: 'screening-custody-consent-given' })
      .expect(200);
    const [received] = await receiver.waitFor(1);
    expect([received.method, received.url]).toEqual(['POST', '/sl-liaison-diversion/screenings']);
    expect(received.body).toEqual(JSON.parse(readFileSync(SCREENING, 'utf8')));
  });

  it('receives a listed-today alert once: 201, then 409 with the first for the same externalReference', async () => {
    const first = await request(app.getHttpServer()).post(`${LD}/alerts`).send(alert).expect(201);
    expect(first.body).toMatchObject(alert);
    const again = await request(app.getHttpServer())
      .post(`${LD}/alerts`)
      .send({ ...alert, listedOn: '2026-12-02' })
      .expect(409);
    expect(again.body.alert).toEqual(first.body);
  });

  it('refuses an alert without its required members, naming each', async () => {
    const answer = await request(app.getHttpServer())
      .post(`${LD}/alerts`)
      .send({ court: {}, person: { name: 'x' }, hearingStart: 'soon' })
      .expect(400);
    expect(answer.body.resourceType).toBe('OperationOutcome');
    expect(answer.body.issue.map((issue: { expression: string[] }) => issue.expression[0])).toEqual([
      'externalReference',
      'listedOn',
      'court.code',
      'hearingStart',
      'person',
    ]);
  });

  it('shows what arrived and was sent, filtered by identifier (in any written form) and partner, and forgets it on DELETE', async () => {
    const server = app.getHttpServer();
    const byPnc = await request(server).get('/sandbox/ld/received').query({ identifier: '19/46512V' }).expect(200);
    expect(
      byPnc.body.records.map((record: { direction: string; status: number }) => `${record.direction} ${record.status}`),
    ).toEqual(['sent 202', 'received 201', 'received 409']);
    const byNhs = await request(server)
      .get('/sandbox/ld/received')
      .query({ identifier: '999 000 0123', partner: 'sl-liaison-diversion' })
      .expect(200);
    expect(byNhs.body.records).toHaveLength(3);
    const otherPartner = await request(server)
      .get('/sandbox/ld/received')
      .query({ partner: 'someone-else' })
      .expect(200);
    expect(otherPartner.body.records).toEqual([]);
    expect((await request(server).get('/sandbox/hmcts/received')).body.records).toEqual([]);

    await request(server).delete('/sandbox/ld/received').expect(200, { removed: 4 });
    expect((await request(server).get('/sandbox/ld/received')).body.records).toEqual([]);
    await request(server).get('/sandbox/nowhere/received').expect(404);
  });
});
