import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { bootSandbox, TestReceiver } from './sandbox-test-kit';

const FIXTURES = join(__dirname, '..', '..', '..', 'libs', 'fhir', 'test', 'fixtures', 'partner');
const fixture = (folder: string, name: string): unknown =>
  JSON.parse(readFileSync(join(FIXTURES, folder, `${name}.json`), 'utf8')) as unknown;

describe('HMCTS stand-in: Common Platform sender and Libra daily lists', () => {
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
    await request(app.getHttpServer()).delete('/sandbox/hmcts/received').expect(200);
  });

  it('given a fixture name, when sending a hearing, then the adapter receives the fixture at POST /hearing/{id}', async () => {
    const answer = await request(app.getHttpServer())
      .post('/sandbox/hmcts/croydon-mc/send/hearing')
      .send({ fixture: 'hearing-listed-multi-defendant' })
      .expect(200);

    const [received] = await receiver.waitFor(1);
    expect(received.method).toBe('POST');
    expect(received.url).toBe('/croydon-mc/hearing/3f2b7c1e-9d4a-4b8e-a6c5-2e1f0d9c8b7a');
    expect(received.headers['content-type']).toContain('application/json');
    expect(received.body).toEqual(fixture('common-platform', 'hearing-listed-multi-defendant'));
    expect(answer.body).toMatchObject({
      adapterStatus: 202,
      method: 'POST',
      url: `${receiver.url}/croydon-mc/hearing/3f2b7c1e-9d4a-4b8e-a6c5-2e1f0d9c8b7a`,
    });
  });

  it('sends results to POST /hearing/{id}/result, deletions as DELETE /hearing/{id}, and Libra lists to POST /libra/daily-list', async () => {
    const server = app.getHttpServer();
    await request(server)
      .post('/sandbox/hmcts/camberwell-green-mc/send/result')
      .send({ fixture: 'hearing-resulted-community-order-mhtr-atr' })
      .expect(200);
    await request(server)
      .post('/sandbox/hmcts/camberwell-green-mc/send/hearing-deletion')
      .send({ hearingId: '8c7d6e5f-4a3b-4c2d-9e1f-0a9b8c7d6e5f' })
      .expect(200);
    await request(server)
      .post('/sandbox/hmcts/camberwell-green-mc/send/daily-list')
      .send({ fixture: 'daily-list-croydon' })
      .expect(200);

    const [result, deletion, dailyList] = await receiver.waitFor(3);
    expect([result.method, result.url]).toEqual([
      'POST',
      '/camberwell-green-mc/hearing/8c7d6e5f-4a3b-4c2d-9e1f-0a9b8c7d6e5f/result',
    ]);
    expect(result.body).toEqual(fixture('common-platform', 'hearing-resulted-community-order-mhtr-atr'));
    expect([deletion.method, deletion.url, deletion.body]).toEqual([
      'DELETE',
      '/camberwell-green-mc/hearing/8c7d6e5f-4a3b-4c2d-9e1f-0a9b8c7d6e5f',
      undefined,
    ]);
    expect([dailyList.method, dailyList.url]).toEqual(['POST', '/camberwell-green-mc/libra/daily-list']);
    expect(dailyList.body).toEqual(fixture('libra', 'daily-list-croydon'));
  });

  it('sends a hearing given as the body itself, to the targetUrl given instead of the configured adapter', async () => {
    const hearing = { hearing: { id: 'abc-123', prosecutionCases: [] } };
    await request(app.getHttpServer())
      .post('/sandbox/hmcts/croydon-mc/send/hearing')
      .query({ targetUrl: `${receiver.url}/elsewhere/hearing/abc-123` })
      .send(hearing)
      .expect(200);
    const [received] = await receiver.waitFor(1);
    expect(received.url).toBe('/elsewhere/hearing/abc-123');
    expect(received.body).toEqual(hearing);
  });

  it('records each send with the adapter status, and finds it by a defendant identifier', async () => {
    receiver.status = 500;
    const answer = await request(app.getHttpServer())
      .post('/sandbox/hmcts/croydon-mc/send/hearing')
      .send({ fixture: 'hearing-listed-multi-defendant' })
      .expect(200);
    expect(answer.body.adapterStatus).toBe(500);

    const byPnc = await request(app.getHttpServer())
      .get('/sandbox/hmcts/received')
      .query({ identifier: '2019/0046512V' })
      .expect(200);
    expect(byPnc.body.records).toHaveLength(1);
    expect(byPnc.body.records[0]).toMatchObject({
      kind: 'hmcts',
      partnerId: 'croydon-mc',
      direction: 'sent',
      status: 500,
      id: answer.body.recordId,
    });
    const byOther = await request(app.getHttpServer())
      .get('/sandbox/hmcts/received')
      .query({ identifier: 'X999999' })
      .expect(200);
    expect(byOther.body.records).toEqual([]);
  });

  it('answers bad send requests with an OperationOutcome', async () => {
    const server = app.getHttpServer();
    const unknownFixture = await request(server)
      .post('/sandbox/hmcts/croydon-mc/send/hearing')
      .send({ fixture: 'no-such-hearing' })
      .expect(404);
    expect(unknownFixture.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'not-found', expression: ['fixture'] }],
    });
    expect(unknownFixture.body.issue[0].diagnostics).toContain('hearing-listed-multi-defendant');
    const noHearingId = await request(server)
      .post('/sandbox/hmcts/croydon-mc/send/hearing')
      .send({ hearing: {} })
      .expect(400);
    expect(noHearingId.body.issue[0].expression).toEqual(['hearing.id']);
    const notACourt = await request(server)
      .post('/sandbox/hmcts/slam-mhtr/send/hearing')
      .send({ fixture: 'hearing-listed-multi-defendant' })
      .expect(404);
    expect(notACourt.body.resourceType).toBe('OperationOutcome');
    expect(receiver.requests).toEqual([]);
  });

  it('answers 502 when the adapter cannot be reached, and still records the attempt', async () => {
    const answer = await request(app.getHttpServer())
      .post('/sandbox/hmcts/croydon-mc/send/hearing-deletion')
      .send({ hearingId: 'gone-1', targetUrl: 'http://127.0.0.1:1/hearing/gone-1' })
      .expect(502);
    expect(answer.body.issue[0].code).toBe('transient');
    const records = (await request(app.getHttpServer()).get('/sandbox/hmcts/received').query({ partner: 'croydon-mc' }))
      .body.records;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ method: 'DELETE', status: null, url: 'http://127.0.0.1:1/hearing/gone-1' });
    expect(records[0].error).toBeTruthy();
  });
});
