/**
 * Two hub instances (child processes) share the ingress partitions; one is SIGKILLed in the middle
 * of a bounded stream — 1,000 hearings listed at a court about 50 persons, 20 each, with a
 * sequence number per person — and the other takes its partitions over. Nothing is lost, each
 * event reaches each of its two recipients, the hub applies no event twice, and each person's
 * events are applied in the order sent. Prints the counts and the takeover time.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as amqp from 'amqplib';
import {
  DELIVERY_EXCHANGE,
  HUB_INGRESS_QUEUE,
  INGRESS_EXCHANGE,
  deliveryRoutingKey,
  ingressPartitionQueues,
  ingressRoutingKey,
} from '@cstr/contracts';
import { buildEventBundle, type EventInputOf } from '@cstr/fhir';
import { AmqpConnection, ConfirmedPublisher, connectAmqp, encodeBody } from '@cstr/messaging';
import {
  DatabaseFixture,
  TestProcess,
  eventually,
  testEnvironment,
  uniqueName,
  type TestEnvironment,
} from '@cstr/testing';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { hubApp } from '../src/hub.app';

const PERSONS = 50;
const EVENTS_PER_PERSON = 20;
const TOTAL = PERSONS * EVENTS_PER_PERSON;
const SENDER = 'croydon-mc';
const RECIPIENTS = ['nps-london-croydon', 'sl-liaison-diversion'];
const PARTITIONS = ingressPartitionQueues(4);

interface SentEvent {
  readonly person: number;
  readonly seq: number;
}

interface ConsumerInfo {
  readonly queue: { readonly name: string };
  readonly active: boolean;
  readonly channel_details: { readonly connection_name: string };
}

jest.setTimeout(600_000);

describe('several hub instances share the ingress partitions', () => {
  let env: TestEnvironment;
  let database: DatabaseFixture;
  let checkpoints: string;
  let watch: { connection: amqp.ChannelModel; channel: amqp.Channel; queue: string };
  const delivered: { eventId: string; recipient: string }[] = [];
  const hubs: TestProcess[] = [];
  let partner: { connection: AmqpConnection; publisher: ConfirmedPublisher } | undefined;

  beforeAll(async () => {
    env = testEnvironment();
    const schema = uniqueName('hub_partitions');
    database = await DatabaseFixture.open(env.databaseUrl, schema, hubApp.migrations);
    checkpoints = mkdtempSync(join(tmpdir(), 'hub-partitions-'));
    const connection = await connectAmqp(env.rabbitAdminUrl);
    const channel = await connection.createChannel();
    for (const queue of [HUB_INGRESS_QUEUE, ...PARTITIONS]) await channel.purgeQueue(queue);
    const { queue } = await channel.assertQueue(uniqueName('watch_partitions'), { exclusive: true });
    for (const recipient of RECIPIENTS)
      await channel.bindQueue(queue, DELIVERY_EXCHANGE, deliveryRoutingKey(recipient, 'court.hearing.listed'));
    await channel.consume(
      queue,
      (message) => {
        if (message)
          delivered.push({
            eventId: String(message.properties.messageId),
            recipient: message.fields.routingKey.split('.')[0],
          });
      },
      { noAck: true },
    );
    watch = { connection, channel, queue };
    const hubEnv = {
      RABBITMQ_URL: env.hubUrl,
      DATABASE_URL: env.databaseUrl,
      DATABASE_SCHEMA: schema,
      HTTP_PORT: '0',
      LOG_LEVEL: 'log',
      AUDIT_CHECKPOINT_DIR: checkpoints,
      AUDIT_VERIFY_INTERVAL_MS: '0',
      PATHWAY_SCHEDULER_INTERVAL_MS: '0',
      RETENTION_PURGE_INTERVAL_MS: '0',
      INGRESS_BALANCE_INTERVAL_MS: '1000',
    };
    // One after the other: the second finds the schema migrated.
    for (let index = 0; index < 2; index++) {
      const hub = TestProcess.start('apps/hub/src/main.ts', hubEnv);
      hubs.push(hub);
      await hub.waitFor(/hub listening on/, 120_000);
    }
  });

  afterAll(async () => {
    for (const hub of hubs) await hub.kill('SIGTERM').catch(() => undefined);
    await partner?.publisher.close();
    await partner?.connection.close();
    if (watch) {
      for (const recipient of RECIPIENTS)
        await watch.channel.purgeQueue(`partner.${recipient}.inbox`).catch(() => undefined);
      await watch.connection.close().catch(() => undefined);
    }
    await database?.close();
    rmSync(checkpoints, { recursive: true, force: true });
  });

  it('loses nothing, applies each event once and each person’s events in order when one of two hubs is SIGKILLed mid-stream', async () => {
    const sent = new Map<string, SentEvent>();
    const events = streamOfEvents(sent);
    partner = await publisherOf(env.partnerUrls[SENDER]);
    const publishing = publishAll(partner.publisher, events);

    // Both instances are active on some partitions once the stream flows.
    const shared = await eventually(
      () => activePartitionConsumers(env),
      (consumers) => new Set(consumers.map((each) => each.channel_details.connection_name)).size === 2,
      60_000,
      250,
    );
    await eventually(
      () => appliedCount(),
      (count) => count >= TOTAL * 0.3,
      120_000,
      100,
    );

    const appliedAtKill = await appliedCount();
    const killedAt = Date.now();
    await hubs[0].kill('SIGKILL');
    const survivor = await eventually(
      () => activePartitionConsumers(env),
      (consumers) =>
        consumers.length === PARTITIONS.length &&
        new Set(consumers.map((each) => each.channel_details.connection_name)).size === 1,
      60_000,
      50,
    );
    await publishing;

    const applied = await eventually(
      () => appliedCount(),
      (count) => count >= TOTAL,
      300_000,
      250,
    );
    await eventually(
      async () => uniquePairs(delivered),
      (pairs) => pairs >= TOTAL * RECIPIENTS.length,
      120_000,
      250,
    );
    const records = (await database.dataSource.query(
      // Seq order is each chain's order; a person's events are all in their partition's chain.
      `SELECT event_id, recipient, outcome, recorded_at, chain_id FROM audit_record WHERE kind = 'decision' ORDER BY seq`,
    )) as { event_id: string; recipient: string; outcome: string; recorded_at: Date; chain_id: string }[];
    const takeoverMs = takeoverTime(records, killedAt);

    const decisionsPerEvent = new Map<string, number>();
    for (const record of records)
      decisionsPerEvent.set(record.event_id, (decisionsPerEvent.get(record.event_id) ?? 0) + 1);
    const lost = [...sent.keys()].filter((eventId) => !decisionsPerEvent.has(eventId)).length;
    const appliedTwice = [...decisionsPerEvent.values()].filter((count) => count > RECIPIENTS.length).length;
    const outOfOrder = outOfOrderCount(records, sent);
    const deliveredPairs = uniquePairs(delivered);
    const duplicateCopies = delivered.length - deliveredPairs;

    console.log(
      JSON.stringify({
        test: 'hub-partitions-sigkill',
        events: TOTAL,
        persons: PERSONS,
        partitions: PARTITIONS.length,
        hubs: 2,
        sharedBeforeKill: new Set(shared.map((each) => each.channel_details.connection_name)).size,
        applied,
        appliedAtKill,
        lost,
        appliedTwice,
        outOfOrder,
        deliveries: deliveredPairs,
        duplicateCopiesSuppressedDownstream: duplicateCopies,
        takeoverMs,
      }),
    );
    expect(survivor).toHaveLength(PARTITIONS.length);
    expect(lost).toBe(0);
    expect(appliedTwice).toBe(0);
    expect(outOfOrder).toBe(0);
    expect(records.every((record) => record.outcome === 'delivered')).toBe(true);
    expect(deliveredPairs).toBe(TOTAL * RECIPIENTS.length);
    expect(appliedAtKill).toBeLessThan(TOTAL);
    expect(new Set(records.map((record) => record.chain_id))).toEqual(new Set(PARTITIONS));
    expect(takeoverMs).toBeLessThan(10_000);
  });

  /** Hearings about PERSONS persons, round-robin, each person's numbered 0…19 in sending order. */
  function streamOfEvents(sent: Map<string, SentEvent>): { eventId: string; body: Buffer }[] {
    const fixture = loadEventFixture('court.hearing.listed');
    const defendants = Array.from({ length: PERSONS }, () => randomUUID());
    const events: { eventId: string; body: Buffer }[] = [];
    for (let seq = 0; seq < EVENTS_PER_PERSON; seq++) {
      for (let person = 0; person < PERSONS; person++) {
        const eventId = randomUUID();
        const input: EventInputOf<'court.hearing.listed'> = {
          ...fixture,
          envelope: { ...fixture.envelope, eventId, correlationId: eventId },
          person: {
            ...fixture.person,
            identifiers: { commonPlatformDefendantId: defendants[person] },
            name: { family: `Partition-${person}`, given: fixture.person.name.given },
            birthDate: `19${String(60 + (person % 40)).padStart(2, '0')}-0${1 + (person % 9)}-1${person % 10}`,
          },
          hearing: { ...fixture.hearing, id: randomUUID() },
        };
        sent.set(eventId, { person, seq });
        events.push({ eventId, body: encodeBody(buildEventBundle(input)) });
      }
    }
    return events;
  }

  async function publishAll(publisher: ConfirmedPublisher, events: { eventId: string; body: Buffer }[]): Promise<void> {
    for (let start = 0; start < events.length; start += 25) {
      await Promise.all(
        events.slice(start, start + 25).map((event) =>
          publisher.publish({
            exchange: INGRESS_EXCHANGE,
            routingKey: ingressRoutingKey(SENDER, 'court.hearing.listed'),
            eventId: event.eventId,
            type: 'court.hearing.listed',
            body: event.body,
          }),
        ),
      );
      // A steady stream rather than one burst, so that the kill lands in the middle of it.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async function appliedCount(): Promise<number> {
    const [row] = (await database.dataSource.query(
      `SELECT count(DISTINCT event_id)::int AS n FROM audit_record WHERE kind = 'decision'`,
    )) as { n: number }[];
    return row.n;
  }
});

async function publisherOf(url: string): Promise<{ connection: AmqpConnection; publisher: ConfirmedPublisher }> {
  const connection = new AmqpConnection({ url, connectionName: 'partitions-test:croydon-mc' });
  await connection.start();
  return { connection, publisher: new ConfirmedPublisher(connection) };
}

/** The active consumers of the partition queues, as the management API lists them. */
async function activePartitionConsumers(env: TestEnvironment): Promise<ConsumerInfo[]> {
  const admin = new URL(env.rabbitAdminUrl);
  const credentials = `${decodeURIComponent(admin.username)}:${decodeURIComponent(admin.password)}`;
  const response = await fetch(`${env.rabbitManagementUrl.replace(/\/$/, '')}/api/consumers/cstr`, {
    headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
  });
  const consumers = (await response.json()) as ConsumerInfo[];
  return consumers.filter((each) => PARTITIONS.includes(each.queue.name) && each.active);
}

/**
 * How long the partitions of the killed instance went without a decision: per partition chain, from
 * the kill to its first record after it; the longest of them (the survivor's own partitions go on).
 */
function takeoverTime(records: readonly { recorded_at: Date; chain_id: string }[], killedAt: number): number {
  const firstAfter = new Map<string, number>();
  for (const record of records) {
    const at = record.recorded_at.getTime();
    if (at > killedAt && !firstAfter.has(record.chain_id)) firstAfter.set(record.chain_id, at);
  }
  return Math.max(...[...firstAfter.values()].map((at) => at - killedAt));
}

function uniquePairs(delivered: readonly { eventId: string; recipient: string }[]): number {
  return new Set(delivered.map((each) => `${each.eventId}|${each.recipient}`)).size;
}

/** Decisions (in the order the hub appended them) whose person's sequence number went backwards. */
function outOfOrderCount(
  records: readonly { event_id: string; recipient: string }[],
  sent: ReadonlyMap<string, SentEvent>,
): number {
  const latest = new Map<string, number>();
  let backwards = 0;
  for (const record of records) {
    const event = sent.get(record.event_id);
    if (!event) continue;
    const key = `${event.person}|${record.recipient}`;
    if ((latest.get(key) ?? -1) > event.seq) backwards += 1;
    latest.set(key, Math.max(latest.get(key) ?? -1, event.seq));
  }
  return backwards;
}
