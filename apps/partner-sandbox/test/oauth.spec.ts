import 'reflect-metadata';
import { X509Certificate, createVerify, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { SignJWT, createRemoteJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import { snsSignatureAlgorithm, snsStringToSign } from '@cstr/platform';
import { asOperator, bootSandbox, TestReceiver } from './sandbox-test-kit';

const DELIUS_CLIENT = 'cstr-hub-nps-london-croydon';
const DELIUS_SECRET = `secret-${randomUUID()}`;
const PDS_CLIENT = 'cstr-hub-pds-gp-registration';
const pdsKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('token issuer, token-protected stand-ins and signed pushes', () => {
  let receiver: TestReceiver;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    app = await bootSandbox(receiver.url, {
      SANDBOX_CLIENT_SECRETS: JSON.stringify({ [DELIUS_CLIENT]: DELIUS_SECRET, 'cstr-hub-slam-mhtr': 'another' }),
      SANDBOX_CLIENT_KEYS: JSON.stringify({
        [PDS_CLIENT]: pdsKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      }),
    });
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
  });
  beforeEach(() => receiver.reset());

  function tokenRequest(): request.Test {
    return request(app.getHttpServer()).post('/sandbox/oauth/token').type('form');
  }

  it('issues a short-lived RS256 token to a client with its secret, verifiable with the JWKS; refuses a wrong secret', async () => {
    const answer = await tokenRequest()
      .auth(DELIUS_CLIENT, DELIUS_SECRET)
      .send({ grant_type: 'client_credentials' })
      .expect(200);
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    const { payload } = await jwtVerify(
      answer.body.access_token as string,
      createRemoteJWKSet(new URL(`${base}/sandbox/oauth/jwks`)),
      { issuer: 'urn:cstr-hub:partner-sandbox:oauth', audience: 'urn:cstr-hub:partner-sandbox:nps-london-croydon' },
    );
    expect(payload.client_id).toBe(DELIUS_CLIENT);

    const wrong = await tokenRequest()
      .auth(DELIUS_CLIENT, 'not-the-secret')
      .send({ grant_type: 'client_credentials' })
      .expect(401);
    expect(wrong.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
  });

  it('issues a token for an RS512 private-key JWT client assertion, once per jti', async () => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS512', kid: 'k1' })
      .setIssuer(PDS_CLIENT)
      .setSubject(PDS_CLIENT)
      .setAudience(`${base}/sandbox/oauth/token`)
      .setJti(randomUUID())
      .setExpirationTime(now + 300)
      .sign(pdsKey.privateKey);
    const form = {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    };
    const answer = await tokenRequest().send(form).expect(200);
    await request(app.getHttpServer())
      .get('/sandbox/pds/pds-gp-registration/Patient/9990000123')
      .set('authorization', `Bearer ${answer.body.access_token as string}`)
      .expect(200);
    await tokenRequest().send(form).expect(401);
  });

  it('the Delius, FHIR and PDS stand-ins refuse a call without a token, or with a token of another partner’s client (401)', async () => {
    const slam = await tokenRequest()
      .auth('cstr-hub-slam-mhtr', 'another')
      .send({ grant_type: 'client_credentials' })
      .expect(200);
    for (const path of [
      '/sandbox/delius/nps-london-croydon/case/X412563',
      '/sandbox/fhir/slam-mhtr/metadata',
      '/sandbox/pds/pds-gp-registration/Patient/9990000123',
    ]) {
      const none = await request(app.getHttpServer()).get(path).expect(401);
      expect(none.headers['www-authenticate']).toMatch(/^Bearer /);
      if (!path.includes('delius'))
        expect(none.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    }
    await request(app.getHttpServer())
      .get('/sandbox/delius/nps-london-croydon/case/X412563')
      .set('authorization', `Bearer ${slam.body.access_token as string}`)
      .expect(401);
    await request(app.getHttpServer())
      .get('/sandbox/fhir/slam-mhtr/metadata')
      .set('authorization', `Bearer ${slam.body.access_token as string}`)
      .expect(200);
  });

  it('court, L&D and PDS pushes carry the partner system’s bearer token, for its adapter', async () => {
    await request(app.getHttpServer())
      .post('/sandbox/ld/sl-liaison-diversion/send/screening')
      .send({ fixture: 'screening-custody-no-needs' })
      .expect(200);
    const [pushed] = await receiver.waitFor(1);
    const token = /^Bearer (\S+)$/.exec(String(pushed.headers.authorization))?.[1] as string;
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${base}/sandbox/oauth/jwks`)), {
      issuer: 'urn:cstr-hub:partner-sandbox:oauth',
      audience: 'urn:cstr-hub:adapter:sl-liaison-diversion',
    });
    expect(payload.client_id).toBe('sl-liaison-diversion-case-system');
    // The received log keeps the other headers, never the token.
    const { body } = await asOperator(app.getHttpServer()).get('/sandbox/ld/received').expect(200);
    expect(JSON.stringify(body)).not.toContain(token);
  });

  it('signs each domain-event notification as SNS does, with the certificate it serves', async () => {
    await request(app.getHttpServer())
      .post('/sandbox/delius/nps-london-croydon/send/domain-event?signatureVersion=1')
      .send({ fixture: 'registration-added-rosh-high' })
      .expect(200);
    const [pushed] = await receiver.waitFor(1);
    const notification = pushed.body as Record<string, string>;
    expect(notification).toMatchObject({ Type: 'Notification', SignatureVersion: '1' });
    const certificateUrl = new URL(notification.SigningCertURL);
    const pem = await request(app.getHttpServer()).get(certificateUrl.pathname).expect(200);
    const certificate = new X509Certificate(pem.text);
    const verified = createVerify(snsSignatureAlgorithm('1') as string)
      .update(snsStringToSign(notification) as string)
      .verify(certificate.publicKey, notification.Signature, 'base64');
    expect(verified).toBe(true);
  });
});
