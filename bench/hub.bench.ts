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
 *   npm run bench:hub [-- --events 5000 --rate 200 --seconds 15 --no-build --profile <dir>]
 *
 * `--profile <dir>` writes the hub's V8 CPU profile (.cpuprofile, open in Chrome DevTools) to <dir>.
 */
import 'reflect-metadata';
import * as amqp from 'amqplib';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HUB_INGRESS_QUEUE,
  INGRESS_EXCHANGE,
  ingressRoutingKey,
  partnerInboxQueue,
  type EventType,
} from '@cstr/contracts';
import { buildEventBundle, type EventInputOf } from '@cstr/fhir';
import { ensureIntegrationStack, projectRoot, uniqueName } from '@cstr/testing';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const key = process.argv[i].replace(/^--/, '');
  const next = process.argv[i + 1];
  if (next === undefined || next.startsWith('--')) {
    args.set(key, 'true');
  } else {
    args.set(key, next);
    i++;
  }
}
const EVENTS = Number(args.get('events') ?? 5_000);
const RATE = Number(args.get('rate') ?? 200);
const SECONDS = Number(args.get('seconds') ?? 15);
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

function percentile(sorted: number[], q: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1));
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
  const connection = await amqp.connect(adminUrl);
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

async function waitForHub(hub: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (hub.exitCode !== null) throw new Error(`The hub exited (${hub.exitCode}):\n${log().slice(-3000)}`);
    try {
      const response = await fetch(`http://127.0.0.1:${HUB_PORT}/health`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The hub did not become healthy:\n${log().slice(-3000)}`);
}

async function main(): Promise<void> {
  if (args.get('no-build') !== 'true') {
    console.log('Building (npm run build) so that the hub runs as it does in production…');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  const stack = await ensureIntegrationStack('bench');
  let hub: ChildProcess | undefined;
  try {
    const events = prepareEvents(WARM_UP + EVENTS + RATE * SECONDS);
    const size = events[0].body.length;
    console.log(
      `Hub benchmark: ${EVENTS} ${TYPE} events of ${size} bytes at full blast, then ${RATE}/s for ${SECONDS} s; each delivered to ${RECIPIENTS.join(' and ')}`,
    );

    const rawMsgsPerSecond = await rawAmqplib(stack.rabbitAdminUrl, events[0].body);
    console.log(`raw amqplib (confirm publish, manual ack, ${size} B)      ${rawMsgsPerSecond} msgs/s`);

    // Inboxes empty before the hub starts; the bench reads them with the broker administrator.
    const admin = await amqp.connect(stack.rabbitAdminUrl);
    const inboxes = await admin.createChannel();
    for (const queue of [HUB_INGRESS_QUEUE, ...RECIPIENTS.map(partnerInboxQueue)]) await inboxes.purgeQueue(queue);

    let hubLog = '';
    const profileDir = args.get('profile');
    const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    hub = spawn(process.execPath, [...profiling, join(ROOT, 'dist/apps/hub/src/main.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        RABBITMQ_URL: stack.hubUrl,
        DATABASE_URL: stack.databaseUrl,
        DATABASE_SCHEMA: uniqueName('bench_hub'),
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(HUB_PORT),
        LOG_LEVEL: args.get('log-level') ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    hub.stdout?.on('data', (chunk: Buffer) => (hubLog += chunk.toString()));
    hub.stderr?.on('data', (chunk: Buffer) => (hubLog += chunk.toString()));
    await waitForHub(hub, () => hubLog);
    // A hub that dies mid-run fails the benchmark with its own last words.
    hub.once('exit', (code, signal) => {
      console.error(`The hub exited (${code ?? signal}) during the run:\n${hubLog.slice(-5000)}`);
      process.exit(1);
    });
    const hubPid = hub.pid as number;
    const restingRss = rssMb(hubPid);
    console.log(`hub resident memory, started and idle                    ${restingRss} MB`);
    let peakRss = restingRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(hubPid))), 200);

    const deliveries = new Deliveries();
    await inboxes.prefetch(1_000);
    for (const recipient of RECIPIENTS) {
      await inboxes.consume(partnerInboxQueue(recipient), (message) => {
        if (!message) return;
        deliveries.arrived(message.properties.messageId as string);
        inboxes.ack(message);
      });
    }

    const court = await amqp.connect(stack.partnerUrls[SENDER]);
    const publisher = await court.createConfirmChannel();
    const routingKey = ingressRoutingKey(SENDER, TYPE);
    const publish = (event: PreparedEvent): void => {
      deliveries.sent(event.id);
      publisher.publish(INGRESS_EXCHANGE, routingKey, event.body, {
        persistent: true,
        messageId: event.id,
        type: TYPE,
        contentType: 'application/fhir+json',
        timestamp: Math.floor(Date.now() / 1000),
      });
    };

    // Warm-up: the first validations load the UK Core kit's terminology, the first queries plan.
    for (const event of events.slice(0, WARM_UP)) publish(event);
    await publisher.waitForConfirms();
    await deliveries.until(WARM_UP);

    // (b) full blast.
    const blast = events.slice(WARM_UP, WARM_UP + EVENTS);
    const blastStart = performance.now();
    for (let start = 0; start < blast.length; start += PUBLISH_BATCH) {
      for (const event of blast.slice(start, start + PUBLISH_BATCH)) publish(event);
      await publisher.waitForConfirms();
    }
    await deliveries.until(WARM_UP + EVENTS);
    const hubEventsPerSecond = Math.round((EVENTS / (performance.now() - blastStart)) * 1000);
    const blastLatencies = [...deliveries.latencies].sort((a, b) => a - b);
    console.log(
      `hub end to end, full blast                               ${hubEventsPerSecond} events/s (${hubEventsPerSecond * RECIPIENTS.length} deliveries/s)   p50 ${percentile(blastLatencies, 0.5)} ms   p99 ${percentile(blastLatencies, 0.99)} ms`,
    );

    // (c) a fixed rate: each event published at its own time, latency per delivery.
    deliveries.reset();
    const paced = events.slice(WARM_UP + EVENTS);
    const pacedStart = performance.now();
    let next = 0;
    while (next < paced.length) {
      const due = Math.min(paced.length, Math.floor(((performance.now() - pacedStart) / 1000) * RATE) + 1);
      while (next < due) publish(paced[next++]);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await publisher.waitForConfirms();
    await deliveries.until(WARM_UP + EVENTS + paced.length);
    const pacedLatencies = [...deliveries.latencies].sort((a, b) => a - b);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, rssMb(hubPid));
    console.log(
      `hub end to end at ${RATE} events/s (${paced.length} events)              p50 ${percentile(pacedLatencies, 0.5)} ms   p99 ${percentile(pacedLatencies, 0.99)} ms   max ${percentile(pacedLatencies, 1)} ms`,
    );
    console.log(`hub resident memory, peak                                ${peakRss} MB`);

    await court.close();
    await admin.close();
    console.log(
      JSON.stringify({
        raw_msgs_s: rawMsgsPerSecond,
        hub_events_s: hubEventsPerSecond,
        hub_vs_raw: Number((hubEventsPerSecond / rawMsgsPerSecond).toFixed(3)),
        p50_ms_at_200: percentile(pacedLatencies, 0.5),
        p99_ms_at_200: percentile(pacedLatencies, 0.99),
        hub_rss_mb: peakRss,
      }),
    );
  } finally {
    if (hub && hub.exitCode === null) {
      hub.removeAllListeners('exit');
      hub.kill('SIGTERM');
      await new Promise((resolve) => hub?.once('exit', resolve));
    }
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
