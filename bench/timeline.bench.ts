/**
 * Timeline benchmark: `GET /people/{identifier}/timeline` for one person with many events, among
 * a large audit.
 *   1. fills the audit with `--records` records in all (default 1,000,000): decisions about other
 *      people, appended through the hub's own AuditLog in batches — every record is hash-chained,
 *      nothing bypasses the chain, and `GET /audit/verify` would pass;
 *   2. between the batches, runs `--person-events` (default 500) events about one person through
 *      the real ingress pipeline in-process (identity, agreements, audit, pathway observer), so that
 *      person's records are spread through the table; their deliveries are not published (the
 *      benchmark measures reading, and leaves the broker's partner queues alone);
 *   3. calls the endpoint over HTTP `--requests` times (default 100, after 10 warm-up calls) as an
 *      ig-auditor, and reports p50/p99. Every call is audited, as in production.
 * The hub runs in-process on its own schema (dropped at the end) and consumes no queue. The last
 * line is one JSON object.
 *
 *   npm run bench:timeline [-- --records 1000000 --person-events 500 --requests 100]
 *
 * Against your own servers: RABBITMQ_URL=amqp://… DATABASE_URL=postgres://… npm run bench:timeline
 * (used as they are, without provisioning: the hub only connects); otherwise the benchmark stack
 * of `ensureIntegrationStack('bench')` is used.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuditLog, type AuditRecordInput } from '@cstr/audit';
import { EVENT_TYPES, ingressRoutingKey, type EventType } from '@cstr/contracts';
import { buildEventBundle, type EventInput } from '@cstr/fhir';
import { COMMON_PLATFORM_DEFENDANT_ID_SYSTEM } from '@cstr/identity';
import { createApp } from '@cstr/platform';
import { ensureIntegrationStack, percentile, uniqueName } from '@cstr/testing';
import { hashSecret } from '../apps/hub/src/auth/secret-hash';
import { hubApp } from '../apps/hub/src/hub.app';
import { IngressPipeline } from '../apps/hub/src/ingress/ingress.pipeline';
import type { Timeline } from '../apps/hub/src/pathway/timeline.service';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { benchOptions, runBench } from './bench-kit';

const OPTIONS = benchOptions({ records: 1_000_000, 'person-events': 500, requests: 100 });
const RECORDS = OPTIONS.records;
const PERSON_EVENTS = OPTIONS['person-events'];
const REQUESTS = OPTIONS.requests;
const WARM_UP = 10;
const BATCH = 5_000;
const ROUNDS = 4;

/** The person of the timeline: the NHS number and CRN of the fixtures. */
const NHS_NUMBER = '9434765919';
const PERSON = { nhsNumber: NHS_NUMBER, nhsNumberVerified: true, crn: 'X123456' };
/** Events about the person, cycled: courts, probation, the provider, the GP service. */
const PERSON_EVENT_TYPES: readonly EventType[] = [
  'court.hearing.listed',
  'probation.case.allocated',
  'treatment.referral.requested',
  'treatment.referral.accepted',
  'consent.recorded',
  'treatment.appointment.booked',
  'treatment.appointment.attended',
  'treatment.appointment.missed',
  'treatment.progress.reported',
  'risk.changed',
  'gp.registration.checked',
];
const USER = { id: 'bench-ig', secret: `bench-${randomUUID()}` };

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A decision about somebody else, as the hub writes them. */
function backgroundRecord(index: number): AuditRecordInput {
  const delivered = index % 5 !== 0;
  const eventType = EVENT_TYPES[index % EVENT_TYPES.length];
  return {
    kind: 'decision',
    outcome: delivered ? 'delivered' : 'refused',
    eventId: randomUUID(),
    eventType,
    sender: 'croydon-mc',
    recipient: index % 2 === 0 ? 'nps-london-croydon' : 'sl-liaison-diversion',
    agreement: { id: 'cstr-south-london-court', version: 2 },
    flowId: 'listing-to-liaison-diversion',
    ...(delivered
      ? {
          legalBasis: { article6: '6(1)(e)', article9: '9(2)(g)' },
          removedElements: ['Patient.address', 'Patient.telecom'],
          reason: 'Check the day’s court list against earlier screenings',
        }
      : { refusingRule: 'not-connected', reason: 'The recipient is not connected to the person.' }),
    personIdentifiers: [{ system: COMMON_PLATFORM_DEFENDANT_ID_SYSTEM, value: randomUUID() }],
  };
}

async function fillBackground(audit: AuditLog, dataSource: DataSource, count: number, done: number): Promise<void> {
  for (let written = 0; written < count; written += BATCH) {
    const size = Math.min(BATCH, count - written);
    await dataSource.transaction((manager) =>
      audit.append(
        manager,
        Array.from({ length: size }, (_, i) => backgroundRecord(done + written + i)),
      ),
    );
  }
}

/** One event about the person through the ingress pipeline, in its own transaction; deliveries are dropped, the audit is kept. */
async function personEvent(
  pipeline: IngressPipeline,
  audit: AuditLog,
  dataSource: DataSource,
  index: number,
): Promise<void> {
  const type = PERSON_EVENT_TYPES[index % PERSON_EVENT_TYPES.length];
  const input = loadEventFixture(type) as EventInput;
  const eventId = randomUUID();
  Object.assign(input.envelope, { eventId });
  input.person.identifiers = { ...PERSON };
  if ('appointment' in input)
    input.appointment = { ...input.appointment, id: `APPT-${Math.floor(index / PERSON_EVENT_TYPES.length)}` };
  const bundle = buildEventBundle(input);
  const message = {
    eventId,
    type,
    routingKey: ingressRoutingKey(input.envelope.sender, type),
    correlationId: eventId,
    body: bundle,
  };
  await dataSource.transaction(async (manager) => {
    const result = await pipeline.process(
      {
        manager,
        publish: () => Promise.resolve(),
        appendAudit: async (records) => void (await audit.append(manager, records)),
      },
      message,
    );
    if (result.kind === 'refused') throw new Error(`The pipeline refused ${type}: ${result.code} ${result.reason}`);
  });
}

interface Servers {
  readonly hubUrl: string;
  readonly databaseUrl: string;
  stop(): Promise<void>;
}

/** Servers of the user's own (RABBITMQ_URL and DATABASE_URL), or the benchmark stack. */
async function servers(): Promise<Servers> {
  // The hub here consumes nothing and publishes nothing, so servers of the user's own need no provisioning.
  if (process.env.RABBITMQ_URL && process.env.DATABASE_URL)
    return { hubUrl: process.env.RABBITMQ_URL, databaseUrl: process.env.DATABASE_URL, stop: () => Promise.resolve() };
  return ensureIntegrationStack('bench');
}

/** The hub in this process on `schema`, without its queue consumer: nothing on the broker is taken or published. */
async function startHub(stack: Servers, schema: string, folder: string): Promise<INestApplication> {
  const principals = join(folder, 'principals.yaml');
  writeFileSync(
    principals,
    `principals:\n  - { id: ${USER.id}, kind: user, roles: [ig-auditor], secretHash: "${await hashSecret(USER.secret, { N: 1024, r: 8, p: 1 })}" }\n`,
  );
  return createApp(
    { ...hubApp, queue: () => undefined },
    {
      RABBITMQ_URL: stack.hubUrl,
      DATABASE_URL: stack.databaseUrl,
      DATABASE_SCHEMA: schema,
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      PRINCIPALS_FILE: principals,
      PATHWAY_SCHEDULER_INTERVAL_MS: '0',
      DEAD_LETTER_DRAIN: 'off',
    },
  );
}

async function count(dataSource: DataSource, sql: string): Promise<number> {
  const [{ n }] = (await dataSource.query(sql)) as { n: number }[];
  return n;
}

/**
 * Fills the audit up to --records in {@link ROUNDS} rounds of background records, each followed
 * by a share of the person's events, so that the person's records are spread through the table.
 * Returns the number of audit records.
 */
async function fillAudit(app: INestApplication): Promise<number> {
  const dataSource = app.get(DataSource);
  const audit = app.get(AuditLog);
  const pipeline = app.get(IngressPipeline);
  const chainLength = (): Promise<number> => count(dataSource, 'SELECT last_seq::int AS n FROM audit_chain_head');
  const filling = performance.now();
  let background = 0;
  let events = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Spread what is left over the remaining rounds; the person's records count towards the total.
    const left = RECORDS - (await chainLength()) - (PERSON_EVENTS - events) * 2;
    const share = Math.max(0, Math.ceil(left / (ROUNDS - round)));
    await fillBackground(audit, dataSource, share, background);
    background += share;
    const upTo = Math.round((PERSON_EVENTS * (round + 1)) / ROUNDS);
    for (; events < upTo; events++) await personEvent(pipeline, audit, dataSource, events);
    log(
      `round ${round + 1}/${ROUNDS}: ${background} background records, ${events} person events (${Math.round((performance.now() - filling) / 1000)} s)`,
    );
  }
  const sofar = await chainLength();
  if (sofar < RECORDS) await fillBackground(audit, dataSource, RECORDS - sofar, background);
  await dataSource.query('ANALYZE audit_record');
  await dataSource.query('ANALYZE hub_pathway_event');
  return count(dataSource, 'SELECT count(*)::int AS n FROM audit_record');
}

/** Calls the timeline {@link WARM_UP} times, then --requests times timed; the times (sorted) and the last answer. */
async function measureTimeline(app: INestApplication): Promise<{ times: number[]; last: Timeline }> {
  const server = app.getHttpServer() as Parameters<typeof request>[0];
  const authorization = `Basic ${Buffer.from(`${USER.id}:${USER.secret}`).toString('base64')}`;
  const call = async (): Promise<{ ms: number; timeline: Timeline }> => {
    const started = performance.now();
    const response = await request(server).get(`/people/${NHS_NUMBER}/timeline`).set('Authorization', authorization);
    const ms = performance.now() - started;
    if (response.status !== 200) throw new Error(`GET timeline: ${response.status} ${JSON.stringify(response.body)}`);
    return { ms, timeline: response.body as Timeline };
  };
  let last = (await call()).timeline;
  for (let i = 1; i < WARM_UP; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const { ms, timeline } = await call();
    times.push(ms);
    last = timeline;
  }
  return { times: times.sort((a, b) => a - b), last };
}

function report(auditRecords: number, times: readonly number[], last: Timeline): void {
  const personEvents = last.entries.filter((entry) => entry.kind === 'event').length;
  const personRecords = last.entries.filter(
    (entry) => entry.kind !== 'event' && !entry.kind.startsWith('deadline'),
  ).length;
  const at = (p: number): number => Number(percentile(times, p).toFixed(1));
  log(
    `timeline: ${last.entries.length} entries (${personEvents} events, ${personRecords} audit records, ${last.deadlines.length} deadlines)`,
  );
  log(`p50 ${at(50)} ms, p99 ${at(99)} ms, max ${at(100)} ms over ${REQUESTS} calls`);
  process.stdout.write(
    `${JSON.stringify({
      audit_records: auditRecords,
      person_events: personEvents,
      person_audit_records: personRecords,
      timeline_p50_ms: at(50),
      timeline_p99_ms: at(99),
    })}\n`,
  );
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const cleanup = new DataSource({ type: 'postgres', url: databaseUrl });
  await cleanup.initialize();
  await cleanup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => cleanup.destroy());
}

async function main(): Promise<void> {
  const stack = await servers();
  const schema = uniqueName('bench_timeline');
  const folder = mkdtempSync(join(tmpdir(), 'bench-timeline-'));
  let app: INestApplication | undefined;
  try {
    app = await startHub(stack, schema, folder);
    const auditRecords = await fillAudit(app);
    const { times, last } = await measureTimeline(app);
    report(auditRecords, times, last);
  } finally {
    await app?.close();
    await dropSchema(stack.databaseUrl, schema);
    rmSync(folder, { recursive: true, force: true });
    await stack.stop();
  }
}

runBench(main);
