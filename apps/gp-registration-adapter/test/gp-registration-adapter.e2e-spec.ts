import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type * as amqp from 'amqplib';
import { Client } from 'pg';
import request from 'supertest';
import { parseDocument } from 'yaml';
import { DELIVERY_EXCHANGE, INGRESS_EXCHANGE, deliveryRoutingKey } from '@cstr/contracts';
import { buildEventBundle } from '@cstr/fhir';
import { AmqpConnection, ConfirmedPublisher, encodeBody } from '@cstr/messaging';
import { createApp } from '@cstr/platform';
import { BrokerFixture, eventually, testEnvironment, uniqueName } from '@cstr/testing';
import { loadEventFixture } from '../../../libs/fhir/test/fixtures/events/event-fixtures';
import { gpRegistrationAdapterApp } from '../src/gp-registration-adapter.app';
import { startSandbox, type SandboxProcess } from './sandbox-process';

const PARTNER_ID = 'pds-gp-registration';

/** The project's partners file with this partner's `pdsBaseUrl` pointing at the running sandbox. */
function partnersFileFor(sandboxUrl: string, folder: string): string {
  const document = parseDocument(readFileSync(join(__dirname, '../../../config/partners.yaml'), 'utf8'));
  const partners = document.get('partners') as { items: { get(key: string): unknown; set(key: string, value: unknown): void }[] };
  partners.items.find((partner) => partner.get('id') === PARTNER_ID)?.set('pdsBaseUrl', `${sandboxUrl}/sandbox/pds/${PARTNER_ID}`);
  const file = join(folder, 'partners.yaml');
  writeFileSync(file, document.toString());
  return file;
}

describe('gp-registration-adapter against the broker, the database and the sandbox', () => {
  const env = testEnvironment();
  const schema = uniqueName('gp_registration_adapter');
  const folder = mkdtempSync(join(tmpdir(), 'gp-adapter-'));
  let adapter: INestApplication;
  let adapterUrl: string;
  let sandbox: SandboxProcess;
  let broker: BrokerFixture;
  const tapped: amqp.ConsumeMessage[] = [];

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    const tap = (await broker.channel.assertQueue('', { exclusive: true, autoDelete: true })).queue;
    await broker.channel.bindQueue(tap, INGRESS_EXCHANGE, `${PARTNER_ID}.#`);
    await broker.channel.consume(tap, (message) => message && tapped.push(message), { noAck: true });
    sandbox = await startSandbox(env, {});
    adapter = await createApp(gpRegistrationAdapterApp, {
      RABBITMQ_URL: env.partnerUrls[PARTNER_ID],
      DATABASE_URL: env.databaseUrl,
      DATABASE_SCHEMA: schema,
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      PARTNER_ID,
      PARTNERS_FILE: partnersFileFor(sandbox.url, folder),
    });
    adapterUrl = (await adapter.getUrl()).replace('[::1]', '127.0.0.1');
  }, 120_000);

  afterAll(async () => {
    await adapter?.close();
    await sandbox?.stop();
    await broker?.close();
    rmSync(folder, { recursive: true, force: true });
    const client = new Client({ connectionString: env.databaseUrl });
    await client.connect();
    for (const each of [schema, sandbox?.schema]) if (each) await client.query(`DROP SCHEMA IF EXISTS ${each} CASCADE`);
    await client.end();
  });

  it('reads PDS when the hub delivers a sentence, and publishes gp.registration.checked caused by it', async () => {
    const eventId = randomUUID();
    const input = loadEventFixture('court.sentence.imposed');
    const bundle = buildEventBundle({
      ...input,
      envelope: { ...input.envelope, eventId, destination: PARTNER_ID },
      person: { ...input.person, identifiers: { ...input.person.identifiers, nhsNumber: '9990000123' } },
    });
    const connection = new AmqpConnection({ url: env.hubUrl, connectionName: 'gp-adapter-test' });
    await connection.start();
    const publisher = new ConfirmedPublisher(connection);
    try {
      await publisher.publish({ exchange: DELIVERY_EXCHANGE, routingKey: deliveryRoutingKey(PARTNER_ID, 'court.sentence.imposed'), eventId, type: 'court.sentence.imposed', body: encodeBody(bundle) });
    } finally {
      await publisher.close();
      await connection.close();
    }
    const [checked] = await eventually(
      async () => tapped.filter((message) => message.properties.correlationId === eventId),
      (messages) => messages.length >= 1,
      15_000,
    );
    expect(checked.properties.type).toBe('gp.registration.checked');
    expect(checked.content.toString('utf8')).toContain('H85026');
    const reads = ((await request(sandbox.url).get(`/sandbox/pds/received?partner=${PARTNER_ID}&identifier=9990000123`)).body as { records: { url: string; status: number }[] }).records;
    expect(reads.some((record) => record.url.endsWith('/Patient/9990000123') && record.status === 200)).toBe(true);
  });

  it('follows a change-of-GP signal: fetches the dataref and publishes checked and changed', async () => {
    const before = tapped.length;
    const sent = await request(sandbox.url)
      .post(`/sandbox/pds/${PARTNER_ID}/send/change-of-gp`)
      .send({ nhsNumber: '9990000565', odsCode: 'H85026', targetUrl: `${adapterUrl}/notifications` })
      .expect(200);
    expect(sent.body.adapterStatus).toBe(202);
    const types = await eventually(
      async () => tapped.slice(before).map((message) => message.properties.type as string),
      (seen) => seen.includes('gp.registration.changed'),
      15_000,
    );
    expect(types).toEqual(expect.arrayContaining(['gp.registration.checked', 'gp.registration.changed']));
  });
});
