import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '@cstr/platform';
import { testEnvironment, uniqueName } from '@cstr/testing';
import { partnerSandboxApp } from '../src/partner-sandbox.app';
import { OPERATOR_SECRET, TestReceiver } from './sandbox-test-kit';

describe('partner-sandbox booted like every app (createApp)', () => {
  const env = testEnvironment();
  let receiver: TestReceiver;
  let app: INestApplication;
  let schema: string;
  /** The operator's bearer token: the stand-ins' partner APIs take no call without a token. */
  let authorization: string;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    schema = uniqueName('partner_sandbox');
    app = await createApp(partnerSandboxApp, {
      RABBITMQ_URL: env.hubUrl,
      DATABASE_URL: env.databaseUrl,
      DATABASE_SCHEMA: schema,
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      SANDBOX_ADAPTER_URLS: JSON.stringify({ 'pds-gp-registration': receiver.url }),
      SANDBOX_OPERATOR_SECRET: OPERATOR_SECRET,
    });
    const token = await request(app.getHttpServer())
      .post('/sandbox/oauth/token')
      .auth('sandbox-operator', OPERATOR_SECRET)
      .type('form')
      .send({ grant_type: 'client_credentials' })
      .expect(200);
    authorization = `Bearer ${token.body.access_token as string}`;
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
    const client = new Client({ connectionString: env.databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => client.end());
  });

  it('answers /health and serves the stand-ins, parsing application/fhir+json bodies', async () => {
    expect(app.get(DataSource).isInitialized).toBe(true);
    await request(app.getHttpServer()).get('/health').expect(200);
    const created = await request(app.getHttpServer())
      .post('/sandbox/fhir/slam-mhtr/ServiceRequest')
      .set('authorization', authorization)
      .set('content-type', 'application/fhir+json')
      .send(
        JSON.stringify({
          resourceType: 'ServiceRequest',
          status: 'active',
          intent: 'order',
          subject: { reference: 'Patient/p1' },
        }),
      )
      .expect(201);
    expect(created.body.meta.versionId).toBe('1');
    await request(app.getHttpServer()).get('/sandbox/pds/pds-gp-registration/Patient/9990000123').expect(401);
    await request(app.getHttpServer())
      .get('/sandbox/pds/pds-gp-registration/Patient/9990000123')
      .set('authorization', authorization)
      .expect(200);
  });

  it('pushes to the adapter URL given in SANDBOX_ADAPTER_URLS, and answers errors as OperationOutcomes', async () => {
    await request(app.getHttpServer())
      .post('/sandbox/pds/pds-gp-registration/send/change-of-gp')
      .send({ nhsNumber: '9990000123', odsCode: 'H85033' })
      .expect(200);
    const [received] = await receiver.waitFor(1);
    expect(received.url).toBe('/notifications');
    const unknown = await request(app.getHttpServer())
      .get('/sandbox/fhir/no-such-provider/metadata')
      .set('authorization', authorization)
      .expect(404);
    expect(unknown.body.resourceType).toBe('OperationOutcome');
  });
});
