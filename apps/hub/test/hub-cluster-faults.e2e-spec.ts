/**
 * Fault tests of the whole hub (issue 13) on a three-node RabbitMQ cluster — every quorum queue
 * replicated on each node — and a PostgreSQL, both started by this test for itself. Two hub
 * processes share the ingress partitions; a court publishes with its own broker user; the two
 * recipients the agreements name read their inboxes with their own broker users and count every
 * copy, as their idempotent consumers would before dropping a duplicate. Three faults, each in the
 * middle of a bounded stream of 5,000 hearings listed about 250 persons (20 each, numbered per
 * person, a person's next one sent once the last is confirmed):
 *
 *  - the broker node that the hubs, the court and the recipients are connected to stops (then starts again);
 *  - PostgreSQL stops for a few seconds and starts again;
 *  - one of the two hubs is SIGKILLed (last, so that the others run with two hubs).
 *
 * After each: no event lost, each delivered to each of its recipients, none applied twice by the
 * hub, each person's events applied in the order sent, and every hub (but the killed one) still
 * running. Each prints one line: lost, applied twice, out of order, duplicate copies the recipients
 * saw, and how long the hub took to take over or recover. The court sends at most RATE_PER_S and
 * keeps at most MAX_AHEAD events ahead of the hubs, so the fault lands mid-stream on a busy machine.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as amqp from 'amqplib';
import {
  HUB_INGRESS_QUEUE,
  HUB_INSTANCES_QUEUE,
  INGRESS_EXCHANGE,
  ingressPartitionQueues,
  ingressRoutingKey,
  partnerInboxQueue,
} from '@cstr/contracts';
import { buildEventBundle, type EventInputOf } from '@cstr/fhir';
import { AmqpConnection, ConfirmedPublisher, HUB_BROKER_USER, encodeBody } from '@cstr/messaging';
import {
  type ClusterStackWithDatabase,
  DatabaseFixture,
  type LocalRabbitMq,
  TestProcess,
  eventually,
  startClusterStackWithDatabase,
  uniqueName,
} from '@cstr/testing';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { hubApp } from '../src/hub.app';

/** Persons of each stream, each with EVENTS_PER_PERSON events: 5,000 events (issue 13). */
const PERSONS = 250;
const EVENTS_PER_PERSON = 20;
const TOTAL = PERSONS * EVENTS_PER_PERSON;
/**
 * Events a second the court sends at most (the stream then lasts 25 s); where the hubs apply fewer
 * (about 60 a second on a 2-core machine), MAX_AHEAD paces it.
 */
const RATE_PER_S = 200;
/**
 * Events the court keeps ahead of the hubs at most (confirmed, not yet applied): on a machine too
 * busy for the hubs to keep up, it slows down rather than finishing the stream before the fault.
 */
const MAX_AHEAD = 1_500;
/**
 * The fault comes once the court has had this share of the stream confirmed and the hubs have
 * applied FAULT_AFTER_APPLIED of it: in the middle of both the sending and the applying, however
 * busy the machine.
 */
const FAULT_AFTER_CONFIRMED = 0.3;
const FAULT_AFTER_APPLIED = 0.1;
const SENDER = 'croydon-mc';
const EVENT_TYPE = 'court.hearing.listed';
/** The partners the agreements deliver a hearing listed at this court to. */
const RECIPIENTS = ['nps-london-croydon', 'sl-liaison-diversion'];
const PARTITIONS = ingressPartitionQueues(4);
/** How long PostgreSQL stays down (then its restart takes a moment more). */
const DATABASE_DOWN_MS = 3_000;
/** Reconnect quickly: the test's own clients must not be what slows recovery down. */
const FAST_RECONNECT = { reconnectBaseMs: 100, reconnectMaxMs: 1_000 };

interface StreamEvent {
  readonly eventId: string;
  readonly person: number;
  readonly seq: number;
  readonly body: Buffer;
}

interface DecisionRecord {
  readonly event_id: string;
  readonly recipient: string;
  readonly outcome: string;
  readonly recorded_at: Date;
  readonly chain_id: string;
}

interface ConsumerInfo {
  readonly queue: { readonly name: string };
  readonly active: boolean;
  readonly channel_details: { readonly connection_name: string };
}

/** What one scenario measured, printed as one line and asserted on. */
interface StreamFigures {
  readonly applied: number;
  readonly lost: number;
  readonly appliedTwice: number;
  readonly outOfOrder: number;
  readonly notDelivered: number;
  readonly duplicateCopies: number;
  readonly copiesSeen: number;
  readonly refused: number;
  readonly republished: number;
  readonly appliedAtFault: number;
  readonly confirmedAtFault: number;
  /** The longest pause in the hub's decisions from the fault on (ms). */
  readonly longestPauseMs: number;
}

// A busy 2-core machine may apply no more than 30 events a second: a stream then takes about three minutes.
jest.setTimeout(360_000);

describe('the whole hub on a three-node broker cluster: a node, a hub or the database fails mid-stream', () => {
  let stack: ClusterStackWithDatabase | undefined;
  let database: DatabaseFixture | undefined;
  let checkpoints: string | undefined;
  const hubs: TestProcess[] = [];
  let court: { connection: AmqpConnection; publisher: ConfirmedPublisher } | undefined;
  const inboxes: RecipientInbox[] = [];
  /** When the current scenario's fault came. */
  let faultAt = 0;
  /** Set at clean-up: a stream still running (its test timed out) stops sending and polling. */
  let ended = false;
  /** How long the cluster and database, then the two hubs, took to start (printed with the node-stop line). */
  const setup = { stackStartMs: 0, hubsBootMs: 0 };

  beforeAll(async () => {
    const startedAt = Date.now();
    stack = await startClusterStackWithDatabase('test-hub-cluster', 3);
    setup.stackStartMs = Date.now() - startedAt;
    const schema = uniqueName('hub_cluster');
    database = await DatabaseFixture.open(stack.databaseUrl, schema, hubApp.migrations);
    checkpoints = mkdtempSync(join(tmpdir(), 'hub-cluster-'));
    const hubEnv = {
      RABBITMQ_URL: stack.hubUrl,
      DATABASE_URL: stack.databaseUrl,
      DATABASE_SCHEMA: schema,
      HTTP_PORT: '0',
      LOG_LEVEL: 'log',
      AUDIT_CHECKPOINT_DIR: checkpoints,
      AUDIT_VERIFY_INTERVAL_MS: '0',
      PATHWAY_SCHEDULER_INTERVAL_MS: '0',
      RETENTION_PURGE_INTERVAL_MS: '0',
      INGRESS_BALANCE_INTERVAL_MS: '1000',
    };
    // The schema is migrated already: both boot at once.
    hubs.push(TestProcess.start('apps/hub/src/main.ts', hubEnv), TestProcess.start('apps/hub/src/main.ts', hubEnv));
    const connection = new AmqpConnection({
      url: stack.partnerUrls[SENDER],
      connectionName: `hub-cluster-faults:${SENDER}`,
      ...FAST_RECONNECT,
    });
    await connection.start();
    court = { connection, publisher: new ConfirmedPublisher(connection, { connectTimeoutMs: 5_000 }) };
    for (const recipient of RECIPIENTS) {
      const inbox = new RecipientInbox(recipient, stack.partnerUrls[recipient]);
      inboxes.push(inbox);
      await inbox.start();
    }
    await Promise.all(hubs.map((hub) => hub.waitFor(/hub listening on/, 150_000)));
    setup.hubsBootMs = Date.now() - startedAt - setup.stackStartMs;
  }, 240_000);

  afterAll(async () => {
    ended = true;
    // Each step on its own, so that the cluster and the database are removed whatever failed before.
    const steps: (() => Promise<unknown> | undefined)[] = [
      ...hubs.map((hub) => () => hub.kill('SIGTERM')),
      () => court?.publisher.close(),
      () => court?.connection.close(),
      ...inboxes.map((inbox) => () => inbox.close()),
      () => database?.close(),
      () => stack?.remove(),
    ];
    for (const step of steps) {
      await Promise.resolve()
        .then(step)
        .catch((error: unknown) => console.error('hub-cluster clean-up:', error));
    }
    if (checkpoints) rmSync(checkpoints, { recursive: true, force: true });
  }, 120_000);

  it('a broker node stops mid-stream (then starts again): every event delivered to each recipient, none lost, none applied twice, in order', async () => {
    const { cluster } = requireStack();
    expect(await cluster.runningNodeNames()).toHaveLength(3);
    const target = nodeOf(requireCourt().connection.connectedAddress);
    // The management API lists a connection once its first statistics are in.
    const connections = await eventually(
      () => management<{ user: string; node: string }[]>('/connections'),
      (listed) => listed.filter((each) => each.user === HUB_BROKER_USER).length >= hubs.length,
      30_000,
      500,
    );
    const hubConnectionsOnIt = connections.filter(
      (each) => each.user === HUB_BROKER_USER && each.node === target.nodeName,
    ).length;
    const queues =
      await management<{ name: string; leader?: string; type: string; members?: string[] }[]>('/queues/cstr');
    const leadersOnIt = queues.filter(
      (queue) => queue.leader === target.nodeName && [HUB_INGRESS_QUEUE, ...PARTITIONS].includes(queue.name),
    ).length;
    // Each queue the stream passes through has a replica on every node.
    for (const name of [HUB_INGRESS_QUEUE, ...PARTITIONS, ...RECIPIENTS.map(partnerInboxQueue)]) {
      const queue = queues.find((each) => each.name === name);
      expect({ name, type: queue?.type, members: queue?.members?.length }).toEqual({
        name,
        type: 'quorum',
        members: 3,
      });
    }

    let stoppedMs = 0;
    let restartMs = 0;
    const figures = await runStream('node-stop', async ({ publishedAll, strike }) => {
      strike();
      const stopAt = Date.now();
      await target.stop();
      stoppedMs = Date.now() - stopAt;
      return async () => {
        // The node comes back once the whole stream is published, and joins its peers again.
        await publishedAll;
        const startAt = Date.now();
        await target.start();
        await eventually(
          () => cluster.runningNodeNames(),
          (names) => names.length === 3,
          60_000,
          500,
        );
        restartMs = Date.now() - startAt;
      };
    });
    // Each hub shows it runs on hub.instances again (the balancer divides the partitions by that count).
    const instances = await settle(
      async () => (await management<{ consumers: number }>(`/queues/cstr/${HUB_INSTANCES_QUEUE}`)).consumers,
      (count) => count === hubs.length,
      30_000,
    );
    if (instances !== hubs.length)
      for (const hub of hubs)
        console.error(
          hub.log
            .split('\n')
            .filter((line) => /PartitionBalancer|AmqpConnection/.test(line))
            .join('\n'),
        );
    report('hub-cluster node-stop', figures, {
      stoppedNode: target.nodeName,
      hubConnectionsOnIt,
      partitionLeadersOnIt: leadersOnIt,
      nodeStopMs: stoppedMs,
      nodeRestartMs: restartMs,
      hubInstancesAfter: instances,
      ...setup,
    });
    expect(hubConnectionsOnIt).toBe(hubs.length);
    expectNothingLost(figures);
    expect(await cluster.runningNodeNames()).toHaveLength(3);
    expect(instances).toBe(hubs.length);
  });

  it('PostgreSQL restarts mid-stream: both hubs carry on, none lost, none applied twice, in order', async () => {
    const { postgres } = requireStack();
    let downFrom = 0;
    let backAt = 0;
    const figures = await runStream('postgres-restart', async ({ strike }) => {
      strike();
      downFrom = Date.now();
      await postgres.stop();
      await new Promise((resolve) => setTimeout(resolve, DATABASE_DOWN_MS));
      await postgres.start();
      backAt = Date.now();
      return undefined;
    });
    const firstDecisionAfter = await firstDecisionAfterMs(backAt);
    report('hub-cluster postgres-restart', figures, {
      databaseDownMs: backAt - downFrom,
      firstDecisionAfterRestartMs: firstDecisionAfter,
    });
    expectNothingLost(figures);
    expect(firstDecisionAfter).toBeLessThan(30_000);
  });

  it('one of two hubs is SIGKILLed mid-stream: the other takes over, none lost, none applied twice, in order', async () => {
    const killed = hubs[0];
    let shared = 0;
    let takeoverFrom = 0;
    let survivorPartitions = 0;
    const figures = await runStream('hub-sigkill', async ({ strike }) => {
      // Both instances hold partitions once the stream flows (a hub hands over only while they receive).
      const consumers = await eventually(
        () => activePartitionConsumers(),
        (active) => new Set(active.map((each) => each.channel_details.connection_name)).size === 2,
        60_000,
        250,
      );
      shared = new Set(consumers.map((each) => each.channel_details.connection_name)).size;
      strike();
      takeoverFrom = Date.now();
      await killed.kill('SIGKILL');
      hubs.splice(hubs.indexOf(killed), 1);
      const survivor = await eventually(
        () => activePartitionConsumers(),
        (active) =>
          active.length === PARTITIONS.length &&
          new Set(active.map((each) => each.channel_details.connection_name)).size === 1,
        60_000,
        50,
      );
      survivorPartitions = survivor.length;
      return undefined;
    });
    const takeoverMs = await takeoverTime(takeoverFrom);
    report('hub-cluster hub-sigkill', figures, { hubsSharingBeforeKill: shared, survivorPartitions, takeoverMs });
    expectNothingLost(figures, 1);
    expect(shared).toBe(2);
    expect(survivorPartitions).toBe(PARTITIONS.length);
    expect(takeoverMs).toBeLessThan(15_000);
  });

  /**
   * Publishes a stream of TOTAL events at RATE_PER_S as the court, brings `fault` once
   * FAULT_AFTER_CONFIRMED of it is confirmed and FAULT_AFTER_APPLIED applied, waits until every
   * event is applied and delivered to both recipients (or up to a deadline) and counts. `fault`
   * calls `strike()` just before it strikes (what was confirmed and applied then is counted), and
   * may return a step that runs while the stream drains (a stopped node starting again;
   * `publishedAll` resolves once the court is done).
   */
  async function runStream(
    label: string,
    fault: (stream: {
      readonly publishedAll: Promise<void>;
      strike(): void;
    }) => Promise<(() => Promise<void>) | undefined>,
  ): Promise<StreamFigures> {
    const stream = streamOfEvents(label);
    const ids = stream.map((event) => event.eventId);
    const since = new Date();
    // What the hubs have applied of this stream, polled while it runs (it stays put while the database is down).
    const progress = { applied: 0, polling: true };
    const polling = (async () => {
      while (progress.polling && !ended) {
        progress.applied = await appliedSince(since).catch(() => progress.applied);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    try {
      const publishing = publishStream(stream, () => progress.applied);
      await eventually(
        async () => ({ confirmed: publishing.confirmed(), applied: progress.applied }),
        ({ confirmed, applied }) =>
          confirmed >= TOTAL * FAULT_AFTER_CONFIRMED && applied >= TOTAL * FAULT_AFTER_APPLIED,
        180_000,
        100,
      );
      let confirmedAtFault = 0;
      let appliedAtFault = 0;
      const strike = (): void => {
        confirmedAtFault = publishing.confirmed();
        appliedAtFault = progress.applied;
        faultAt = Date.now();
      };
      const afterFault = await fault({ publishedAll: publishing.done, strike });
      const recovering = afterFault?.();
      await publishing.done;

      // Everything applied and both copies of each delivered, or what came within the deadline.
      await settle(
        async () => progress.applied,
        (count) => count >= TOTAL,
        120_000,
      );
      await settle(
        async () => deliveredPairs(ids),
        (pairs) => pairs >= TOTAL * RECIPIENTS.length,
        60_000,
      );
      await recovering;
      return await countStream(stream, {
        confirmedAtFault,
        appliedAtFault,
        republished: publishing.republished(),
      });
    } finally {
      progress.polling = false;
      await polling;
    }
  }

  /** The figures of a stream, from the audit's decisions and the copies the recipients received. */
  async function countStream(
    stream: readonly StreamEvent[],
    atFault: Pick<StreamFigures, 'confirmedAtFault' | 'appliedAtFault' | 'republished'>,
  ): Promise<StreamFigures> {
    const ids = stream.map((event) => event.eventId);
    const records = (await requireDatabase().dataSource.query(
      // Seq order is each chain's order; a person's events are all in their partition's chain.
      `SELECT event_id, recipient, outcome, recorded_at, chain_id FROM audit_record
        WHERE kind = 'decision' AND event_id = ANY($1::text[]) ORDER BY seq`,
      [ids],
    )) as DecisionRecord[];
    const decisionsPerEvent = new Map<string, number>();
    for (const record of records)
      decisionsPerEvent.set(record.event_id, (decisionsPerEvent.get(record.event_id) ?? 0) + 1);
    const sent = new Map(stream.map((event) => [event.eventId, event]));
    const copies = copiesSeen(ids);
    const pairs = deliveredPairs(ids);
    return {
      applied: decisionsPerEvent.size,
      lost: ids.filter((eventId) => !decisionsPerEvent.has(eventId)).length,
      appliedTwice: [...decisionsPerEvent.values()].filter((count) => count > RECIPIENTS.length).length,
      outOfOrder: outOfOrderCount(records, sent),
      notDelivered: TOTAL * RECIPIENTS.length - pairs,
      duplicateCopies: copies - pairs,
      copiesSeen: copies,
      refused: records.filter((record) => record.outcome !== 'delivered').length,
      ...atFault,
      longestPauseMs: longestPause(records, faultAt),
    };
  }

  function expectNothingLost(figures: StreamFigures, hubsRunning = 2): void {
    expect(figures.lost).toBe(0);
    expect(figures.appliedTwice).toBe(0);
    expect(figures.outOfOrder).toBe(0);
    expect(figures.notDelivered).toBe(0);
    expect(figures.refused).toBe(0);
    expect(figures.applied).toBe(TOTAL);
    // The fault came in the middle of the stream.
    expect(figures.appliedAtFault).toBeLessThan(TOTAL);
    expect(figures.confirmedAtFault).toBeLessThan(TOTAL);
    // No hub died of it (the one the test killed aside).
    const exited = hubs.filter((hub) => hub.child.exitCode !== null || hub.child.signalCode !== null);
    for (const hub of exited)
      console.error(`A hub exited (${hub.child.exitCode ?? hub.child.signalCode}):\n${hub.log.slice(-6_000)}`);
    expect(exited).toHaveLength(0);
    expect(hubs).toHaveLength(hubsRunning);
  }

  /** Hearings about PERSONS new persons, round-robin, each person's numbered 0…19 in sending order. */
  function streamOfEvents(label: string): StreamEvent[] {
    const fixture = loadEventFixture(EVENT_TYPE);
    const defendants = Array.from({ length: PERSONS }, () => randomUUID());
    const events: StreamEvent[] = [];
    for (let seq = 0; seq < EVENTS_PER_PERSON; seq++) {
      for (let person = 0; person < PERSONS; person++) {
        const eventId = randomUUID();
        const input: EventInputOf<'court.hearing.listed'> = {
          ...fixture,
          envelope: { ...fixture.envelope, eventId, correlationId: eventId },
          person: {
            ...fixture.person,
            identifiers: { commonPlatformDefendantId: defendants[person] },
            name: { family: `Cluster-${label}-${person}`, given: fixture.person.name.given },
            birthDate: `19${String(60 + (person % 40)).padStart(2, '0')}-0${1 + (person % 9)}-1${person % 10}`,
          },
          hearing: { ...fixture.hearing, id: randomUUID() },
        };
        events.push({ eventId, person, seq, body: encodeBody(buildEventBundle(input)) });
      }
    }
    return events;
  }

  /**
   * Publishes the stream in order at RATE_PER_S, each event until the broker confirms it (one
   * not confirmed is sent again: it may then be there twice); a person's next event only once
   * their last is confirmed, so each person's events reach `hub.ingress` in the order numbered.
   */
  function publishStream(
    stream: readonly StreamEvent[],
    applied: () => number,
  ): {
    done: Promise<void>;
    confirmed(): number;
    republished(): number;
  } {
    const { publisher } = requireCourt();
    let confirmed = 0;
    let republished = 0;
    const publishUntilConfirmed = async (event: StreamEvent): Promise<void> => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        try {
          await publisher.publish({
            exchange: INGRESS_EXCHANGE,
            routingKey: ingressRoutingKey(SENDER, EVENT_TYPE),
            eventId: event.eventId,
            type: EVENT_TYPE,
            body: event.body,
          });
          confirmed += 1;
          return;
        } catch (error) {
          if (Date.now() > deadline || ended) throw error;
          republished += 1;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const done = (async () => {
      const lastOfPerson = new Map<number, Promise<void>>();
      let due = Date.now();
      for (const event of stream) {
        while (confirmed - applied() > MAX_AHEAD && !ended) await new Promise((resolve) => setTimeout(resolve, 100));
        if (ended) throw new Error('The test ended before the stream was sent');
        due = Math.max(due + 1_000 / RATE_PER_S, Date.now());
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const previous = lastOfPerson.get(event.person) ?? Promise.resolve();
        lastOfPerson.set(
          event.person,
          previous.then(() => publishUntilConfirmed(event)),
        );
      }
      await Promise.all(lastOfPerson.values());
    })();
    return { done, confirmed: () => confirmed, republished: () => republished };
  }

  /** Events with a decision recorded since `since` (the streams run one after another). */
  async function appliedSince(since: Date): Promise<number> {
    const [row] = (await requireDatabase().dataSource.query(
      `SELECT count(DISTINCT event_id)::int AS n FROM audit_record WHERE kind = 'decision' AND recorded_at >= $1`,
      [since],
    )) as { n: number }[];
    return row.n;
  }

  /** Distinct (event, recipient) pairs the recipients received, of these events. */
  function deliveredPairs(ids: readonly string[]): number {
    return inboxes.reduce((sum, inbox) => sum + ids.filter((eventId) => inbox.copies.has(eventId)).length, 0);
  }

  /** Every copy the recipients received of these events, duplicates included. */
  function copiesSeen(ids: readonly string[]): number {
    return inboxes.reduce(
      (sum, inbox) => sum + ids.reduce((count, eventId) => count + (inbox.copies.get(eventId) ?? 0), 0),
      0,
    );
  }

  /**
   * How long the partitions of the killed instance went without a decision: per partition chain,
   * from the kill to its first record after it; the longest of them (the survivor's own go on).
   */
  async function takeoverTime(killedAt: number): Promise<number> {
    const rows = (await requireDatabase().dataSource.query(
      `SELECT chain_id, min(recorded_at) AS first FROM audit_record
        WHERE kind = 'decision' AND recorded_at > $1 GROUP BY chain_id`,
      [new Date(killedAt)],
    )) as { chain_id: string; first: Date }[];
    expect(new Set(rows.map((row) => row.chain_id))).toEqual(new Set(PARTITIONS));
    return Math.max(...rows.map((row) => row.first.getTime() - killedAt));
  }

  async function firstDecisionAfterMs(at: number): Promise<number> {
    const [row] = (await requireDatabase().dataSource.query(
      `SELECT min(recorded_at) AS first FROM audit_record WHERE kind = 'decision' AND recorded_at >= $1`,
      [new Date(at)],
    )) as { first: Date | null }[];
    return row.first ? row.first.getTime() - at : Number.POSITIVE_INFINITY;
  }

  /** The active consumers of the partition queues, as the management API of a running node lists them. */
  async function activePartitionConsumers(): Promise<ConsumerInfo[]> {
    const consumers = await management<ConsumerInfo[]>('/consumers/cstr');
    return consumers.filter((each) => PARTITIONS.includes(each.queue.name) && each.active);
  }

  /** GET `/api<path>` of the first node whose management API answers (any node manages the whole cluster). */
  async function management<T>(path: string): Promise<T> {
    const { cluster } = requireStack();
    const { username, password } = cluster.nodes[0].adminCredentials();
    const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    let lastError: unknown;
    for (const node of cluster.nodes.filter((each) => each.isRunning())) {
      try {
        const response = await fetch(`${node.managementUrl()}/api${path}`, {
          headers: { authorization },
          signal: AbortSignal.timeout(5_000),
        });
        if (response.ok) return (await response.json()) as T;
        lastError = new Error(`${node.nodeName}: HTTP ${response.status}`);
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`No management API answered ${path}`, { cause: lastError });
  }

  /** The node whose AMQPS port the address names. */
  function nodeOf(address: string | undefined): LocalRabbitMq {
    const port = address ? Number(new URL(address).port) : undefined;
    const node = requireStack().cluster.nodes.find((candidate) => candidate.amqpsPort === port);
    if (!node) throw new Error(`No node of the cluster listens at ${address ?? '(not connected)'}`);
    return node;
  }

  function requireStack(): ClusterStackWithDatabase {
    if (!stack) throw new Error('The cluster and database did not start');
    return stack;
  }

  function requireDatabase(): DatabaseFixture {
    if (!database) throw new Error('No database');
    return database;
  }

  function requireCourt(): { connection: AmqpConnection; publisher: ConfirmedPublisher } {
    if (!court) throw new Error('No court publisher');
    return court;
  }
});

/**
 * A recipient reading its inbox with its own broker user (all nodes listed, so it moves with a
 * stopped node), acknowledging each message once counted: a copy it sees again (the hub's outbox
 * published it twice, or it was redelivered after a lost connection) is what an idempotent
 * consumer drops.
 */
class RecipientInbox {
  /** Copies received, by event id. */
  readonly copies = new Map<string, number>();
  private readonly connection: AmqpConnection;
  private closed = false;

  constructor(
    readonly partner: string,
    url: string,
  ) {
    this.connection = new AmqpConnection({ url, connectionName: `hub-cluster-faults:${partner}`, ...FAST_RECONNECT });
    this.connection.onConnected((connection) => this.consume(connection));
  }

  async start(): Promise<void> {
    await this.connection.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connection.close();
  }

  private async consume(connection: amqp.ChannelModel): Promise<void> {
    const channel = await connection.createChannel();
    // A channel closed without its connection (the queue's leader moved) subscribes again.
    channel.on('error', () => undefined);
    channel.on('close', () => {
      if (!this.closed && this.connection.isConnected())
        setTimeout(() => void this.consume(connection).catch(() => undefined), 200);
    });
    await channel.prefetch(500);
    await channel.consume(partnerInboxQueue(this.partner), (message) => {
      if (!message) {
        // Cancelled by the broker: the channel is closed, and so subscribed again.
        void channel.close().catch(() => undefined);
        return;
      }
      const eventId = String(message.properties.messageId);
      this.copies.set(eventId, (this.copies.get(eventId) ?? 0) + 1);
      try {
        channel.ack(message);
      } catch {
        // The channel went: the broker delivers the message again, and it is counted as a copy.
      }
    });
  }
}

/** Polls until `accept` likes the value or the deadline passes; returns the last value either way. */
async function settle<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe().catch(() => last);
    if (last !== undefined && accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return last;
}

/** Decisions (in the order the hub appended them) whose person's sequence number went backwards. */
function outOfOrderCount(records: readonly DecisionRecord[], sent: ReadonlyMap<string, StreamEvent>): number {
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

/** The longest time without a decision from `from` on, ending at a decision (ms). */
function longestPause(records: readonly DecisionRecord[], from: number): number {
  const times = records.map((record) => record.recorded_at.getTime()).sort((a, b) => a - b);
  let previous = from;
  let longest = 0;
  for (const at of times) {
    if (at < from) continue;
    longest = Math.max(longest, at - previous);
    previous = at;
  }
  return longest;
}

function report(test: string, figures: StreamFigures, extra: Record<string, unknown>): void {
  console.log(
    `${test}: ${JSON.stringify({
      events: TOTAL,
      persons: PERSONS,
      lost: figures.lost,
      appliedTwice: figures.appliedTwice,
      outOfOrder: figures.outOfOrder,
      notDelivered: figures.notDelivered,
      duplicateCopiesSeenByRecipients: figures.duplicateCopies,
      copiesSeen: figures.copiesSeen,
      courtRepublished: figures.republished,
      appliedAtFault: figures.appliedAtFault,
      confirmedAtFault: figures.confirmedAtFault,
      longestPauseMs: figures.longestPauseMs,
      ...extra,
    })}`,
  );
}
