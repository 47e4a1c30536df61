import { Controller, INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { DataSource, QueryRunner } from 'typeorm';
import { HUB_INGRESS_QUEUE, HUB_INSTANCES_QUEUE, INGRESS_EXCHANGE, ingressRoutingKey } from '@cstr/contracts';
import {
  AmqpConnection,
  AmqpContext,
  AmqpTransport,
  ConfirmedPublisher,
  DEFAULT_RETRY_DELAYS_MS,
  Outbox,
  RethrowRpcExceptionsFilter,
  connectAmqp,
  encodeBody,
  type OutgoingMessage,
} from '@cstr/messaging';
import {
  type BrokerClusterStack,
  DatabaseFixture,
  type LocalRabbitMq,
  eventually,
  startBrokerClusterStack,
  testEnvironment,
  uniqueName,
} from '@cstr/testing';

/** Events in the stream (issue 13: 5,000). */
const EVENTS = 5_000;
/** Publishers at work at once, each taking the next event when its last one is confirmed. */
const IN_FLIGHT = 50;
/**
 * Events a second at most: the stream lasts about 5 s, so that the stopped node's connections
 * drop while events are still being published (a node takes a moment to shut down).
 */
const RATE_PER_S = 1_000;
/** The sender: a court, publishing to `cstr.ingress` with its own broker user, as partners do. */
const PARTNER = 'croydon-mc';
const EVENT_TYPE = 'court.hearing.listed';
const CONSUMER = 'cluster-test-hub';

@Controller()
class RecordingHandler {
  @EventPattern(EVENT_TYPE)
  async record(@Ctx() context: AmqpContext): Promise<void> {
    await context.getManager()?.query('INSERT INTO test_effect (event_id) VALUES ($1)', [context.getMessage().eventId]);
  }
}

/** When a connection lost its broker and when it was connected again. */
interface Failover {
  lostAt?: number;
  backAt?: number;
  node?: string;
}

/**
 * A RabbitMQ cluster of three nodes (started by this test) loses the node that the publisher and
 * the consumer are connected to, in the middle of a stream into `hub.ingress` (a quorum queue with
 * a replica on every node). Both move to a surviving node by themselves; what the broker confirmed
 * is consumed, once.
 */
describe('a broker node stops mid-stream (a three-node cluster this test started)', () => {
  const env = testEnvironment();
  let stack: BrokerClusterStack | undefined;
  let database: DatabaseFixture | undefined;
  let consumerConnection: AmqpConnection | undefined;
  let publisherConnection: AmqpConnection | undefined;
  let publisher: ConfirmedPublisher | undefined;
  let app: INestMicroservice | undefined;
  const suppressed = { deliveries: 0 };

  beforeAll(async () => {
    stack = await startBrokerClusterStack('test-broker-cluster', 3);
    database = await DatabaseFixture.open(env.databaseUrl, uniqueName('cluster_consumer'));
    await database.dataSource.query('CREATE TABLE test_effect (event_id uuid NOT NULL)');
    const partnerUrl = stack.partnerUrls[PARTNER];
    if (!partnerUrl) throw new Error(`${PARTNER} is not in config/partners.yaml`);
    const fastReconnect = { reconnectBaseMs: 100, reconnectMaxMs: 1_000 };
    consumerConnection = new AmqpConnection({
      url: stack.hubUrl,
      connectionName: 'cluster-consumer',
      ...fastReconnect,
    });
    publisherConnection = new AmqpConnection({
      url: partnerUrl,
      connectionName: 'cluster-publisher',
      ...fastReconnect,
    });
    await Promise.all([consumerConnection.start(), publisherConnection.start()]);
    publisher = new ConfirmedPublisher(publisherConnection, { connectTimeoutMs: 5_000 });
    const moduleRef = await Test.createTestingModule({ controllers: [RecordingHandler] }).compile();
    app = moduleRef.createNestMicroservice({
      strategy: new AmqpTransport({
        connection: consumerConnection,
        queue: HUB_INGRESS_QUEUE,
        consumerName: CONSUMER,
        retryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
        persistence: {
          dataSource: countingSuppressedDeliveries(database.dataSource, suppressed),
          outbox: new Outbox(),
        },
      }),
    });
    app.useGlobalFilters(new RethrowRpcExceptionsFilter());
    await app.listen();
  }, 150_000);

  afterAll(async () => {
    // Each step on its own, so that the cluster is removed whatever failed before it.
    for (const step of [
      () => app?.close(),
      () => publisher?.close(),
      () => consumerConnection?.close(),
      () => publisherConnection?.close(),
      () => database?.close(),
      () => stack?.remove(),
    ]) {
      await Promise.resolve()
        .then(step)
        .catch((error: unknown) => console.error('broker-cluster clean-up:', error));
    }
  }, 90_000);

  it('replicates the quorum queue on every node; after a node stops, every confirmed event is applied once', async () => {
    const { cluster } = requireStack();
    expect(await cluster.runningNodeNames()).toHaveLength(3);
    // Every queue provisioned (hub.ingress, its partitions, the inboxes, their delay queues and DLQs) has a replica on
    // each node; hub.instances holds no message (its consumers are the running hub instances) and is classic.
    const everyNode = cluster.nodes.map((node) => node.nodeName).sort();
    const queues = (await provisionedQueues()).filter((queue) => queue.name !== HUB_INSTANCES_QUEUE);
    const ingressLeader = queues.find((queue) => queue.name === HUB_INGRESS_QUEUE)?.leader;
    expect(ingressLeader).toBeDefined();
    expect(queues.filter((queue) => queue.type !== 'quorum' || queue.members.join() !== everyNode.join())).toEqual([]);

    const publisherFailover = watchFailover(requireConnection(publisherConnection));
    const consumerFailover = watchFailover(requireConnection(consumerConnection));
    const events = Array.from({ length: EVENTS }, () => randomUUID());
    let confirmed = 0;
    let republished = 0;
    let stopping: Promise<void> | undefined;
    let stoppedNode: string | undefined;
    let stopAt = 0;
    let lastConfirmAt: number | undefined;
    let longestConfirmGapMs = 0;

    const publishUntilConfirmed = async (eventId: string): Promise<void> => {
      for (;;) {
        try {
          await requirePublisher().publish(message(eventId));
          confirmed += 1;
          const now = Date.now();
          if (lastConfirmAt !== undefined) longestConfirmGapMs = Math.max(longestConfirmGapMs, now - lastConfirmAt);
          lastConfirmAt = now;
          break;
        } catch {
          // Not confirmed: it may or may not have reached the queue; sending it again may duplicate it.
          republished += 1;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      if (!stopping && confirmed >= EVENTS / 2) {
        // Half-way: stop the node the publisher is connected to (the consumer is on it too).
        const node = nodeOf(requireConnection(publisherConnection).connectedAddress);
        stoppedNode = node.nodeName;
        stopAt = Date.now();
        stopping = node.stop();
      }
    };

    let confirmedWhenLost: number | undefined;
    void once(requireConnection(publisherConnection), 'disconnected').then(() => (confirmedWhenLost = confirmed));
    const startedAt = Date.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < events.length; index = next++) {
        const due = startedAt + (index / RATE_PER_S) * 1_000;
        if (Date.now() < due) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        await publishUntilConfirmed(events[index]);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const publishedMs = Date.now() - startedAt;
    await stopping;

    const db = requireDatabase();
    await eventually(
      () => db.count('SELECT count(DISTINCT event_id) AS n FROM test_effect'),
      (n) => n === EVENTS,
      60_000,
      250,
    );
    const effects = await db.count('SELECT count(*) AS n FROM test_effect');
    const applied = await db.count(
      'SELECT count(DISTINCT event_id) AS n FROM test_effect WHERE event_id = ANY($1::uuid[])',
      [events],
    );
    const recorded = await db.count('SELECT count(*) AS n FROM messaging_processed_event WHERE consumer = $1', [
      CONSUMER,
    ]);
    const figures = {
      events: EVENTS,
      confirmed,
      republished,
      lost: EVENTS - applied,
      duplicated_effects: effects - applied,
      duplicate_deliveries_suppressed: suppressed.deliveries,
      stopped_node: stoppedNode,
      hub_ingress_leader_was_on_it: ingressLeader === stoppedNode,
      publisher_reconnect_ms: span(publisherFailover),
      consumer_reconnect_ms: span(consumerFailover),
      confirmed_when_node_lost: confirmedWhenLost,
      stop_to_publisher_back_ms: publisherFailover.backAt === undefined ? undefined : publisherFailover.backAt - stopAt,
      longest_confirm_gap_ms: longestConfirmGapMs,
      published_ms: publishedMs,
    };
    console.log(`broker-cluster fault test: ${JSON.stringify(figures)}`);

    expect(confirmed).toBe(EVENTS);
    expect(applied).toBe(EVENTS);
    expect(effects).toBe(EVENTS);
    expect(recorded).toBe(EVENTS);
    // The node really went, and both sides moved to another one by themselves.
    expect(stopAt).toBeGreaterThan(0);
    // ...in the middle of the stream: events were still to be published when its connections dropped.
    expect(confirmedWhenLost).toBeLessThan(EVENTS);
    expect(cluster.nodes.find((node) => node.nodeName === stoppedNode)?.isRunning()).toBe(false);
    for (const failover of [publisherFailover, consumerFailover]) {
      expect(failover.backAt).toBeGreaterThan(failover.lostAt ?? Infinity);
      expect(failover.node).not.toBe(stoppedNode);
      expect(span(failover)).toBeLessThan(30_000);
    }
    expect(await readyMessages(HUB_INGRESS_QUEUE)).toBe(0);
  });

  function message(eventId: string): OutgoingMessage {
    return {
      exchange: INGRESS_EXCHANGE,
      routingKey: ingressRoutingKey(PARTNER, EVENT_TYPE),
      eventId,
      type: EVENT_TYPE,
      body: encodeBody({ resourceType: 'Bundle', type: 'message' }),
    };
  }

  /** The node whose AMQPS port the address names. */
  function nodeOf(address: string | undefined): LocalRabbitMq {
    const port = address ? Number(new URL(address).port) : undefined;
    const node = requireStack().cluster.nodes.find((candidate) => candidate.amqpsPort === port);
    if (!node) throw new Error(`No node of the cluster listens at ${address ?? '(not connected)'}`);
    return node;
  }

  /** Records the first loss of a connection and its next connection, with the node it reached. */
  function watchFailover(connection: AmqpConnection): Failover {
    const failover: Failover = {};
    void once(connection, 'disconnected').then(async () => {
      failover.lostAt = Date.now();
      await once(connection, 'connected');
      failover.backAt = Date.now();
      failover.node = nodeOf(connection.connectedAddress).nodeName;
    });
    return failover;
  }

  /** Every queue of vhost `cstr` with its type and the nodes holding a replica (management API). */
  async function provisionedQueues(): Promise<{ name: string; type: string; members: string[]; leader?: string }[]> {
    const { cluster, rabbitManagementUrl } = requireStack();
    const { username, password } = cluster.nodes[0].adminCredentials();
    const response = await fetch(`${rabbitManagementUrl}/api/queues/cstr`, {
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
    });
    const queues = (await response.json()) as { name: string; type: string; members?: string[]; leader?: string }[];
    return queues.map(({ name, type, members, leader }) => ({
      name,
      type,
      leader,
      members: [...(members ?? [])].sort(),
    }));
  }

  /** Messages waiting in a queue, asked of a node that still runs. */
  async function readyMessages(queue: string): Promise<number> {
    const survivor = requireStack().cluster.nodes.find((node) => node.isRunning());
    if (!survivor) throw new Error('No node of the cluster runs');
    const connection = await connectAmqp(survivor.adminUrl('cstr'));
    try {
      const channel = await connection.createChannel();
      return (await channel.checkQueue(queue)).messageCount;
    } finally {
      await connection.close();
    }
  }

  function requireStack(): BrokerClusterStack {
    if (!stack) throw new Error('The cluster did not start');
    return stack;
  }

  function requirePublisher(): ConfirmedPublisher {
    if (!publisher) throw new Error('No publisher');
    return publisher;
  }

  function requireDatabase(): DatabaseFixture {
    if (!database) throw new Error('No database');
    return database;
  }
});

function requireConnection(connection: AmqpConnection | undefined): AmqpConnection {
  if (!connection) throw new Error('No connection');
  return connection;
}

function span(failover: Failover): number | undefined {
  return failover.lostAt !== undefined && failover.backAt !== undefined ? failover.backAt - failover.lostAt : undefined;
}

/**
 * The data source as is, counting the deliveries the idempotent consumer recognises as seen
 * before: its insert into `messaging_processed_event` returns fewer rows than the batch had.
 * (A batch rolled back and redone inserts again, so only true duplicates count.)
 */
function countingSuppressedDeliveries(dataSource: DataSource, counter: { deliveries: number }): DataSource {
  const createQueryRunner = dataSource.createQueryRunner.bind(dataSource);
  return new Proxy(dataSource, {
    get(target, property, receiver): unknown {
      if (property !== 'createQueryRunner') return Reflect.get(target, property, receiver) as unknown;
      return (...args: Parameters<DataSource['createQueryRunner']>): QueryRunner => {
        const runner = createQueryRunner(...args);
        const query = runner.query.bind(runner) as (sql: string, parameters?: unknown[]) => Promise<unknown>;
        runner.query = (async (sql: string, parameters?: unknown[]) => {
          const result = await query(sql, parameters);
          if (
            /INSERT INTO messaging_processed_event/.test(sql) &&
            Array.isArray(parameters?.[1]) &&
            Array.isArray(result)
          )
            counter.deliveries += parameters[1].length - result.length;
          return result;
        }) as QueryRunner['query'];
        return runner;
      };
    },
  });
}
