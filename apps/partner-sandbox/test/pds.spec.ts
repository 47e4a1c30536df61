import type { INestApplication } from '@nestjs/common';
import { asOperator, bootSandbox, TestReceiver } from './sandbox-test-kit';

const PDS = '/sandbox/pds/pds-gp-registration';

describe('PDS-style stand-in', () => {
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
  beforeEach(() => receiver.reset());

  it('gives a registered patient with their GP practice', async () => {
    const answer = await asOperator(app.getHttpServer())
      .get(`${PDS}/Patient/9990000123`)
      .expect(200)
      .expect('content-type', /application\/fhir\+json/);
    expect(answer.body.generalPractitioner[0].identifier).toMatchObject({
      system: 'https://fhir.nhs.uk/Id/ods-organization-code',
      value: 'H85026',
    });
    expect(answer.body.address).toHaveLength(1);
  });

  it('gives a restricted patient (security label R) without address or GP, and an unregistered one without GP', async () => {
    const restricted = await asOperator(app.getHttpServer()).get(`${PDS}/Patient/9990000344`).expect(200);
    expect(restricted.body.meta.security[0].code).toBe('R');
    expect(restricted.body.address).toBeUndefined();
    expect(restricted.body.generalPractitioner).toBeUndefined();

    const unregistered = await asOperator(app.getHttpServer()).get(`${PDS}/Patient/9990000565`).expect(200);
    expect(unregistered.body.generalPractitioner).toBeUndefined();
    expect(unregistered.body.address).toHaveLength(1);
  });

  it('answers an unknown NHS number 404 and a malformed one 400, with OperationOutcomes', async () => {
    const unknown = await asOperator(app.getHttpServer()).get(`${PDS}/Patient/9434765919`).expect(404);
    expect(unknown.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
    const malformed = await asOperator(app.getHttpServer()).get(`${PDS}/Patient/1234567890`).expect(400);
    expect(malformed.body.resourceType).toBe('OperationOutcome');
  });

  it('changes a GP and pushes a thin CloudEvent whose dataref gives the updated Patient', async () => {
    await asOperator(app.getHttpServer())
      .delete('/sandbox/pds/received')
      .query({ partner: 'pds-gp-registration' })
      .expect(200);
    const answer = await asOperator(app.getHttpServer())
      .post(`${PDS}/send/change-of-gp`)
      .send({ nhsNumber: '9990000565', odsCode: 'H85099' })
      .expect(200);

    const [received] = await receiver.waitFor(1);
    expect([received.method, received.url]).toEqual(['POST', '/pds-gp-registration/notifications']);
    expect(received.headers['content-type']).toContain('application/cloudevents+json');
    const event = received.body as Record<string, string>;
    expect(event).toMatchObject({ specversion: '1.0', type: 'pds-change-of-gp-2', subject: '9990000565' });
    expect(event.id).toBe(answer.body.sent.id);
    expect(event.data).toBeUndefined();
    expect(Number.isNaN(Date.parse(event.time))).toBe(false);
    const dataref = new URL(event.dataref);
    expect(dataref.pathname).toBe(`${PDS}/Patient/9990000565`);

    const patient = await asOperator(app.getHttpServer()).get(dataref.pathname).expect(200);
    expect(patient.body.generalPractitioner[0].identifier.value).toBe('H85099');
    expect(patient.body.meta.versionId).toBe('2');

    const records = await asOperator(app.getHttpServer())
      .get('/sandbox/pds/received')
      .query({ identifier: '9990000565' })
      .expect(200);
    expect(
      records.body.records.map(
        (record: { direction: string; method: string }) => `${record.direction} ${record.method}`,
      ),
    ).toEqual(['sent POST', 'received GET']);
  });

  it('refuses a change of GP with a bad NHS number, ODS code or unknown patient, pushing nothing', async () => {
    await asOperator(app.getHttpServer())
      .post(`${PDS}/send/change-of-gp`)
      .send({ nhsNumber: '123', odsCode: 'H85099' })
      .expect(400);
    await asOperator(app.getHttpServer())
      .post(`${PDS}/send/change-of-gp`)
      .send({ nhsNumber: '9990000123', odsCode: 'h8' })
      .expect(400);
    await asOperator(app.getHttpServer())
      .post(`${PDS}/send/change-of-gp`)
      .send({ nhsNumber: '9434765919', odsCode: 'H85099' })
      .expect(404);
    expect(receiver.requests).toEqual([]);
  });
});
