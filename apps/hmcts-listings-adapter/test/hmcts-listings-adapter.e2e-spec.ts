import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AmqpHeaders } from '@cstr/contracts';
import { OutboxRelay } from '@cstr/messaging';
import { orderingPartitionKey } from '@cstr/platform';
import { partnerFixturePath } from '@cstr/fixtures/fhir/partner/partner-files';
import {
  AppsUnderTest,
  IngressTap,
  PartnersFileCopy,
  SandboxProcess,
  eventually,
  freePort,
  testEnvironment,
} from '@cstr/testing';
import { payloadSha256 } from '../src/archive/raw-payload.archive';
import { hmctsListingsAdapterApp } from '../src/hmcts-listings-adapter.app';

const PARTNER_ID = 'croydon-mc';

/** A Libra daily list of `count` cases at Croydon, case numbers unique to this run. */
function libraList(count: number): { body: string; caseNumbers: string[] } {
  const list = JSON.parse(readFileSync(partnerFixturePath('libra', 'daily-list-croydon.json'), 'utf8')) as {
    sessions: { cases: { caseno: string }[] }[];
  };
  const template = list.sessions[0].cases[0];
  const run = parseInt(randomBytes(3).toString('hex'), 16) % 100_000;
  const caseNumbers = Array.from(
    { length: count },
    (_, index) => `9${String(run).padStart(5, '0')}${String(index).padStart(4, '0')}`,
  );
  list.sessions = [{ ...list.sessions[0], cases: caseNumbers.map((caseno) => ({ ...template, caseno })) }];
  return { body: JSON.stringify(list), caseNumbers };
}

describe('hmcts-listings-adapter against the broker, the database and the sandbox', () => {
  const env = testEnvironment();
  const apps = new AppsUnderTest(env);
  let adapter: INestApplication;
  let sandbox: SandboxProcess;
  let partners: PartnersFileCopy;
  let tap: IngressTap;
  /** The court's own bearer token, as its system sends it (from the sandbox's issuer). */
  let courtToken: string;

  /** The token the sandbox's issuer gives `partnerId`'s own system. */
  async function partnerToken(partnerId: string): Promise<string> {
    const { status, body } = await sandbox.call('POST', '/sandbox/oauth/partner-token', { partnerId });
    expect(status).toBe(200);
    return body.access_token as string;
  }

  beforeAll(async () => {
    // A private copy of what this partner publishes to the hub.
    tap = await IngressTap.open(env.rabbitAdminUrl, PARTNER_ID);
    const port = await freePort();
    sandbox = await SandboxProcess.start(env, { adapterUrls: { [PARTNER_ID]: `http://127.0.0.1:${port}` } });
    // The adapter trusts the sandbox's token issuer (its JWKS), as the copy of the partners file says.
    partners = PartnersFileCopy.write(sandbox.url);
    const started = await apps.start(hmctsListingsAdapterApp, env.partnerUrls[PARTNER_ID], {
      PARTNER_ID,
      PARTNERS_FILE: partners.path,
      HTTP_PORT: String(port),
    });
    adapter = started.app;
    courtToken = await partnerToken(PARTNER_ID);
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
    await apps.stopAll();
    await tap?.close();
    partners?.remove();
  });

  it('refuses a hearing, a result, a deletion and a Libra list without a bearer token (401 OperationOutcome)', async () => {
    const body = readFileSync(partnerFixturePath('common-platform', 'hearing-listed-multi-defendant.json'), 'utf8');
    for (const [method, path] of [
      ['post', '/hearing/h-1'],
      ['post', '/hearing/h-1/result'],
      ['delete', '/hearing/h-1'],
      ['post', '/libra/daily-list'],
    ] as const) {
      const server = request(adapter.getHttpServer());
      const response = await server[method](path).set('content-type', 'application/json').send(body).expect(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(response.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    }
  });

  it('refuses another court’s token (issued for its own adapter), a token with a broken signature and an unsigned one (401)', async () => {
    const other = await request(adapter.getHttpServer())
      .post('/libra/daily-list')
      .set('authorization', `Bearer ${await partnerToken('camberwell-green-mc')}`)
      .set('content-type', 'application/json')
      .send('{}')
      .expect(401);
    expect(other.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'login', diagnostics: expect.stringContaining('claim aud') }],
    });

    const [header, payload, signature] = courtToken.split('.');
    const broken = `${header}.${payload}.${signature.slice(0, -4)}${signature.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    for (const token of [broken, unsigned]) {
      const refused = await request(adapter.getHttpServer())
        .post('/libra/daily-list')
        .set('authorization', `Bearer ${token}`)
        .set('content-type', 'application/json')
        .send('{}')
        .expect(401);
      expect(refused.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    }
  });

  it('takes a Common Platform hearing from the sandbox, archives it and publishes court.hearing.listed to the hub, ordered by hearing', async () => {
    const body = readFileSync(partnerFixturePath('common-platform', 'hearing-listed-multi-defendant.json'));
    const hearingId = (JSON.parse(body.toString('utf8')) as { hearing: { id: string } }).hearing.id;
    const key = orderingPartitionKey(PARTNER_ID, hearingId);

    const sent = await request(sandbox.url)
      .post(`/sandbox/hmcts/${PARTNER_ID}/send/hearing`)
      .send({ fixture: 'hearing-listed-multi-defendant' })
      .expect(200);
    expect(sent.body.adapterStatus).toBe(202);

    const published = await eventually(
      async () => tap.messages.filter((message) => message.properties.headers?.[AmqpHeaders.partitionKey] === key),
      (messages) => messages.length >= 1,
      15_000,
    );
    for (const message of published) {
      expect(message.properties).toMatchObject({ type: 'court.hearing.listed', contentType: 'application/fhir+json' });
      expect(message.fields.routingKey).toBe(`${PARTNER_ID}.court.hearing.listed`);
      const bundle = JSON.parse(message.content.toString('utf8')) as {
        entry: { resource: { resourceType: string } }[];
      };
      expect(bundle.entry[0].resource.resourceType).toBe('MessageHeader');
    }
    const rows = (await adapter
      .get(DataSource)
      .query('SELECT route, status, size_bytes, sha256, event_count FROM hmcts_raw_payload WHERE route = $1', [
        `/hearing/${hearingId}`,
      ])) as Record<string, unknown>[];
    expect(rows).toEqual([
      {
        route: `/hearing/${hearingId}`,
        status: 'published',
        size_bytes: expect.any(Number),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        event_count: published.length,
      },
    ]);
  });

  it('keeps an unparseable payload, answering 400 with an OperationOutcome', async () => {
    const garbage = Buffer.from('<hearing id="x">not json</hearing>');
    const response = await request(adapter.getHttpServer())
      .post('/hearing/garbled-1')
      .set('authorization', `Bearer ${courtToken}`)
      .set('content-type', 'application/json')
      .send(garbage.toString('utf8'))
      .expect(400);
    expect(response.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'structure' }],
    });
    const rows = (await adapter
      .get(DataSource)
      .query('SELECT status, body, sha256 FROM hmcts_raw_payload WHERE id = $1', [
        response.headers['x-archive-id'],
      ])) as { status: string; body: Buffer; sha256: string }[];
    expect(rows[0].status).toBe('unparseable');
    expect(rows[0].body.equals(garbage)).toBe(true);
    expect(rows[0].sha256).toBe(payloadSha256(garbage));
  });

  it('takes a 5,000-hearing Libra list in one request: one archive row and 5,000 outbox rows in one transaction', async () => {
    // Held back from the broker: 5,000 events would flood the shared hub.ingress queue.
    await adapter.get(OutboxRelay).stop();
    const dataSource = adapter.get(DataSource);
    const before = await adapter.get(OutboxRelay).backlog();
    const { body, caseNumbers } = libraList(5_000);

    const response = await request(adapter.getHttpServer())
      .post('/libra/daily-list')
      .set('authorization', `Bearer ${courtToken}`)
      .set('content-type', 'application/json')
      .send(body)
      .expect(202);

    expect(response.body.issue[0].diagnostics).toContain('5000 event(s)');
    expect((await adapter.get(OutboxRelay).backlog()) - before).toBe(5_000);
    const keys = (await dataSource.query(
      `SELECT DISTINCT headers->>'${AmqpHeaders.partitionKey}' AS key FROM messaging_outbox WHERE message_type = 'court.hearing.listed'`,
    )) as { key: string }[];
    expect(keys.map((row) => row.key)).toEqual(
      expect.arrayContaining([orderingPartitionKey(PARTNER_ID, `B01CY00-2026-12-01-${caseNumbers[4_999]}`)]),
    );
    const [archive] = (await dataSource.query('SELECT status, event_count FROM hmcts_raw_payload WHERE id = $1', [
      response.headers['x-archive-id'],
    ])) as { status: string; event_count: number }[];
    expect(archive).toEqual({ status: 'published', event_count: 5_000 });
    await dataSource.query('DELETE FROM messaging_outbox');
  }, 60_000);
});
