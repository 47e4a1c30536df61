import { INestApplication } from '@nestjs/common';
import type * as amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AuditLog } from '@cstr/audit';
import {
  AmqpHeaders,
  DELIVERY_EXCHANGE,
  HUB_INGRESS_QUEUE,
  INGRESS_EXCHANGE,
  deadLetterQueue,
  deliveryBindingPattern,
  partnerEndpoint,
} from '@cstr/contracts';
import { AmqpConnection, ConfirmedPublisher, encodeBody } from '@cstr/messaging';
import { createApp } from '@cstr/platform';
import { BrokerFixture, DatabaseFixture, eventually, testEnvironment, uniqueName } from '@cstr/testing';
import type { Bundle, MessageHeader } from 'fhir/r4';
import { hubApp } from '../src/hub.app';
import { fixtureEvent, providerConsentWithdrawn, type TestEvent } from './ingress-test-kit';

/** Partners whose deliveries the tests watch (every partner that may receive anything). */
const WATCHED = [
  'sl-liaison-diversion',
  'nps-london-croydon',
  'nps-london-lambeth',
  'slam-mhtr',
  'st-andrews-mhtr',
  'pds-gp-registration',
];

interface AuditRow {
  kind: string;
  outcome: string;
  event_id: string;
  event_type: string | null;
  sender: string | null;
  recipient: string | null;
  refusing_rule: string | null;
  consent_reference: string | null;
  removed_elements: string[];
  agreement_id: string | null;
  flow_id: string | null;
  reason: string | null;
}

/**
 * The hub's ingress pipeline through the real broker and database: partners publish on
 * `cstr.ingress` with their own broker users, the hub (its own user, consuming `hub.ingress`)
 * delivers on `cstr.delivery`, and the tests watch copies of every partner's deliveries in
 * queues of their own (the partner inboxes may be consumed by other tests' adapters).
 */
describe('hub ingress through the broker', () => {
  const env = testEnvironment();
  let app: INestApplication;
  let hubData: DataSource;
  let database: DatabaseFixture;
  let broker: BrokerFixture;
  const watchQueues = new Map<string, string>();
  const publishers = new Map<string, { connection: AmqpConnection; publisher: ConfirmedPublisher }>();
  /** Deliveries seen, by event id. */
  const delivered = new Map<string, amqp.ConsumeMessage[]>();

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    for (const partner of WATCHED) {
      const queue = uniqueName(`test_watch_${partner}`);
      await broker.channel.assertQueue(queue, { exclusive: true, autoDelete: true });
      await broker.channel.bindQueue(queue, DELIVERY_EXCHANGE, deliveryBindingPattern(partner));
      watchQueues.set(partner, queue);
      await broker.channel.consume(
        queue,
        (message) => {
          if (!message || typeof message.properties.messageId !== 'string') return;
          delivered.set(message.properties.messageId, [
            ...(delivered.get(message.properties.messageId) ?? []),
            message,
          ]);
        },
        { noAck: true },
      );
    }
    const schema = uniqueName('hub_ingress');
    // The test's own connection to the hub's schema: it outlives the app, and drops the schema at the end.
    database = await DatabaseFixture.open(env.databaseUrl, schema, hubApp.migrations);
    hubData = database.dataSource;
    app = await createApp(hubApp, {
      RABBITMQ_URL: env.hubUrl,
      DATABASE_URL: env.databaseUrl,
      DATABASE_SCHEMA: schema,
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
    });
  });

  afterAll(async () => {
    await app?.close();
    await database?.close();
    for (const { connection, publisher } of publishers.values()) {
      await publisher.close();
      await connection.close();
    }
    await broker?.close();
  });

  async function publisherOf(partnerId: string): Promise<ConfirmedPublisher> {
    const known = publishers.get(partnerId);
    if (known) return known.publisher;
    const connection = new AmqpConnection({
      url: env.partnerUrls[partnerId],
      connectionName: `ingress-test:${partnerId}`,
    });
    await connection.start();
    const publisher = new ConfirmedPublisher(connection);
    publishers.set(partnerId, { connection, publisher });
    return publisher;
  }

  /** Publishes as the partner of the routing key, with that partner's own broker user. */
  async function publish(event: TestEvent, body: Buffer = encodeBody(event.body)): Promise<void> {
    const partnerId = event.routingKey.split('.')[0];
    await (
      await publisherOf(partnerId)
    ).publish({
      exchange: INGRESS_EXCHANGE,
      routingKey: event.routingKey,
      eventId: event.eventId,
      type: event.type,
      correlationId: event.correlationId,
      body,
    });
  }

  function auditOf(eventId: string): Promise<AuditRow[]> {
    return hubData.query(
      `SELECT kind, outcome, event_id, event_type, sender, recipient, refusing_rule, consent_reference, removed_elements, agreement_id, flow_id, reason
       FROM audit_record WHERE event_id = $1 ORDER BY recipient`,
      [eventId],
    ) as Promise<AuditRow[]>;
  }

  /** Publishes and waits until the hub has committed its decisions (audit rows present). */
  async function handled(event: TestEvent): Promise<AuditRow[]> {
    await publish(event);
    return eventually(
      () => auditOf(event.eventId),
      (rows) => rows.length > 0,
      20_000,
    );
  }

  /** The partners that received a copy of an event, once the outbox relay had time to publish. */
  async function recipientsOf(eventId: string, expected: number): Promise<string[]> {
    await eventually(
      async () => delivered.get(eventId)?.length ?? 0,
      (count) => count >= expected,
      10_000,
    );
    // Anything more would have been published in the same relay pass.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return (delivered.get(eventId) ?? []).map((message) => message.fields.routingKey.split('.')[0]).sort();
  }

  function bundleOf(message: amqp.ConsumeMessage): Bundle {
    return JSON.parse(message.content.toString('utf8')) as Bundle;
  }

  it('delivers a hearing listed at a court to exactly the L&D and probation partners covering it, redacted, one audit row per decision', async () => {
    const event = fixtureEvent('court.hearing.listed');
    const rows = await handled(event);
    expect(await recipientsOf(event.eventId, 2)).toEqual(['nps-london-croydon', 'sl-liaison-diversion']);
    for (const message of delivered.get(event.eventId) ?? []) {
      const recipient = message.fields.routingKey.split('.')[0];
      expect(message.properties).toMatchObject({
        messageId: event.eventId,
        type: 'court.hearing.listed',
        correlationId: event.correlationId,
      });
      expect(message.properties.headers?.[AmqpHeaders.partitionKey]).toMatch(/^[0-9a-f]{32}$/);
      expect(message.properties.headers?.[AmqpHeaders.traceparent]).toMatch(/^00-/);
      const header = bundleOf(message).entry?.[0]?.resource as MessageHeader;
      expect(header.destination?.map((destination) => destination.endpoint)).toEqual([partnerEndpoint(recipient)]);
      // Redacted per flow: the court agreement shares no home address.
      expect(message.content.toString('utf8')).not.toContain('Elmwood Road');
    }
    expect(JSON.stringify(event.bundle)).toContain('Elmwood Road');
    expect(rows.map((row) => [row.kind, row.recipient, row.outcome])).toEqual([
      ['decision', 'nps-london-croydon', 'delivered'],
      ['decision', 'sl-liaison-diversion', 'delivered'],
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({
        event_type: 'court.hearing.listed',
        sender: 'croydon-mc',
        agreement_id: expect.any(String),
        flow_id: expect.any(String),
      });
      expect(row.removed_elements).toContain('Patient.address');
    }

    // The same event again (a partner's retry): consumed once, so no second copy and no second decision.
    await publish(event);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await auditOf(event.eventId)).toHaveLength(2);
    expect(delivered.get(event.eventId)).toHaveLength(2);
  });

  it('gives a missed appointment to the connected probation team with the significance only, not to the other provider; a consent withdrawal stops the next one', async () => {
    for (const type of [
      'probation.case.allocated',
      'treatment.referral.requested',
      'treatment.referral.accepted',
      'consent.recorded',
    ] as const) {
      await handled(fixtureEvent(type));
    }
    const missed = fixtureEvent('treatment.appointment.missed');
    const rows = await handled(missed);
    expect(await recipientsOf(missed.eventId, 1)).toEqual(['nps-london-croydon']);
    const copy = JSON.stringify(bundleOf((delivered.get(missed.eventId) ?? [])[0]));
    expect(copy).toContain('non-attendance-significance');
    expect(copy).not.toContain('No contact before or after the session');
    expect(rows.find((row) => row.recipient === 'nps-london-croydon')).toMatchObject({
      outcome: 'delivered',
      consent_reference: expect.stringContaining('SLAM-CONSENT-3107'),
    });
    expect(rows.find((row) => row.recipient === 'nps-london-croydon')?.removed_elements.length).toBeGreaterThan(0);
    expect(rows.some((row) => row.recipient === 'st-andrews-mhtr')).toBe(false);

    // Outcome scores stay with the hub (reporting); probation gets the progress summary only.
    const progress = fixtureEvent('treatment.progress.reported');
    await handled(progress);
    const kept = (await hubData.query(
      'SELECT instrument, score FROM hub_outcome_score WHERE event_id = $1 ORDER BY ordinal',
      [progress.eventId],
    )) as { instrument: string; score: string }[];
    expect(kept.map((row) => `${row.instrument}=${Number(row.score)}`)).toEqual([
      'phq-9=19',
      'gad-7=15',
      'core-34=68',
      'phq-9=12',
    ]);
    expect(await recipientsOf(progress.eventId, 1)).toEqual(['nps-london-croydon']);
    expect((delivered.get(progress.eventId) ?? [])[0].content.toString('utf8')).not.toMatch(/outcome-score|44261-6/);

    await handled(providerConsentWithdrawn());
    const next = fixtureEvent('treatment.appointment.missed');
    const afterWithdrawal = await handled(next);
    expect(afterWithdrawal.find((row) => row.recipient === 'nps-london-croydon')).toMatchObject({
      kind: 'decision',
      outcome: 'refused',
      refusing_rule: 'consent-withdrawn',
    });
    // Give the relay time to publish anything it (wrongly) had.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(delivered.get(next.eventId) ?? []).toEqual([]);
  });

  /** A dead letter as the tests see it: its failure code and reason. */
  interface DeadLetter {
    readonly code: string;
    readonly reason: string;
  }

  /**
   * The dead letters of these events: taken from `hub.ingress.dlq`, or from `hub_dead_letter`
   * where the hub itself keeps what it drains from its DLQs.
   */
  async function deadLetters(eventIds: ReadonlySet<string>, timeoutMs = 20_000): Promise<Map<string, DeadLetter>> {
    const found = new Map<string, DeadLetter>();
    const probe = async (): Promise<number> => {
      for (const message of await broker.drain(deadLetterQueue(HUB_INGRESS_QUEUE))) {
        const id = String(message.properties.messageId);
        const headers = message.properties.headers ?? {};
        if (eventIds.has(id))
          found.set(id, {
            code: String(headers[AmqpHeaders.failureCode]),
            reason: String(headers[AmqpHeaders.failureReason]),
          });
      }
      const [table] = (await hubData.query(`SELECT to_regclass('hub_dead_letter') IS NOT NULL AS present`)) as {
        present: boolean;
      }[];
      if (table.present) {
        const rows = (await hubData.query(
          'SELECT event_id, failure_code, failure_reason FROM hub_dead_letter WHERE event_id = ANY($1::text[])',
          [[...eventIds]],
        )) as {
          event_id: string;
          failure_code: string;
          failure_reason: string;
        }[];
        for (const row of rows) found.set(row.event_id, { code: row.failure_code, reason: row.failure_reason });
      }
      return found.size;
    };
    await eventually(probe, (size) => size === eventIds.size, timeoutMs, 250);
    return found;
  }

  it('dead-letters an invalid event with its reason, keeps its OperationOutcome, audits it and delivers nothing', async () => {
    const event = fixtureEvent('court.hearing.listed');
    const bundle = JSON.parse(JSON.stringify(event.bundle)) as Bundle;
    (bundle.entry?.[0]?.resource as MessageHeader).focus = [{ reference: 'urn:uuid:not-in-this-bundle' }];
    const rows = await handled({ ...event, body: bundle });
    expect(rows).toEqual([
      expect.objectContaining({
        kind: 'refusal-at-ingress',
        outcome: 'refused',
        refusing_rule: 'invalid-bundle',
        sender: 'croydon-mc',
      }),
    ]);
    const [refusal] = (await hubData.query('SELECT code, outcome FROM ingress_refusal WHERE event_id = $1', [
      event.eventId,
    ])) as { code: string; outcome: { resourceType: string; issue: unknown[] } }[];
    expect(refusal).toMatchObject({ code: 'invalid-bundle', outcome: { resourceType: 'OperationOutcome' } });
    expect(refusal.outcome.issue.length).toBeGreaterThan(0);
    const dead = (await deadLetters(new Set([event.eventId]))).get(event.eventId);
    expect(dead?.code).toBe('invalid-bundle');
    expect(dead?.reason).toMatch(/invalid/);
    expect(delivered.get(event.eventId) ?? []).toEqual([]);
  });

  it('refuses a partner that claims another partner endpoint in its MessageHeader', async () => {
    const event = fixtureEvent('court.hearing.listed');
    const rows = await handled({ ...event, routingKey: 'camberwell-green-mc.court.hearing.listed' });
    expect(rows).toEqual([
      expect.objectContaining({
        kind: 'refusal-at-ingress',
        refusing_rule: 'sender-endpoint-mismatch',
        sender: 'camberwell-green-mc',
      }),
    ]);
    const dead = (await deadLetters(new Set([event.eventId]))).get(event.eventId);
    expect(dead?.code).toBe('sender-endpoint-mismatch');
    expect(delivered.get(event.eventId) ?? []).toEqual([]);
  });

  it('keeps consuming through 500 malformed messages, each dead-lettered with a reason', async () => {
    const valid = fixtureEvent('court.hearing.listed').bundle;
    const kinds = ['malformed-json', 'wrong-resource-type', 'unknown-type', 'bad-identifier', 'not-a-bundle'] as const;
    const ids = new Set<string>();
    const sends: Promise<void>[] = [];
    const publisher = await publisherOf('croydon-mc');
    for (let index = 0; index < 500; index++) {
      const kind = kinds[index % kinds.length];
      const eventId = randomUUID();
      ids.add(eventId);
      let type = 'court.hearing.listed';
      let body: Buffer;
      if (kind === 'malformed-json')
        body = Buffer.from(`{"resourceType":"Bundle","entry":[${'{'.repeat(index % 7)}`, 'utf8');
      else if (kind === 'wrong-resource-type')
        body = encodeBody({
          ...valid,
          resourceType: ['Patient', 'Parameters', 'OperationOutcome', 42, null][index % 5],
        });
      else if (kind === 'unknown-type') {
        type = `court.hearing.${['cancelled', 'moved', 'x'.repeat(index % 40), 'listed2'][index % 4]}`;
        body = encodeBody(valid);
      } else if (kind === 'bad-identifier') {
        const bundle = JSON.parse(JSON.stringify(valid)) as Bundle;
        const patient = bundle.entry?.find((entry) => entry.resource?.resourceType === 'Patient')
          ?.resource as unknown as { identifier: unknown };
        // An NHS number of 11 digits, a system that is no string, no list, an identifier without system or value.
        patient.identifier = [
          [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: String(index).padStart(11, '9') }],
          [{ system: 42, value: {} }],
          'nonsense',
          [{}],
        ][index % 4];
        body = encodeBody(bundle);
      } else body = encodeBody([index, 'not', { a: 'bundle' }]);
      sends.push(
        publisher.publish({ exchange: INGRESS_EXCHANGE, routingKey: `croydon-mc.${type}`, eventId, type, body }),
      );
    }
    await Promise.all(sends);
    const dead = await deadLetters(ids, 45_000);
    for (const letter of dead.values()) expect(letter.reason.length).toBeGreaterThan(0);
    const codes = new Set([...dead.values()].map((letter) => letter.code));
    expect(codes).toEqual(new Set(['unparseable', 'invalid-bundle', 'no-handler']));
    // What the hub itself refused (not what the consumer could not parse or dispatch) is audited, with its OperationOutcome kept.
    const refusedByHub = [...dead].filter(([, letter]) => letter.code === 'invalid-bundle').map(([id]) => id);
    expect(refusedByHub).toHaveLength(300);
    const counts = (await hubData.query(
      `SELECT (SELECT count(*) FROM audit_record WHERE kind = 'refusal-at-ingress' AND event_id = ANY($1::text[])) AS audited,
              (SELECT count(*) FROM ingress_refusal WHERE event_id = ANY($1::uuid[])) AS kept`,
      [refusedByHub],
    )) as { audited: string; kept: string }[];
    expect(counts[0]).toEqual({ audited: '300', kept: '300' });
    // Still serving: the next valid event is delivered.
    const after = fixtureEvent('court.hearing.listed');
    await handled(after);
    expect(await recipientsOf(after.eventId, 2)).toEqual(['nps-london-croydon', 'sl-liaison-diversion']);
    // Every record appended along the way is in one unbroken chain.
    expect(await app.get(AuditLog).verify()).toMatchObject({ ok: true });
  });
});
