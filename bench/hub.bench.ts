/**
 * Hub benchmark, in one run and on one broker:
 *   (a) raw amqplib — confirm-publish in batches + manual-ack consume, messages of the same size
 *       as the hub's events, through one quorum queue;
 *   (b) the hub end to end — a court publishes `court.hearing.listed` events (a new person each)
 *       on `cstr.ingress` with its own broker user; the hub (compiled, in its own process)
 *       validates, resolves identity, updates relationships, evaluates the agreements, redacts,
 *       audits and delivers through its outbox; an event counts when it is in the inboxes of both
 *       recipients the agreements allow (the L&D service and the probation team covering the court);
 *   (c) the hub at a fixed 200 events/s: latency from the court's publish to each delivery.
 * The hub's resident memory is sampled throughout. The last line is one JSON object.
 *
 *   npm run bench:hub [-- --events 5000 --rate 200 --seconds 15 --no-build --profile <dir> --plain]
 *
 * Over TLS (amqps://, PostgreSQL verify-full), as everything runs. `--plain` measures it all a
 * second time in clear (the bench stack then opens its plain ports too), with a hub of its own:
 * one JSON line each, then, last, one JSON object with both and the TLS-to-plain ratios.
 *
 * `--profile <dir>` writes the hub's V8 CPU profile (.cpuprofile, open in Chrome DevTools) to <dir>.
 */
import 'reflect-metadata';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_INGRESS_PARTITIONS,
  HUB_INGRESS_QUEUE,
  INGRESS_EXCHANGE,
  ingressPartitionQueues,
  ingressRoutingKey,
  partnerInboxQueue,
  type EventType,
} from '@cstr/contracts';
import { buildEventBundle, type EventInputOf } from '@cstr/fhir';
import { connectAmqp } from '@cstr/messaging';
import { ensureIntegrationStack, percentile, projectRoot, uniqueName, type IntegrationStack } from '@cstr/testing';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { benchOptions, runBench } from './bench-kit';

const OPTIONS = benchOptions({
  events: 5_000,
  rate: 200,
  seconds: 15,
  'no-build': false,
  profile: '',
  'log-level': 'warn',
  plain: false,
});
const EVENTS = OPTIONS.events;
const RATE = OPTIONS.rate;
const SECONDS = OPTIONS.seconds;
const WARM_UP = 300;
const PUBLISH_BATCH = 200;
const HUB_PORT = 3390;
const ROOT = projectRoot();

const SENDER = 'croydon-mc';
/** The partners config/partners.yaml connects to a Croydon hearing (coverage of croydon-mc). */
const RECIPIENTS = ['sl-liaison-diversion', 'nps-london-croydon'];
const TYPE: EventType = 'court.hearing.listed';

interface PreparedEvent {
  readonly id: string;
  readonly body: Buffer;
}

const FAMILY_NAMES = ['Reid', 'Okafor', 'Nowak', 'Patel', 'Murphy', 'Hughes', 'Begum', 'Santos', 'Clarke', 'Ahmed'];

/**
 * One hearing listed for a new person: a fresh event id, Common Platform defendant id, name and
 * birth date (people on a court list rarely share both; the person index raises a possible match
 * for those who do).
 */
function prepareEvents(count: number): PreparedEvent[] {
  const fixture = loadEventFixture('court.hearing.listed');
  return Array.from({ length: count }, (_, index) => {
    const id = randomUUID();
    const birthDate = new Date(Date.UTC(1960, 0, 1) + Math.floor(Math.random() * 40 * 365) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const input: EventInputOf<'court.hearing.listed'> = {
      ...fixture,
      envelope: { ...fixture.envelope, eventId: id, correlationId: randomUUID() },
      person: {
        ...fixture.person,
        identifiers: { commonPlatformDefendantId: randomUUID() },
        name: { family: `${FAMILY_NAMES[index % FAMILY_NAMES.length]}-${index}`, given: fixture.person.name.given },
        birthDate,
      },
      hearing: { ...fixture.hearing, id: randomUUID() },
    };
    return { id, body: Buffer.from(JSON.stringify(buildEventBundle(input))) };
  });
}

/** Resident memory of a process, in MB (Linux). */
function rssMb(pid: number): number {
  if (!existsSync(`/proc/${pid}`)) return 0; // exited: reported by the exit watcher
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

/** (a) raw amqplib with messages of the hub's event size. */
async function rawAmqplib(adminUrl: string, body: Buffer): Promise<number> {
  const queue = uniqueName('bench_hub_raw');
  const connection = await connectAmqp(adminUrl);
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  const consumer = await connection.createChannel();
  await consumer.prefetch(500);
  let received = 0;
  const all = new Promise<void>((resolve) => {
    void consumer.consume(queue, (message) => {
      if (!message) return;
      consumer.ack(message);
      if (++received === EVENTS) resolve();
    });
  });
  const startedAt = performance.now();
  for (let start = 0; start < EVENTS; start += PUBLISH_BATCH) {
    for (let i = start; i < Math.min(EVENTS, start + PUBLISH_BATCH); i++) {
      channel.publish('', queue, body, {
        persistent: true,
        messageId: randomUUID(),
        type: TYPE,
        contentType: 'application/fhir+json',
      });
    }
    await channel.waitForConfirms();
  }
  await all;
  const msgsPerSecond = Math.round((EVENTS / (performance.now() - startedAt)) * 1000);
  await consumer.close();
  await channel.deleteQueue(queue);
  await connection.close();
  return msgsPerSecond;
}

/** Watches the recipients' inboxes: when each event reached every recipient, and each delivery's latency. */
class Deliveries {
  private readonly sentAt = new Map<string, number>();
  private readonly arrivals = new Map<string, number>();
  private waiting = new Map<string, () => void>();
  latencies: number[] = [];
  complete = 0;

  sent(id: string): void {
    this.sentAt.set(id, performance.now());
  }

  arrived(id: string): void {
    const sentAt = this.sentAt.get(id);
    if (sentAt === undefined) return; // an earlier run's leftover
    this.latencies.push(performance.now() - sentAt);
    const count = (this.arrivals.get(id) ?? 0) + 1;
    this.arrivals.set(id, count);
    if (count === RECIPIENTS.length) {
      this.complete++;
      for (const [target, resolve] of this.waiting) {
        if (this.complete < Number(target)) continue;
        this.waiting.delete(target);
        resolve();
      }
    }
  }

  /** Resolves once `count` events have reached every recipient. */
  until(count: number, timeoutMs = 600_000): Promise<void> {
    if (this.complete >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${this.complete} of ${count} events delivered to every recipient`)),
        timeoutMs,
      );
      this.waiting.set(String(count), () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  reset(): void {
    this.latencies = [];
  }
}

/** The hub, compiled, in a process of its own; its output kept for when it fails. */
class HubProcess {
  private log = '';

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
  }

  /** Starts the hub on its own schema (with `--profile`, writing a CPU profile) and waits until it is healthy. */
  static async start(stack: IntegrationStack): Promise<HubProcess> {
    const profiling = OPTIONS.profile ? ['--cpu-prof', `--cpu-prof-dir=${OPTIONS.profile}`] : [];
    const hub = new HubProcess(
      spawn(process.execPath, [...profiling, join(ROOT, 'dist/apps/hub/src/main.js')], {
        cwd: ROOT,
        env: {
          ...process.env,
          RABBITMQ_URL: stack.hubUrl,
          DATABASE_URL: stack.databaseUrl,
          DATABASE_SCHEMA: uniqueName('bench_hub'),
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(HUB_PORT),
          LOG_LEVEL: OPTIONS['log-level'],
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    await hub.healthy();
    // A hub that dies mid-run fails the benchmark with its own last words.
    hub.child.once('exit', (code, signal) => {
      console.error(`The hub exited (${code ?? signal}) during the run:\n${hub.log.slice(-5000)}`);
      process.exit(1);
    });
    return hub;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  private async healthy(): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null)
        throw new Error(`The hub exited (${this.child.exitCode}):\n${this.log.slice(-3000)}`);
      try {
        const response = await fetch(`http://127.0.0.1:${HUB_PORT}/health`, { signal: AbortSignal.timeout(1_000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`The hub did not become healthy:\n${this.log.slice(-3000)}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.removeAllListeners('exit');
    this.child.kill('SIGTERM');
    await new Promise((resolve) => this.child.once('exit', resolve));
  }
}

/** Samples a process's resident memory every 200 ms; the peak is kept. */
class MemorySampler {
  readonly resting: number;
  private peakMb: number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.resting = rssMb(pid);
    this.peakMb = this.resting;
    this.timer = setInterval(() => this.sample(), 200);
  }

  /** Stops sampling and gives the peak, in MB. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peakMb;
  }

  private sample(): void {
    this.peakMb = Math.max(this.peakMb, rssMb(this.pid));
  }
}

/** The court's publishing channel and the bench's view of the recipients' inboxes (as the broker administrator). */
interface Traffic {
  readonly deliveries: Deliveries;
  publish(event: PreparedEvent): void;
  waitForConfirms(): Promise<void>;
  close(): Promise<void>;
}

/** Empties the hub's ingress queue and the recipients' inboxes, before the hub starts. */
async function emptyQueues(adminUrl: string): Promise<void> {
  const admin = await connectAmqp(adminUrl);
  const channel = await admin.createChannel();
  const queues = [
    HUB_INGRESS_QUEUE,
    ...ingressPartitionQueues(DEFAULT_INGRESS_PARTITIONS),
    ...RECIPIENTS.map(partnerInboxQueue),
  ];
  for (const queue of queues) await channel.purgeQueue(queue);
  await admin.close();
}

/** Consumes the recipients' inboxes into {@link Deliveries} and opens the court's confirm channel on `cstr.ingress`. */
async function openTraffic(stack: IntegrationStack): Promise<Traffic> {
  const deliveries = new Deliveries();
  const admin = await connectAmqp(stack.rabbitAdminUrl);
  const inboxes = await admin.createChannel();
  await inboxes.prefetch(1_000);
  for (const recipient of RECIPIENTS) {
    await inboxes.consume(partnerInboxQueue(recipient), (message) => {
      if (!message) return;
      deliveries.arrived(message.properties.messageId as string);
      inboxes.ack(message);
    });
  }
  const court = await connectAmqp(stack.partnerUrls[SENDER]);
  const publisher = await court.createConfirmChannel();
  const routingKey = ingressRoutingKey(SENDER, TYPE);
  return {
    deliveries,
    publish: (event) => {
      deliveries.sent(event.id);
      publisher.publish(INGRESS_EXCHANGE, routingKey, event.body, {
        persistent: true,
        messageId: event.id,
        type: TYPE,
        contentType: 'application/fhir+json',
        timestamp: Math.floor(Date.now() / 1000),
      });
    },
    waitForConfirms: () => publisher.waitForConfirms(),
    close: async () => {
      await court.close();
      await admin.close();
    },
  };
}

/** Publishes `events` in confirmed batches and waits until every one reached every recipient. */
async function publishInBatches(traffic: Traffic, events: readonly PreparedEvent[]): Promise<void> {
  const before = traffic.deliveries.complete;
  for (let start = 0; start < events.length; start += PUBLISH_BATCH) {
    for (const event of events.slice(start, start + PUBLISH_BATCH)) traffic.publish(event);
    await traffic.waitForConfirms();
  }
  await traffic.deliveries.until(before + events.length);
}

/** (b) Full blast: events/s from the first publish to the last delivery, and the delivery latencies. */
async function fullBlast(traffic: Traffic, events: readonly PreparedEvent[]): Promise<LoadResult> {
  traffic.deliveries.reset();
  const startedAt = performance.now();
  await publishInBatches(traffic, events);
  const eventsPerSecond = Math.round((events.length / (performance.now() - startedAt)) * 1000);
  return { eventsPerSecond, latencies: [...traffic.deliveries.latencies].sort((a, b) => a - b) };
}

/** (c) A fixed rate: each event published at its own time, latency per delivery. */
async function atFixedRate(traffic: Traffic, events: readonly PreparedEvent[]): Promise<LoadResult> {
  traffic.deliveries.reset();
  const before = traffic.deliveries.complete;
  const startedAt = performance.now();
  let next = 0;
  while (next < events.length) {
    const due = Math.min(events.length, Math.floor(((performance.now() - startedAt) / 1000) * RATE) + 1);
    while (next < due) traffic.publish(events[next++]);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await traffic.waitForConfirms();
  await traffic.deliveries.until(before + events.length);
  return { eventsPerSecond: RATE, latencies: [...traffic.deliveries.latencies].sort((a, b) => a - b) };
}

interface LoadResult {
  readonly eventsPerSecond: number;
  /** Per delivery, in ms, sorted. */
  readonly latencies: readonly number[];
}

/** `p50 … ms   p99 … ms` of sorted latencies (one decimal). */
function latencyText(latencies: readonly number[]): string {
  return `p50 ${ms(latencies, 50)} ms   p99 ${ms(latencies, 99)} ms`;
}

function ms(latencies: readonly number[], p: number): number {
  return Number(percentile(latencies, p).toFixed(1));
}

/** Raw amqplib, then the hub at full blast and at a fixed rate (after a warm-up), with its memory sampled. */
async function measure(
  stack: IntegrationStack,
  events: readonly PreparedEvent[],
  label: string,
): Promise<Record<string, number>> {
  const size = events[0].body.length;
  console.log(
    `Hub benchmark (${label}): ${EVENTS} ${TYPE} events of ${size} bytes at full blast, then ${RATE}/s for ${SECONDS} s; each delivered to ${RECIPIENTS.join(' and ')}`,
  );
  const rawMsgsPerSecond = await rawAmqplib(stack.rabbitAdminUrl, events[0].body);
  console.log(`raw amqplib (confirm publish, manual ack, ${size} B)      ${rawMsgsPerSecond} msgs/s`);

  await emptyQueues(stack.rabbitAdminUrl);
  const hub = await HubProcess.start(stack);
  try {
    const memory = new MemorySampler(hub.pid);
    console.log(`hub resident memory, started and idle                    ${memory.resting} MB`);
    const traffic = await openTraffic(stack);
    // Warm-up: the first validations load the UK Core kit's terminology, the first queries plan.
    await publishInBatches(traffic, events.slice(0, WARM_UP));
    const blast = await fullBlast(traffic, events.slice(WARM_UP, WARM_UP + EVENTS));
    console.log(
      `hub end to end, full blast                               ${blast.eventsPerSecond} events/s (${blast.eventsPerSecond * RECIPIENTS.length} deliveries/s)   ${latencyText(blast.latencies)}`,
    );
    const paced = await atFixedRate(traffic, events.slice(WARM_UP + EVENTS));
    const peakRss = memory.stop();
    console.log(
      `hub end to end at ${RATE} events/s (${events.length - WARM_UP - EVENTS} events)              ${latencyText(paced.latencies)}   max ${ms(paced.latencies, 100)} ms`,
    );
    console.log(`hub resident memory, peak                                ${peakRss} MB`);
    await traffic.close();
    const line = {
      raw_msgs_s: rawMsgsPerSecond,
      hub_events_s: blast.eventsPerSecond,
      hub_vs_raw: Number((blast.eventsPerSecond / rawMsgsPerSecond).toFixed(3)),
      p50_ms_at_200: ms(paced.latencies, 50),
      p99_ms_at_200: ms(paced.latencies, 99),
      hub_rss_mb: peakRss,
    };
    console.log(JSON.stringify(line));
    return line;
  } finally {
    await hub.stop();
  }
}

async function main(): Promise<void> {
  if (!OPTIONS['no-build']) {
    console.log('Building (npm run build) so that the hub runs as it does in production…');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  const stack = await ensureIntegrationStack('bench', { plain: OPTIONS.plain });
  try {
    const overTls = await measure(stack, prepareEvents(WARM_UP + EVENTS + RATE * SECONDS), 'TLS');
    if (!OPTIONS.plain) return;
    if (!stack.plain) throw new Error('--plain: the bench stack gave no plain URLs');
    const inClear = await measure(
      { ...stack.plain, stop: () => Promise.resolve() },
      prepareEvents(WARM_UP + EVENTS + RATE * SECONDS),
      'plain',
    );
    console.log(
      JSON.stringify({
        tls: overTls,
        plain: inClear,
        raw_tls_vs_plain: Number((overTls.raw_msgs_s / inClear.raw_msgs_s).toFixed(2)),
        hub_tls_vs_plain: Number((overTls.hub_events_s / inClear.hub_events_s).toFixed(2)),
      }),
    );
  } finally {
    await stack.stop();
  }
}

runBench(main);
