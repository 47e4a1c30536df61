import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type * as amqp from 'amqplib';
import { Client } from 'pg';
import request from 'supertest';
import { parseDocument } from 'yaml';
import { AmqpHeaders, DELIVERY_EXCHANGE, INGRESS_EXCHANGE, deadLetterQueue, deliveryRoutingKey, partnerInboxQueue } from '@cstr/contracts';
import { buildEventBundle } from '@cstr/fhir';
import { AmqpConnection, ConfirmedPublisher, encodeBody } from '@cstr/messaging';
import { createApp } from '@cstr/platform';
import { BrokerFixture, eventually, testEnvironment, uniqueName } from '@cstr/testing';
import { loadEventFixture } from '../../../libs/fhir/test/fixtures/events/event-fixtures';
import { ldAdapterApp } from '../src/ld-adapter.app';
import { startSandbox, type SandboxProcess } from './sandbox-process';

const PARTNER_ID = 'sl-liaison-diversion';

/** The project's partners file with this partner's `ldSystemUrl` pointing at the running sandbox. */
function partnersFileFor(sandboxUrl: string, folder: string): string {
  const document = parseDocument(readFileSync(join(__dirname, '../../../config/partners.yaml'), 'utf8'));
  const partners = document.get('partners') as { items: { get(key: string): unknown; set(key: string, value: unknown): void }[] };
  partners.items.find((partner) => partner.get('id') === PARTNER_ID)?.set('ldSystemUrl', `${sandboxUrl}/sandbox/ld/${PARTNER_ID}`);
  const file = join(folder, 'partners.yaml');
  writeFileSync(file, document.toString());
  return file;
}

describe('ld-adapter against the broker, the database and the sandbox', () => {
  const env = testEnvironment();
  const schema = uniqueName('ld_adapter');
  const folder = mkdtempSync(join(tmpdir(), 'ld-adapter-'));
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
    adapter = await createApp(ldAdapterApp, {
      RABBITMQ_URL: env.partnerUrls[PARTNER_ID],
      DATABASE_URL: env.databaseUrl,
      DATABASE_SCHEMA: schema,
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      PARTNER_ID,
      PARTNERS_FILE: partnersFileFor(sandbox.url, folder),
      // One retry after 1 s (a delay queue the stack provisions), then the DLQ.
      RETRY_DELAYS_MS: '1000',
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

  it('turns a screening the L&D system pushes into ld.screening.completed and consent.recorded for the hub', async () => {
    const sent = await request(sandbox.url)
      .post(`/sandbox/ld/${PARTNER_ID}/send/screening`)
      .send({ fixture: 'screening-custody-consent-given', targetUrl: `${adapterUrl}/screenings` })
      .expect(200);
    expect(sent.body.adapterStatus).toBe(202);
    const types = await eventually(
      async () => tapped.filter((message) => message.fields.routingKey.startsWith(`${PARTNER_ID}.`)).map((message) => message.properties.type as string),
      (seen) => seen.includes('ld.screening.completed') && seen.includes('consent.recorded'),
      15_000,
    );
    expect(types).toEqual(expect.arrayContaining(['ld.screening.completed', 'consent.recorded']));
  });

  /** Publishes a court.hearing.listed delivery to this partner's inbox, as the hub does, `copies` times. */
  async function deliverHearingListed(eventId: string, copies: number): Promise<void> {
    const input = loadEventFixture('court.hearing.listed');
    const bundle = buildEventBundle({ ...input, envelope: { ...input.envelope, eventId, destination: PARTNER_ID } });
    const connection = new AmqpConnection({ url: env.hubUrl, connectionName: 'ld-adapter-test' });
    await connection.start();
    const publisher = new ConfirmedPublisher(connection);
    try {
      for (let copy = 0; copy < copies; copy += 1) {
        await publisher.publish({ exchange: DELIVERY_EXCHANGE, routingKey: deliveryRoutingKey(PARTNER_ID, 'court.hearing.listed'), eventId, type: 'court.hearing.listed', body: encodeBody(bundle) });
      }
    } finally {
      await publisher.close();
      await connection.close();
    }
  }

  it('posts a "listed today" alert to the L&D system for a court.hearing.listed the hub delivers, once per event', async () => {
    const eventId = randomUUID();
    // Delivered twice (a redelivery): the adapter applies it once.
    await deliverHearingListed(eventId, 2);
    const alerts = await eventually(
      async () => ((await request(sandbox.url).get(`/sandbox/ld/received?partner=${PARTNER_ID}`)).body as { records: { url: string; status: number; body?: { externalReference?: string } }[] }).records.filter((record) => record.body?.externalReference === eventId),
      (records) => records.length >= 1,
      15_000,
    );
    expect(alerts[0]).toMatchObject({ url: `/sandbox/ld/${PARTNER_ID}/alerts`, status: 201, body: { externalReference: eventId, listedOn: '2026-05-12', court: { code: 'B01CY00' } } });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const again = ((await request(sandbox.url).get(`/sandbox/ld/received?partner=${PARTNER_ID}`)).body as { records: { body?: { externalReference?: string } }[] }).records.filter((record) => record.body?.externalReference === eventId);
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
