import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type * as amqp from 'amqplib';
import request from 'supertest';
import type { Bundle, Flag, MessageHeader, Task } from 'fhir/r4';
import type { DataSource } from 'typeorm';
import {
  addWorkingDays,
  DELIVERY_EXCHANGE,
  deliveryBindingPattern,
  endOfLondonDay,
  londonDateOf,
  type EventType,
} from '@cstr/contracts';
import type { EventInputOf } from '@cstr/fhir';
import { COMMON_PLATFORM_DEFENDANT_ID_SYSTEM } from '@cstr/identity';
import { createApp } from '@cstr/platform';
import {
  BrokerFixture,
  DatabaseFixture,
  eventually,
  keepByMessageId,
  testEnvironment,
  uniqueName,
} from '@cstr/testing';
import { hashSecret } from '../src/auth/secret-hash';
import { hubApp } from '../src/hub.app';
import { PathwayScheduler } from '../src/pathway/pathway.scheduler';
import type { Timeline } from '../src/pathway/timeline.service';
import { fixtureEvent, type TestEvent } from './ingress-test-kit';
import { PartnerPublishers } from './partner-publishers';

/** Partners whose deliveries the tests watch. */
const WATCHED = [
  'slam-mhtr',
  'st-andrews-mhtr',
  'sl-liaison-diversion',
  'nps-london-croydon',
  'nps-london-lambeth',
  'croydon-mc',
];

/** Organisations of providers as a sentence names them (config/partners.yaml). */
const ST_ANDREWS = {
  code: 'NVN',
  name: "St Andrew's Healthcare (South London female offender MHTR)",
  partnerId: 'st-andrews-mhtr',
};
const DRUG_SERVICE = {
  code: 'NDA',
  name: 'South London Community Drug and Alcohol Service (DRR and ATR)',
  partnerId: 'sl-drug-alcohol-service',
};

const USERS = {
  auditor: { id: 'ig-lead', secret: 'test-secret-ig-lead', roles: ['ig-auditor'] },
  admin: { id: 'root', secret: 'test-secret-admin', roles: ['admin'] },
  operator: { id: 'ops', secret: 'test-secret-operator', roles: ['operator'] },
} as const;
const PARTNER = { id: 'slam-mhtr', secret: 'test-secret-slam-mhtr' };

function basic(principal: { id: string; secret: string }): string {
  return `Basic ${Buffer.from(`${principal.id}:${principal.secret}`).toString('base64')}`;
}

interface DeadlineRow {
  id: string;
  kind: string;
  status: string;
  due_at: Date;
  owed_by: string;
  opened_at: Date;
  closed_by_event: string | null;
  missed_event_id: string | null;
}

/**
 * Pathway deadlines and candidates through the real broker and database (SPEC §8): the hub opens
 * deadlines from accepted events, its scheduler (driven here with a later `now` instead of waiting
 * days) sends `pathway.deadline.missed` to the partner who owes the step through the ingress
 * pipeline, exactly once and also after a restart; a listing that matches an earlier L&D
 * screening sends `pathway.candidate.identified`; and `GET /people/{identifier}/timeline` shows it all.
 */
describe('pathway deadlines, candidates and the timeline', () => {
  const env = testEnvironment();
  let database: DatabaseFixture;
  let data: DataSource;
  let broker: BrokerFixture;
  let app: INestApplication;
  let folder: string;
  let schema: string;
  const publishers = new PartnerPublishers('pathway-test');
  /** Deliveries seen, by event id. */
  const delivered = new Map<string, amqp.ConsumeMessage[]>();

  async function startHub(intervalMs = '0'): Promise<INestApplication> {
    return createApp(hubApp, {
      RABBITMQ_URL: env.hubUrl,
      DATABASE_URL: env.databaseUrl,
      DATABASE_SCHEMA: schema,
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      PRINCIPALS_FILE: join(folder, 'principals.yaml'),
      // The tests drive the scheduler themselves, with the time they need (but the last).
      PATHWAY_SCHEDULER_INTERVAL_MS: intervalMs,
    });
  }

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    for (const partner of WATCHED)
      await broker.watch(
        [{ exchange: DELIVERY_EXCHANGE, pattern: deliveryBindingPattern(partner) }],
        keepByMessageId(delivered),
        uniqueName(`test_watch_${partner}`),
      );
    folder = mkdtempSync(join(tmpdir(), 'hub-pathway-'));
    const lines = [
      'principals:',
      `  - { id: ${PARTNER.id}, kind: partner, partner: ${PARTNER.id}, secretHash: "${await hashSecret(PARTNER.secret, { N: 1024, r: 8, p: 1 })}" }`,
    ];
    for (const user of Object.values(USERS)) {
      lines.push(
        `  - { id: ${user.id}, kind: user, roles: [${user.roles.join(', ')}], secretHash: "${await hashSecret(user.secret, { N: 1024, r: 8, p: 1 })}" }`,
      );
    }
    writeFileSync(join(folder, 'principals.yaml'), `${lines.join('\n')}\n`);
    schema = uniqueName('hub_pathway');
    // The test's own connection to the schema: it outlives each hub app (the restart), and drops the schema at the end.
    database = await DatabaseFixture.open(env.databaseUrl, schema, hubApp.migrations);
    data = database.dataSource;
    app = await startHub();
  });

  afterAll(async () => {
    await app?.close();
    await database?.close();
    await publishers.close();
    await broker?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  /** Publishes as the fixture's sender, about the person with this Common Platform defendant id, and waits until the hub has committed it. */
  async function handled<T extends EventType>(
    type: T,
    defendantId: string,
    change?: (input: EventInputOf<T>) => void,
  ): Promise<TestEvent> {
    const event = fixtureEvent(type, (input) => {
      input.person.identifiers = { commonPlatformDefendantId: defendantId };
      change?.(input);
    });
    await publishers.publish(event);
    await eventually(
      () => data.query('SELECT 1 FROM audit_record WHERE event_id = $1', [event.eventId]) as Promise<unknown[]>,
      (rows) => rows.length > 0,
      20_000,
    );
    return event;
  }

  function deadlinesOf(openedBy: string): Promise<DeadlineRow[]> {
    return data.query(
      'SELECT id, kind, status, due_at, owed_by, opened_at, closed_by_event, missed_event_id FROM hub_pathway_deadline WHERE opened_by_event = $1 ORDER BY kind',
      [openedBy],
    ) as Promise<DeadlineRow[]>;
  }

  /**
   * The copies of an event the watched partners received, once there are at least `expected` and
   * the hub has published all it will: none of the event's copies is left in its outbox, and as
   * many arrived as the audit records delivered (written with the outbox rows). A copy too many
   * shows in the caller's assertions.
   */
  async function deliveriesOf(eventId: string, expected: number): Promise<amqp.ConsumeMessage[]> {
    await eventually(
      async () => {
        const [{ unpublished, audited }] = (await data.query(
          `SELECT (SELECT count(*)::int FROM messaging_outbox WHERE event_id::text = $1) AS unpublished,
                  (SELECT count(*)::int FROM audit_record WHERE event_id = $1 AND outcome = 'delivered' AND recipient = ANY($2::text[])) AS audited`,
          [eventId, WATCHED],
        )) as { unpublished: number; audited: number }[];
        return { unpublished, audited, received: delivered.get(eventId)?.length ?? 0 };
      },
      ({ unpublished, audited, received }) => received >= expected && unpublished === 0 && received >= audited,
      15_000,
    );
    return delivered.get(eventId) ?? [];
  }

  /** The ids of the `pathway.deadline.missed` events the hub sent about the person an event was about. */
  async function missedEventsAbout(eventId: string): Promise<string[]> {
    const rows = (await data.query(
      `SELECT event_id FROM hub_pathway_event WHERE event_type = 'pathway.deadline.missed'
         AND person_id = (SELECT person_id FROM hub_pathway_event WHERE event_id = $1) ORDER BY received_at`,
      [eventId],
    )) as { event_id: string }[];
    return rows.map((row) => row.event_id);
  }

  const bundleOf = (message: amqp.ConsumeMessage): Bundle => JSON.parse(message.content.toString('utf8')) as Bundle;
  const scheduler = (): PathwayScheduler => app.get(PathwayScheduler);

  /** A DRR sentence at Croydon with slam-mhtr as the provider. */
  const drr = (input: EventInputOf<'court.sentence.imposed'>): void => {
    input.sentence.requirements = [
      { ...input.sentence.requirements[0], id: `drr-${randomUUID()}`, type: 'drr', startWithinWorkingDays: undefined },
    ];
  };

  let missedPerson: string;
  let sentence: TestEvent;
  let missedEventId: string;

  it('sends pathway.deadline.missed to the provider when a DRR has no appointment within 2 working days — once, and also after the hub restarts', async () => {
    // Given a DRR sentence: the provider owes the first appointment within 2 working days
    missedPerson = randomUUID();
    sentence = await handled('court.sentence.imposed', missedPerson, drr);
    const opened = await deadlinesOf(sentence.eventId);
    expect(opened.map((row) => [row.kind, row.status, row.owed_by])).toEqual([
      ['first-appointment', 'open', 'slam-mhtr'],
      ['three-way-meeting', 'open', 'slam-mhtr'],
    ]);
    const first = opened[0];
    expect(first.due_at).toEqual(endOfLondonDay(addWorkingDays(londonDateOf(first.opened_at), 2)));

    // Not yet due: nothing is sent.
    expect(await scheduler().runOnce(new Date(first.due_at.getTime() - 60_000))).toEqual({ missed: 0, candidates: 0 });

    // When the hub restarts (the deadline is in the database, not in a timer of the old app) and the scheduler runs after it was due
    await app.close();
    app = await startHub();
    const after = new Date(first.due_at.getTime() + 1_000);
    expect((await scheduler().runOnce(after)).missed).toBeGreaterThanOrEqual(1);
    const [row] = (await deadlinesOf(sentence.eventId)).filter((each) => each.kind === 'first-appointment');
    expect(row).toMatchObject({ status: 'missed', missed_event_id: expect.any(String) });
    missedEventId = row.missed_event_id as string;

    // Then the provider, and only the provider, receives pathway.deadline.missed
    const copies = await deliveriesOf(missedEventId, 1);
    expect(copies.map((message) => message.fields.routingKey)).toEqual(['slam-mhtr.pathway.deadline.missed']);
    expect(copies[0].properties).toMatchObject({ type: 'pathway.deadline.missed', correlationId: sentence.eventId });
    const bundle = bundleOf(copies[0]);
    const header = bundle.entry?.[0]?.resource as MessageHeader;
    expect(header.source?.endpoint).toBe('urn:cstr-hub:partner:cstr-hub');
    const task = bundle.entry
      ?.map((entry) => entry.resource)
      .find((resource): resource is Task => resource?.resourceType === 'Task');
    expect(task?.restriction?.period?.end).toBe(first.due_at.toISOString());
    expect(JSON.stringify(task?.reasonCode)).toContain('first-appointment');
    const audit = (await data.query(
      'SELECT recipient, outcome, sender, agreement_id, flow_id FROM audit_record WHERE event_id = $1 ORDER BY recipient',
      [missedEventId],
    )) as Record<string, string>[];
    // Only the partner who owes the step; the others connected to the person are refused (and audited).
    expect(audit.filter((row) => row.outcome === 'delivered')).toEqual([
      {
        recipient: 'slam-mhtr',
        outcome: 'delivered',
        sender: 'cstr-hub',
        agreement_id: 'cstr-south-london-pathway',
        flow_id: 'deadline-to-mh-provider',
      },
    ]);
    expect(
      audit
        .filter((row) => row.outcome !== 'delivered')
        .every((row) => row.outcome === 'refused' && row.recipient !== 'slam-mhtr'),
    ).toBe(true);

    // Exactly once: a later run, on this instance or another, finds nothing more for it.
    await scheduler().runOnce(after);
    expect(await deliveriesOf(missedEventId, 1)).toHaveLength(1);
    expect(
      (
        await data.query(
          `SELECT count(*)::int AS n FROM hub_pathway_deadline WHERE opened_by_event = $1 AND status = 'missed' AND kind = 'first-appointment'`,
          [sentence.eventId],
        )
      )[0].n,
    ).toBe(1);
    // …and sent no second pathway.deadline.missed about the person (a new event would have a new id).
    expect(await missedEventsAbout(sentence.eventId)).toEqual([missedEventId]);
  });

  it('closes the deadline as met when the provider books the first appointment in time, and sends nothing for it', async () => {
    // Given a DRR sentence
    const person = randomUUID();
    const sentenced = await handled('court.sentence.imposed', person, drr);
    const [first] = (await deadlinesOf(sentenced.eventId)).filter((row) => row.kind === 'first-appointment');
    // When the provider books a session starting before the deadline
    const start = new Date(first.due_at.getTime() - 6 * 3_600_000);
    const booking = await handled('treatment.appointment.booked', person, (input) => {
      input.appointment = {
        ...input.appointment,
        id: `APPT-${randomUUID()}`,
        serviceType: 'treatment-session',
        start: start.toISOString(),
        end: new Date(start.getTime() + 3_000_000).toISOString(),
      };
    });
    // Then the deadline is met by the booking, and stays met after it was due
    const [met] = (await deadlinesOf(sentenced.eventId)).filter((row) => row.kind === 'first-appointment');
    expect(met).toMatchObject({ status: 'met', closed_by_event: booking.eventId });
    await scheduler().runOnce(new Date(first.due_at.getTime() + 1_000));
    const [still] = (await deadlinesOf(sentenced.eventId)).filter((row) => row.kind === 'first-appointment');
    expect(still.status).toBe('met');
    // The booking opened the outcome deadline of that appointment.
    expect((await deadlinesOf(booking.eventId)).map((row) => [row.kind, row.status])).toEqual([
      ['outcome-reporting', 'open'],
    ]);
  });

  it('sends pathway.candidate.identified to the L&D and probation teams of the court when a listing matches an earlier screening', async () => {
    // Given an L&D screening of one person, and a listing of another, unscreened
    const person = randomUUID();
    const screening = await handled('ld.screening.completed', person);
    const unscreened = await handled('court.hearing.listed', randomUUID());
    // When the screened person is listed
    const listing = await handled('court.hearing.listed', person);
    // Then only the screened person becomes a candidate, sent to the court's L&D and probation teams
    expect(
      (await data.query(
        'SELECT listing_event_id FROM hub_pathway_candidate WHERE person_id = (SELECT person_id FROM hub_pathway_event WHERE event_id = $1)',
        [unscreened.eventId],
      )) as unknown[],
    ).toEqual([]);
    const run = await scheduler().runOnce();
    expect(run.candidates).toBeGreaterThanOrEqual(1);
    const [candidate] = (await data.query(
      'SELECT sent_event_id FROM hub_pathway_candidate WHERE listing_event_id = $1',
      [listing.eventId],
    )) as { sent_event_id: string }[];
    expect(candidate.sent_event_id).toEqual(expect.any(String));
    const copies = await deliveriesOf(candidate.sent_event_id, 2);
    expect(copies.map((message) => message.fields.routingKey.split('.')[0]).sort()).toEqual([
      'nps-london-croydon',
      'sl-liaison-diversion',
    ]);
    for (const copy of copies) {
      const flag = bundleOf(copy)
        .entry?.map((entry) => entry.resource)
        .find((resource): resource is Flag => resource?.resourceType === 'Flag');
      expect(JSON.stringify(flag?.category)).toContain('pathway-candidate');
      expect(JSON.stringify(flag?.category)).toContain('mental-health');
      expect(copy.properties.correlationId).toBe(listing.eventId);
    }
    const flows = (await data.query(
      'SELECT recipient, flow_id FROM audit_record WHERE event_id = $1 ORDER BY recipient',
      [candidate.sent_event_id],
    )) as Record<string, string>[];
    expect(flows).toEqual([
      { recipient: 'nps-london-croydon', flow_id: 'candidate-to-probation' },
      { recipient: 'sl-liaison-diversion', flow_id: 'candidate-to-liaison-diversion' },
    ]);
    expect(screening.eventId).toBeDefined();
  });

  describe('GET /people/{identifier}/timeline', () => {
    const path = (value: string) => `/people/${encodeURIComponent(value)}/timeline`;

    it('shows the events, decisions and deadlines of the person in order, with the agreement and flow of each disclosure; the read is audited', async () => {
      // Given the person whose DRR start was missed (the first test); When an IG lead reads their timeline
      const response = await request(app.getHttpServer())
        .get(`${path(missedPerson)}?system=common-platform-defendant-id`)
        .set('Authorization', basic(USERS.auditor));
      expect(response.status).toBe(200);
      // Then it holds the sentence, its disclosures and deadlines, the missed one and the hub's notice, in order
      const timeline = response.body as Timeline;
      expect(timeline.person.identifiers).toEqual([
        { system: COMMON_PLATFORM_DEFENDANT_ID_SYSTEM, value: missedPerson },
      ]);
      const kinds = timeline.entries.map(
        (entry) =>
          `${entry.kind}${'eventType' in entry && entry.eventType ? `:${entry.eventType}` : ''}${'deadline' in entry ? `:${entry.deadline}` : ''}`,
      );
      // The sentence, its disclosures, the deadlines it opened; then the missed deadline and the hub's event about it, delivered.
      expect(kinds.indexOf('event:court.sentence.imposed')).toBe(0);
      const order = [
        'event:court.sentence.imposed',
        'delivery:court.sentence.imposed',
        'deadline-opened:first-appointment',
        'deadline-missed:first-appointment',
        'event:pathway.deadline.missed',
        'delivery:pathway.deadline.missed',
      ];
      const positions = order.map((kind) => kinds.indexOf(kind));
      expect(positions.every((position) => position >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      const sentenceDeliveries = timeline.entries.filter(
        (entry) => entry.kind === 'delivery' && entry.eventType === 'court.sentence.imposed',
      );
      expect(sentenceDeliveries.length).toBeGreaterThan(0);
      for (const entry of sentenceDeliveries)
        expect(entry).toMatchObject({
          sender: 'croydon-mc',
          agreement: { id: expect.any(String), version: expect.any(Number) },
          flow: expect.any(String),
        });
      expect(
        timeline.entries.find((entry) => entry.kind === 'event' && entry.eventType === 'pathway.deadline.missed'),
      ).toMatchObject({ eventId: missedEventId, sender: 'cstr-hub' });
      expect(timeline.deadlines.map((deadline) => [deadline.kind, deadline.status])).toEqual([
        ['first-appointment', 'missed'],
        ['three-way-meeting', 'open'],
      ]);
      const times = timeline.entries.filter((entry) => entry.kind !== 'read').map((entry) => entry.at);
      expect(times.length).toBeGreaterThan(5);

      const reads = (await data.query(
        `SELECT actor, person_identifiers FROM audit_record WHERE kind = 'read' AND actor = 'ig-lead' AND reason LIKE 'GET /people/%'`,
      )) as { actor: string; person_identifiers: unknown }[];
      expect(reads).toEqual([
        {
          actor: 'ig-lead',
          person_identifiers: [{ system: COMMON_PLATFORM_DEFENDANT_ID_SYSTEM, value: missedPerson }],
        },
      ]);
      // The read shows on the person's timeline too.
      const again = (
        await request(app.getHttpServer())
          .get(path(`${COMMON_PLATFORM_DEFENDANT_ID_SYSTEM}|${missedPerson}`))
          .set('Authorization', basic(USERS.admin))
      ).body as Timeline;
      expect(
        again.entries.filter((entry) => entry.kind === 'read').map((entry) => ('actor' in entry ? entry.actor : null)),
      ).toEqual(['ig-lead']);
    });

    it('is for the IG role and admins only, and answers bad or unknown identifiers with an OperationOutcome', async () => {
      const server = app.getHttpServer();
      expect((await request(server).get(path(missedPerson)).set('Authorization', basic(USERS.operator))).status).toBe(
        403,
      );
      expect((await request(server).get(path(missedPerson)).set('Authorization', basic(PARTNER))).status).toBe(403);
      expect((await request(server).get(path(missedPerson))).status).toBe(401);
      const unknown = await request(server).get(path(randomUUID())).set('Authorization', basic(USERS.auditor));
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
      const bad = await request(server).get(path('not an identifier')).set('Authorization', basic(USERS.auditor));
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ resourceType: 'OperationOutcome' });
      expect(
        (
          await request(server)
            .get(`${path(missedPerson)}?system=shoe-size`)
            .set('Authorization', basic(USERS.auditor))
        ).status,
      ).toBe(400);
      expect(
        (
          await request(server)
            .get(`${path(missedPerson)}?colour=blue`)
            .set('Authorization', basic(USERS.auditor))
        ).status,
      ).toBe(400);
    });
  });

  it('finds an earlier screening of a person merged into the listed one, and shows both on the timeline', async () => {
    // Given a screening under a CRN, and a listing under a Common Platform id not yet linked to it
    const defendantId = randomUUID();
    const crn = `M${String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0')}`;
    const screening = await handled('ld.screening.completed', defendantId, (input) => {
      input.person.identifiers = { crn };
    });
    const before = await handled('court.hearing.listed', defendantId);
    expect(
      (await data.query('SELECT 1 FROM hub_pathway_candidate WHERE listing_event_id = $1', [
        before.eventId,
      ])) as unknown[],
    ).toEqual([]);
    // When the court (trusted) sends both identifiers together: the person index merges the two persons
    await handled('court.sentence.imposed', defendantId, (input) => {
      input.person.identifiers = { commonPlatformDefendantId: defendantId, crn };
    });
    // Then the next listing finds the earlier screening, and the timeline shows both persons' events
    const after = await handled('court.hearing.listed', defendantId);
    expect(
      (await data.query('SELECT candidate FROM hub_pathway_candidate WHERE listing_event_id = $1', [
        after.eventId,
      ])) as unknown[],
    ).toEqual([
      { candidate: expect.objectContaining({ screeningEventId: screening.eventId, needs: ['mental-health'] }) },
    ]);
    const timeline = (
      await request(app.getHttpServer()).get(`/people/${crn}/timeline`).set('Authorization', basic(USERS.admin))
    ).body as Timeline;
    const events = timeline.entries.flatMap((entry) => (entry.kind === 'event' ? [entry.eventType] : []));
    expect(events).toEqual([
      'ld.screening.completed',
      'court.hearing.listed',
      'court.sentence.imposed',
      'court.hearing.listed',
    ]);
  });

  it('runs the scheduler on its own every PATHWAY_SCHEDULER_INTERVAL_MS', async () => {
    // Given a hub whose scheduler runs every 200 ms
    await app.close();
    app = await startHub('200');
    // When a screened person is listed
    const person = randomUUID();
    await handled('ld.screening.completed', person);
    const listing = await handled('court.hearing.listed', person);
    // Then the candidate is sent without anyone running the scheduler
    const [sent] = await eventually(
      () =>
        data.query(
          'SELECT sent_event_id FROM hub_pathway_candidate WHERE listing_event_id = $1 AND sent_at IS NOT NULL',
          [listing.eventId],
        ) as Promise<{ sent_event_id: string }[]>,
      (rows) => rows.length === 1,
      10_000,
    );
    expect((await deliveriesOf(sent.sent_event_id, 2)).length).toBe(2);
  });

  /**
   * Last in the file: these run the scheduler far ahead, past every deadline earlier tests left
   * open (none of them checks one after this).
   */
  describe('a requirement that ends cancels its own open deadlines, and only its own', () => {
    interface CancellableRow {
      kind: string;
      owed_by: string;
      status: string;
      closed_by_event: string | null;
      closed_reason: string | null;
      missed_event_id: string | null;
      due_at: Date;
    }

    function requirementDeadlines(openedBy: string): Promise<CancellableRow[]> {
      return data.query(
        `SELECT kind, owed_by, status, closed_by_event, closed_reason, missed_event_id, due_at FROM hub_pathway_deadline
         WHERE opened_by_event = $1 ORDER BY kind, owed_by`,
        [openedBy],
      ) as Promise<CancellableRow[]>;
    }

    const stateOf = (rows: CancellableRow[]) => rows.map((row) => [row.kind, row.owed_by, row.status]);

    it('Given a combined MHTR + ATR order, When the MHTR provider rejects its referral, Then only the MHTR deadlines are cancelled, shown with the reason, and never reported missed', async () => {
      // Given: the MHTR with one provider, the ATR with the drug and alcohol service
      const person = randomUUID();
      const mhtrId = `mhtr-${randomUUID()}`;
      const sentenced = await handled('court.sentence.imposed', person, (input) => {
        const [mhtr] = input.sentence.requirements;
        input.sentence.requirements = [
          { ...mhtr, id: mhtrId, provider: ST_ANDREWS },
          {
            ...mhtr,
            id: `atr-${randomUUID()}`,
            type: 'atr',
            startWithinWorkingDays: undefined,
            provider: DRUG_SERVICE,
          },
        ];
      });
      expect(stateOf(await requirementDeadlines(sentenced.eventId))).toEqual([
        ['first-appointment', 'sl-drug-alcohol-service', 'open'],
        ['first-appointment', 'st-andrews-mhtr', 'open'],
        ['three-way-meeting', 'sl-drug-alcohol-service', 'open'],
        ['three-way-meeting', 'st-andrews-mhtr', 'open'],
      ]);

      // When: the MHTR provider rejects the referral the sentence made
      const rejection = await handled('treatment.referral.rejected', person, (input) => {
        input.referral.id = mhtrId;
      });

      // Then: the MHTR provider's deadlines are cancelled by the rejection, the ATR's stay open
      const afterRejection = await requirementDeadlines(sentenced.eventId);
      expect(afterRejection.map((row) => [row.kind, row.owed_by, row.status, row.closed_by_event])).toEqual([
        ['first-appointment', 'sl-drug-alcohol-service', 'open', null],
        ['first-appointment', 'st-andrews-mhtr', 'cancelled', rejection.eventId],
        ['three-way-meeting', 'sl-drug-alcohol-service', 'open', null],
        ['three-way-meeting', 'st-andrews-mhtr', 'cancelled', rejection.eventId],
      ]);
      expect(afterRejection.filter((row) => row.status === 'cancelled').map((row) => row.closed_reason)).toEqual([
        'The referral was rejected by st-andrews-mhtr.',
        'The referral was rejected by st-andrews-mhtr.',
      ]);

      // When: the scheduler runs after every one of them was due
      const lastDue = Math.max(...afterRejection.map((row) => row.due_at.getTime()));
      await scheduler().runOnce(new Date(lastDue + 1_000));

      // Then: only the ATR's are missed, each with the event the hub sent; the cancelled ones stay so, with no event
      const afterRun = await requirementDeadlines(sentenced.eventId);
      expect(afterRun.map((row) => [row.kind, row.owed_by, row.status, row.missed_event_id !== null])).toEqual([
        ['first-appointment', 'sl-drug-alcohol-service', 'missed', true],
        ['first-appointment', 'st-andrews-mhtr', 'cancelled', false],
        ['three-way-meeting', 'sl-drug-alcohol-service', 'missed', true],
        ['three-way-meeting', 'st-andrews-mhtr', 'cancelled', false],
      ]);
      const missedEvents = await missedEventsAbout(sentenced.eventId);
      expect([...missedEvents].sort()).toEqual(
        afterRun.flatMap((row) => (row.missed_event_id ? [row.missed_event_id] : [])).sort(),
      );
      const toRejectingProvider = (await data.query(
        `SELECT count(*)::int AS n FROM audit_record WHERE event_id = ANY($1::text[]) AND recipient = 'st-andrews-mhtr' AND outcome = 'delivered'`,
        [missedEvents],
      )) as { n: number }[];
      expect(toRejectingProvider[0].n).toBe(0);

      // And the timeline shows them cancelled, with the reason and the rejection that cancelled them
      const timeline = (
        await request(app.getHttpServer())
          .get(`/people/${person}/timeline?system=common-platform-defendant-id`)
          .set('Authorization', basic(USERS.auditor))
      ).body as Timeline;
      const cancelled = timeline.entries.filter((entry) => entry.kind === 'deadline-cancelled');
      expect(
        cancelled.map((entry) => ('owedBy' in entry ? [entry.deadline, entry.owedBy, entry.eventId] : [])).sort(),
      ).toEqual([
        ['first-appointment', 'st-andrews-mhtr', rejection.eventId],
        ['three-way-meeting', 'st-andrews-mhtr', rejection.eventId],
      ]);
      expect(
        cancelled.every(
          (entry) => 'reason' in entry && entry.reason === 'The referral was rejected by st-andrews-mhtr.',
        ),
      ).toBe(true);
      expect(
        timeline.deadlines
          .filter((deadline) => deadline.status === 'cancelled')
          .map((deadline) => deadline.cancelledReason),
      ).toEqual(['The referral was rejected by st-andrews-mhtr.', 'The referral was rejected by st-andrews-mhtr.']);
      expect(
        timeline.entries.some(
          (entry) => entry.kind === 'deadline-missed' && 'owedBy' in entry && entry.owedBy === 'st-andrews-mhtr',
        ),
      ).toBe(false);
    });

    it('Given an MHTR and an ATR with one provider, When the ATR episode ends, Then only the ATR start is cancelled and the shared meeting stays; When probation terminates the MHTR, Then the rest is cancelled', async () => {
      // Given: both requirements with the same provider, who owes one three-way meeting for both
      const person = randomUUID();
      const sentenced = await handled('court.sentence.imposed', person, (input) => {
        const [mhtr] = input.sentence.requirements;
        input.sentence.requirements = [
          { ...mhtr, id: `mhtr-${randomUUID()}` },
          { ...mhtr, id: `atr-${randomUUID()}`, type: 'atr', startWithinWorkingDays: undefined },
        ];
      });
      const due = await requirementDeadlines(sentenced.eventId);
      expect(stateOf(due)).toEqual([
        ['first-appointment', 'slam-mhtr', 'open'],
        ['first-appointment', 'slam-mhtr', 'open'],
        ['three-way-meeting', 'slam-mhtr', 'open'],
      ]);
      const atrStart = (await data.query(
        `SELECT id FROM hub_pathway_deadline WHERE opened_by_event = $1 AND kind = 'first-appointment' AND requirements = '{atr}'`,
        [sentenced.eventId],
      )) as { id: string }[];
      expect(atrStart).toHaveLength(1);

      // When: the provider ends the ATR treatment episode
      const ended = await handled('treatment.episode.ended', person, (input) => {
        input.episode.requirementType = 'atr';
        input.episode.reason = 'disengaged';
      });

      // Then: the ATR start is cancelled with the reason; the MHTR start and the shared meeting stay open
      const afterEnd = (await data.query(
        `SELECT id, kind, status, closed_by_event, closed_reason FROM hub_pathway_deadline WHERE opened_by_event = $1 ORDER BY kind, status`,
        [sentenced.eventId],
      )) as {
        id: string;
        kind: string;
        status: string;
        closed_by_event: string | null;
        closed_reason: string | null;
      }[];
      expect(afterEnd.map((row) => [row.kind, row.status])).toEqual([
        ['first-appointment', 'cancelled'],
        ['first-appointment', 'open'],
        ['three-way-meeting', 'open'],
      ]);
      expect(afterEnd[0]).toMatchObject({
        id: atrStart[0].id,
        closed_by_event: ended.eventId,
        closed_reason: 'The ATR treatment episode at slam-mhtr ended (disengaged).',
      });

      // When: probation terminates the MHTR
      const terminated = await handled('probation.requirement.terminated', person, (input) => {
        input.requirement.outcome = 'revoked';
      });

      // Then: the MHTR start and the meeting (no requirement of it left) are cancelled by the termination
      const afterTermination = await requirementDeadlines(sentenced.eventId);
      expect(afterTermination.map((row) => [row.kind, row.status, row.closed_by_event, row.closed_reason])).toEqual(
        expect.arrayContaining([
          [
            'first-appointment',
            'cancelled',
            ended.eventId,
            'The ATR treatment episode at slam-mhtr ended (disengaged).',
          ],
          [
            'first-appointment',
            'cancelled',
            terminated.eventId,
            'The MHTR was terminated (revoked) by nps-london-croydon.',
          ],
          [
            'three-way-meeting',
            'cancelled',
            terminated.eventId,
            'The MHTR was terminated (revoked) by nps-london-croydon.',
          ],
        ]),
      );
      expect(afterTermination).toHaveLength(3);

      // And none is reported missed after it would have been due
      const lastDue = Math.max(...afterTermination.map((row) => row.due_at.getTime()));
      await scheduler().runOnce(new Date(lastDue + 1_000));
      expect((await requirementDeadlines(sentenced.eventId)).map((row) => row.status)).toEqual([
        'cancelled',
        'cancelled',
        'cancelled',
      ]);
      expect(await missedEventsAbout(sentenced.eventId)).toEqual([]);
    });
  });
});
