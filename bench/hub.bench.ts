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
 * The hub's resident memory is sampled throughout, and its CPU time over (b) gives events per core
 * second. The last line is one JSON object.
 *
 *   npm run bench:hub [-- --events 5000 --rate 200 --seconds 15 --hubs 1 --cluster 1 --no-build --profile <dir> --plain]
 *
 * `--hubs N` runs N hub processes on one schema (one deployment), sharing the ingress partitions:
 * the bench keeps events flowing until each holds at least one partition (the broker's management
 * API names the active consumer of each), warms them up, then measures across all of them.
 *
 * Over TLS (amqps://, PostgreSQL verify-full), as everything runs. `--plain` measures it all a
 * second time in clear (the bench stack then opens its plain ports too), with hubs of its own:
 * one JSON line each, then, last, one JSON object with both and the TLS-to-plain ratios.
 *
 * `--cluster N` (N ≥ 2) runs everything on a RabbitMQ cluster of N nodes the bench starts for
 * itself (quorum queues replicated on every node; the raw amqplib baseline too), the database on
 * the bench stack: `--hubs 2 --cluster 3` is two active hubs on three broker nodes.
 *
 * `--profile <dir>` writes the hub's V8 CPU profile (.cpuprofile, open in Chrome DevTools) to <dir>.
 */
import 'reflect-metadata';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BROKER_VHOST,
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
import {
  ensureIntegrationStack,
  percentile,
  projectRoot,
  startBrokerClusterStack,
  testStackSlot,
  uniqueName,
  type IntegrationStack,
} from '@cstr/testing';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { benchOptions, processCpuSeconds, runBench } from './bench-kit';

const OPTIONS = benchOptions({
  events: 5_000,
  rate: 200,
  seconds: 15,
  'no-build': false,
  profile: '',
  'log-level': 'warn',
  plain: false,
  hubs: 1,
  cluster: 1,
});
const EVENTS = OPTIONS.events;
const RATE = OPTIONS.rate;
const SECONDS = OPTIONS.seconds;
const WARM_UP = 300;
const PUBLISH_BATCH = 200;
/** The first hub's HTTP port; hub n listens on the next ones (20 further on per `TEST_STACK_SLOT`). */
const HUB_PORT = 3390 + 20 * testStackSlot();
const ROOT = projectRoot();
const PARTITIONS = ingressPartitionQueues(DEFAULT_INGRESS_PARTITIONS);
/** Events published per round while waiting for the hubs to share the partitions. */
const SHARING_BATCH = 50;
/** The balancer runs every 5 s and hands over only partitions that receive: a few rounds suffice. */
const SHARING_TIMEOUT_MS = 90_000;
const HUBS = hubCount(OPTIONS.hubs);

const SENDER = 'croydon-mc';
/** The partners config/partners.yaml connects to a Croydon hearing (coverage of croydon-mc). */
const RECIPIENTS = ['sl-liaison-diversion', 'nps-london-croydon'];
const TYPE: EventType = 'court.hearing.listed';

/** `--hubs`, checked: a whole number, at most one hub per partition (a hub beyond that holds none). */
function hubCount(hubs: number): number {
  if (!Number.isInteger(hubs) || hubs > PARTITIONS.length)
    throw new Error(
      `--hubs must be a whole number from 1 to ${PARTITIONS.length} (the ingress partitions), not ${hubs}`,
    );
  return hubs;
}

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

/** A hub, compiled, in a process of its own; its output kept for when it fails. */
class HubProcess {
  private log = '';

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
  }

  /** Starts a hub on `schema` and `port` (with `--profile`, writing a CPU profile) and waits until it is healthy. */
  static async start(stack: IntegrationStack, schema: string, port: number): Promise<HubProcess> {
    const profiling = OPTIONS.profile ? ['--cpu-prof', `--cpu-prof-dir=${OPTIONS.profile}`] : [];
    const hub = new HubProcess(
      spawn(process.execPath, [...profiling, join(ROOT, 'dist/apps/hub/src/main.js')], {
        cwd: ROOT,
        env: {
          ...process.env,
          RABBITMQ_URL: stack.hubUrl,
          DATABASE_URL: stack.databaseUrl,
          DATABASE_SCHEMA: schema,
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(port),
          LOG_LEVEL: OPTIONS['log-level'],
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
      port,
    );
    try {
      await hub.healthy();
    } catch (error) {
      await hub.stop();
      throw error;
    }
    return hub;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** The last `chars` characters it wrote. */
  lastWords(chars: number): string {
    return this.log.slice(-chars);
  }

  private async healthy(): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null)
        throw new Error(`The hub on port ${this.port} exited (${this.child.exitCode}):\n${this.lastWords(3000)}`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/health`, { signal: AbortSignal.timeout(1_000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`The hub on port ${this.port} did not become healthy:\n${this.lastWords(3000)}`);
  }

  async stop(): Promise<void> {
    this.child.removeAllListeners('exit');
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await new Promise((resolve) => this.child.once('exit', resolve));
  }
}

/** The hub processes of one deployment: one database schema, consecutive HTTP ports. */
class Hubs {
  private constructor(readonly processes: readonly HubProcess[]) {}

  /**
   * Starts `count` hubs one after the other (the first migrates the schema the others find ready).
   * A hub that dies mid-run stops the others and fails the benchmark with its own last words.
   */
  static async start(stack: IntegrationStack, count: number): Promise<Hubs> {
    const schema = uniqueName('bench_hub');
    const started: HubProcess[] = [];
    try {
      for (let index = 0; index < count; index++) started.push(await HubProcess.start(stack, schema, HUB_PORT + index));
    } catch (error) {
      for (const hub of started) await hub.stop();
      throw error;
    }
    const hubs = new Hubs(started);
    hubs.failOnExit();
    return hubs;
  }

  get pids(): number[] {
    return this.processes.map((hub) => hub.pid);
  }

  /** CPU seconds (user + system) the hub processes have used so far, together. */
  cpuSeconds(): number {
    return this.pids.reduce((total, pid) => total + processCpuSeconds(pid), 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((hub) => hub.stop()));
  }

  private failOnExit(): void {
    for (const hub of this.processes) {
      hub.child.once('exit', (code, signal) => {
        console.error(`The hub on port ${hub.port} exited (${code ?? signal}) during the run:\n${hub.lastWords(5000)}`);
        for (const other of this.processes)
          if (other !== hub && other.child.exitCode === null) other.child.kill('SIGTERM');
        process.exit(1);
      });
    }
  }
}

/** Samples the hubs' resident memory every 200 ms: each one's peak, and the peak of their sum at one instant. */
class MemorySampler {
  readonly resting: readonly number[];
  private readonly peaksMb: number[];
  private peakTotalMb: number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: readonly number[]) {
    this.resting = pids.map(rssMb);
    this.peaksMb = [...this.resting];
    this.peakTotalMb = sum(this.resting);
    this.timer = setInterval(() => this.sample(), 200);
  }

  /** Stops sampling and gives the largest hub's peak and the peak of the total, in MB. */
  stop(): { largestMb: number; totalMb: number } {
    clearInterval(this.timer);
    this.sample();
    return { largestMb: Math.max(...this.peaksMb), totalMb: this.peakTotalMb };
  }

  private sample(): void {
    const now = this.pids.map(rssMb);
    now.forEach((mb, index) => (this.peaksMb[index] = Math.max(this.peaksMb[index], mb)));
    this.peakTotalMb = Math.max(this.peakTotalMb, sum(now));
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

interface ConsumerInfo {
  readonly queue: { readonly name: string };
  readonly active: boolean;
  readonly channel_details: { readonly connection_name: string };
}

/**
 * The partitions each broker connection is the active consumer of, from the management API. A hub
 * consumes over one connection, so each entry is one hub.
 */
async function partitionHolders(stack: IntegrationStack): Promise<Map<string, string[]>> {
  const admin = new URL(stack.rabbitAdminUrl);
  const credentials = `${decodeURIComponent(admin.username)}:${decodeURIComponent(admin.password)}`;
  const url = `${stack.rabbitManagementUrl.replace(/\/$/, '')}/api/consumers/${encodeURIComponent(BROKER_VHOST)}`;
  const response = await fetch(url, {
    headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`The management API answered ${response.status} for the consumers`);
  const holders = new Map<string, string[]>();
  for (const consumer of (await response.json()) as ConsumerInfo[]) {
    if (!consumer.active || !PARTITIONS.includes(consumer.queue.name)) continue;
    const connection = consumer.channel_details.connection_name;
    holders.set(connection, [...(holders.get(connection) ?? []), consumer.queue.name].sort());
  }
  return holders;
}

/** `p0 p1 | p2 p3`: the partitions each hub holds. */
function holdingsText(holders: ReadonlyMap<string, readonly string[]>): string {
  return [...holders.values()]
    .map((queues) => queues.map((queue) => queue.replace(`${HUB_INGRESS_QUEUE}.`, '')).join(' '))
    .join(' | ');
}

/**
 * Publishes rounds of fresh events until each of `count` hubs holds a partition: a hub hands its
 * excess partitions over only while they receive (see the hub's partition balancer). Gives the
 * holdings and how many events it took.
 */
async function untilShared(
  stack: IntegrationStack,
  traffic: Traffic,
  count: number,
): Promise<{ holders: Map<string, string[]>; events: number; ms: number }> {
  const startedAt = performance.now();
  let events = 0;
  for (;;) {
    const holders = await partitionHolders(stack);
    if (holders.size >= count) return { holders, events, ms: Math.round(performance.now() - startedAt) };
    if (performance.now() - startedAt > SHARING_TIMEOUT_MS)
      throw new Error(
        `After ${SHARING_TIMEOUT_MS / 1000} s and ${events} events, ${holders.size} of ${count} hubs hold a partition (${holdingsText(holders)})`,
      );
    await publishInBatches(traffic, prepareEvents(SHARING_BATCH));
    events += SHARING_BATCH;
  }
}

/** The court's publishing channel and the bench's view of the recipients' inboxes (as the broker administrator). */
interface Traffic {
  readonly deliveries: Deliveries;
  publish(event: PreparedEvent): void;
  waitForConfirms(): Promise<void>;
  close(): Promise<void>;
}

/** Empties the hub's ingress queues and the recipients' inboxes, before the hubs start. */
async function emptyQueues(adminUrl: string): Promise<void> {
  const admin = await connectAmqp(adminUrl);
  const channel = await admin.createChannel();
  const queues = [HUB_INGRESS_QUEUE, ...PARTITIONS, ...RECIPIENTS.map(partnerInboxQueue)];
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
  // The court connects to the first node it is given (a cluster's URLs list every node).
  const court = await connectAmqp(stack.partnerUrls[SENDER].split(',')[0]);
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
  const seconds = (performance.now() - startedAt) / 1000;
  const eventsPerSecond = Math.round(events.length / seconds);
  return { eventsPerSecond, seconds, latencies: [...traffic.deliveries.latencies].sort((a, b) => a - b) };
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
  const seconds = (performance.now() - startedAt) / 1000;
  return { eventsPerSecond: RATE, seconds, latencies: [...traffic.deliveries.latencies].sort((a, b) => a - b) };
}

interface LoadResult {
  readonly eventsPerSecond: number;
  /** From the first publish to the last delivery. */
  readonly seconds: number;
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

/**
 * Warm-up: the first validations load the UK Core kit's terminology, the first queries plan. With
 * several hubs, then until each holds a partition, and once more so that each one is warm.
 */
async function warmUp(stack: IntegrationStack, traffic: Traffic, events: readonly PreparedEvent[]): Promise<void> {
  await publishInBatches(traffic, events);
  if (HUBS === 1) return;
  const shared = await untilShared(stack, traffic, HUBS);
  console.log(
    `partitions shared by ${HUBS} hubs after ${shared.ms} ms and ${shared.events} more events     ${holdingsText(shared.holders)}`,
  );
  await publishInBatches(traffic, prepareEvents(events.length));
}

/** (b) with the hubs' CPU time over it: events per second, and events per second per core the hubs used. */
async function fullBlastWithCpu(
  traffic: Traffic,
  hubs: Hubs,
  events: readonly PreparedEvent[],
): Promise<LoadResult & { readonly eventsPerCoreSecond: number }> {
  const cpuBefore = hubs.cpuSeconds();
  const blast = await fullBlast(traffic, events);
  const cpuSeconds = hubs.cpuSeconds() - cpuBefore;
  // events/s ÷ cores used = (events / wall s) ÷ (CPU s / wall s)
  const eventsPerCoreSecond = Math.round(events.length / cpuSeconds);
  console.log(
    `hub CPU over the full blast                              ${cpuSeconds.toFixed(1)} CPU s in ${blast.seconds.toFixed(1)} s: ${(cpuSeconds / blast.seconds).toFixed(2)} cores, ${eventsPerCoreSecond} events per core second`,
  );
  return { ...blast, eventsPerCoreSecond };
}

/** `40 MB` for one hub, `40 + 42 MB` for several. */
function megabytesText(values: readonly number[]): string {
  return `${values.join(' + ')} MB`;
}

/** Raw amqplib, then the hubs at full blast and at a fixed rate (after a warm-up), their memory sampled. */
async function measure(
  stack: IntegrationStack,
  events: readonly PreparedEvent[],
  label: string,
): Promise<Record<string, number>> {
  const size = events[0].body.length;
  console.log(
    `Hub benchmark (${label}, ${HUBS} hub${HUBS === 1 ? '' : 's'}): ${EVENTS} ${TYPE} events of ${size} bytes at full blast, then ${RATE}/s for ${SECONDS} s; each delivered to ${RECIPIENTS.join(' and ')}`,
  );
  const rawMsgsPerSecond = await rawAmqplib(stack.rabbitAdminUrl, events[0].body);
  console.log(`raw amqplib (confirm publish, manual ack, ${size} B)      ${rawMsgsPerSecond} msgs/s`);

  await emptyQueues(stack.rabbitAdminUrl);
  const hubs = await Hubs.start(stack, HUBS);
  try {
    const memory = new MemorySampler(hubs.pids);
    console.log(`hub resident memory, started and idle                    ${megabytesText(memory.resting)}`);
    const traffic = await openTraffic(stack);
    await warmUp(stack, traffic, events.slice(0, WARM_UP));
    const blast = await fullBlastWithCpu(traffic, hubs, events.slice(WARM_UP, WARM_UP + EVENTS));
    console.log(
      `hub end to end, full blast                               ${blast.eventsPerSecond} events/s (${blast.eventsPerSecond * RECIPIENTS.length} deliveries/s)   ${latencyText(blast.latencies)}`,
    );
    const paced = await atFixedRate(traffic, events.slice(WARM_UP + EVENTS));
    const peakRss = memory.stop();
    console.log(
      `hub end to end at ${RATE} events/s (${events.length - WARM_UP - EVENTS} events)              ${latencyText(paced.latencies)}   max ${ms(paced.latencies, 100)} ms`,
    );
    console.log(
      `hub resident memory, peak                                ${peakRss.largestMb} MB${HUBS === 1 ? '' : ` (largest hub), ${peakRss.totalMb} MB (all hubs at once)`}`,
    );
    if (HUBS > 1)
      console.log(
        `partitions at the end                                    ${holdingsText(await partitionHolders(stack))}`,
      );
    await traffic.close();
    const line = {
      raw_msgs_s: rawMsgsPerSecond,
      hub_events_s: blast.eventsPerSecond,
      hub_vs_raw: Number((blast.eventsPerSecond / rawMsgsPerSecond).toFixed(3)),
      p50_ms_at_200: ms(paced.latencies, 50),
      p99_ms_at_200: ms(paced.latencies, 99),
      hub_rss_mb: peakRss.largestMb,
      hubs: HUBS,
      events_per_core_s: blast.eventsPerCoreSecond,
      hubs_rss_mb_total: peakRss.totalMb,
    };
    console.log(JSON.stringify(line));
    return line;
  } finally {
    await hubs.stop();
  }
}

async function main(): Promise<void> {
  if (!OPTIONS['no-build']) {
    console.log('Building (npm run build) so that the hub runs as it does in production…');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  const stack =
    OPTIONS.cluster > 1
      ? await clusterStack(OPTIONS.cluster)
      : await ensureIntegrationStack('bench', { plain: OPTIONS.plain });
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

/**
 * The bench stack's database with a RabbitMQ cluster of `nodes` nodes started for this run
 * (`.stack/bench-cluster`, removed at the end), every broker URL pointing at the cluster.
 */
async function clusterStack(nodes: number): Promise<IntegrationStack> {
  if (!Number.isInteger(nodes) || nodes > 5)
    throw new Error(`--cluster must be a whole number from 1 to 5, not ${nodes}`);
  if (OPTIONS.plain) throw new Error('--plain measures the single-node bench stack only; leave out --cluster');
  const database = await ensureIntegrationStack('bench');
  try {
    const brokers = await startBrokerClusterStack('bench-cluster', nodes);
    console.log(`A RabbitMQ cluster of ${nodes} nodes for this run (quorum queues on every node)`);
    return {
      ...database,
      rabbitAdminUrl: brokers.rabbitAdminUrl,
      rabbitManagementUrl: brokers.rabbitManagementUrl,
      hubUrl: brokers.hubUrl,
      partnerUrls: brokers.partnerUrls,
      plain: undefined,
      stop: async () => {
        await brokers.remove();
        await database.stop();
      },
    };
  } catch (error) {
    await database.stop();
    throw error;
  }
}

runBench(main);
