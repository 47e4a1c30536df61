/**
 * Messaging benchmark: 50,000 events of 1 KB through, in one run and on one broker,
 *   (a) raw amqplib — confirm-publish in batches, manual-ack consume;
 *   (b) the stock @nestjs/microservices RMQ transport with safe settings (persistent, manual ack, prefetch);
 *   (c) libs/messaging — confirmed publisher and the AmqpTransport (manual acks);
 *   (d) libs/messaging with the transactional outbox and the idempotent consumer (PostgreSQL).
 * Throughput is events from the first publish to the last consume; latency is per event, send to handler.
 * The last line is one JSON object with the figures and their ratios (compare only within one run).
 *
 *   npm run bench:messaging [-- --events 50000 --batch 500] [--plain]
 *
 * Over TLS (amqps://, PostgreSQL verify-full), as everything runs. `--plain` runs every scenario
 * a second time in clear (the bench stack then opens its plain ports too): one summary line each,
 * then, last, one JSON object with both and the TLS-to-plain ratios.
 */
import 'reflect-metadata';
import { Controller, INestMicroservice, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientRMQ, Ctx, EventPattern, Payload, RmqContext, Transport } from '@nestjs/microservices';
import * as amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import { lastValueFrom } from 'rxjs';
import {
  AmqpConnection,
  AmqpContext,
  AmqpTransport,
  ConfirmedPublisher,
  Outbox,
  OutboxRelay,
  RethrowRpcExceptionsFilter,
  amqpSocketOptions,
  connectAmqp,
  declareExchanges,
  declareQueueTopology,
  type OutgoingMessage,
} from '@cstr/messaging';
import { DatabaseFixture, ensureIntegrationStack, eventually, percentile, uniqueName } from '@cstr/testing';
import { benchOptions, runBench } from './bench-kit';

/**
 * `--lanes`: consumer lanes of libs/messaging, as the apps run it (CONSUMER_LANES); `--producer-batch`:
 * events per producer transaction in the outbox run (each with its own state change); `--only raw,lib`:
 * a subset of the runs (for profiling).
 */
const OPTIONS = benchOptions({
  events: 50_000,
  batch: 500,
  lanes: 4,
  'producer-batch': 10,
  only: 'raw,nest,lib,outbox',
  plain: false,
});
const EVENTS = OPTIONS.events;
const BATCH = OPTIONS.batch;
const PREFETCH = 500;
const LANES = OPTIONS.lanes;
const PRODUCER_BATCH = OPTIONS['producer-batch'];
const EXCHANGE = 'bench.direct';
const PADDING = 'x'.repeat(1024 - 80);

interface Result {
  name: string;
  msgsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Collects receive latencies and resolves when every event has arrived. */
class Receiver {
  private readonly latencies: number[] = [];
  private readonly seen = new Set<number>();
  private resolveAll!: () => void;
  readonly all = new Promise<void>((resolve) => (this.resolveAll = resolve));
  firstSentAt = 0;

  constructor(private readonly expected: number) {}

  /** Counts each event once (a handler may run again for an event whose batch was redone). */
  received(sentAt: number, seq: number): void {
    if (this.seen.has(seq)) return;
    this.seen.add(seq);
    this.latencies.push(performance.now() + performance.timeOrigin - sentAt);
    if (this.latencies.length === this.expected) this.resolveAll();
  }

  result(name: string, startedAt: number): Result {
    const elapsedMs = performance.now() - startedAt;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (p: number): number => Number(percentile(sorted, p).toFixed(1));
    return { name, msgsPerSecond: Math.round((this.expected / elapsedMs) * 1000), p50Ms: at(50), p99Ms: at(99) };
  }
}

function now(): number {
  return performance.now() + performance.timeOrigin;
}

function body(seq: number): Buffer {
  return Buffer.from(JSON.stringify({ seq, sentAt: now(), padding: PADDING }));
}

async function withTimeout<T>(promise: Promise<T>, label: string, ms = 300_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${label} timed out`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function prepareQueue(adminUrl: string, queue: string, libTopology: boolean): Promise<void> {
  const connection = await connectAmqp(adminUrl);
  const channel = await connection.createChannel();
  await declareExchanges(channel);
  await channel.assertExchange(EXCHANGE, 'direct', { durable: true });
  if (libTopology) {
    await declareQueueTopology(channel, {
      queue,
      bindings: [{ exchange: EXCHANGE, pattern: queue }],
      retryDelaysMs: [1_000],
    });
  } else {
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.bindQueue(queue, EXCHANGE, queue);
  }
  await channel.close();
  await connection.close();
}

async function deleteQueues(adminUrl: string, ...queues: string[]): Promise<void> {
  const connection = await connectAmqp(adminUrl);
  const channel = await connection.createChannel();
  for (const queue of queues) await channel.deleteQueue(queue).catch(() => undefined);
  await channel.close().catch(() => undefined);
  await connection.close();
}

/** (a) raw amqplib. */
async function rawAmqplib(url: string): Promise<Result> {
  const queue = uniqueName('bench_raw');
  await prepareQueue(url, queue, false);
  const receiver = new Receiver(EVENTS);
  const consumerConnection = await connectAmqp(url);
  const consumerChannel = await consumerConnection.createChannel();
  await consumerChannel.prefetch(PREFETCH);
  await consumerChannel.consume(queue, (message) => {
    if (!message) return;
    const data = JSON.parse(message.content.toString()) as { sentAt: number; seq: number };
    receiver.received(data.sentAt, data.seq);
    consumerChannel.ack(message);
  });
  const publisherConnection = await connectAmqp(url);
  const channel = await publisherConnection.createConfirmChannel();
  const startedAt = performance.now();
  for (let start = 0; start < EVENTS; start += BATCH) {
    for (let seq = start; seq < Math.min(EVENTS, start + BATCH); seq++) {
      channel.publish(EXCHANGE, queue, body(seq), {
        persistent: true,
        messageId: randomUUID(),
        type: 'bench',
        contentType: 'application/json',
      });
    }
    await channel.waitForConfirms();
  }
  await withTimeout(receiver.all, 'raw amqplib');
  const result = receiver.result('raw amqplib', startedAt);
  await channel.close();
  await publisherConnection.close();
  await consumerChannel.close();
  await consumerConnection.close();
  await deleteQueues(url, queue);
  return result;
}

let nestReceiver: Receiver | undefined;

@Controller()
class NestRmqHandler {
  @EventPattern('bench')
  handle(@Payload() data: { sentAt: number; seq: number }, @Ctx() context: RmqContext): void {
    nestReceiver?.received(data.sentAt, data.seq);
    (context.getChannelRef() as amqp.Channel).ack(context.getMessage() as amqp.Message);
  }
}

@Module({ controllers: [NestRmqHandler] })
class NestRmqModule {}

/** (b) the stock Nest RMQ transport, made safe: persistent messages, manual acks, a prefetch. */
async function nestRmq(url: string): Promise<Result> {
  const queue = uniqueName('bench_nest');
  await prepareQueue(url, queue, false);
  const receiver = new Receiver(EVENTS);
  nestReceiver = receiver;
  const queueOptions = { durable: true, arguments: { 'x-queue-type': 'quorum' } };
  // The RMQ transport takes amqplib's TLS options apart from its URL.
  const { connectUrl, socketOptions } = amqpSocketOptions(url);
  const tls = { connectionOptions: socketOptions };
  const server = await NestFactory.createMicroservice(NestRmqModule, {
    logger: ['error'],
    transport: Transport.RMQ,
    options: {
      urls: [connectUrl],
      socketOptions: tls,
      queue,
      queueOptions,
      noAck: false,
      prefetchCount: PREFETCH,
      persistent: true,
    },
  });
  await server.listen();
  const client = new ClientRMQ({ urls: [connectUrl], socketOptions: tls, queue, queueOptions, persistent: true });
  await client.connect();
  const startedAt = performance.now();
  for (let start = 0; start < EVENTS; start += BATCH) {
    const sends: Promise<unknown>[] = [];
    for (let seq = start; seq < Math.min(EVENTS, start + BATCH); seq++) {
      sends.push(
        lastValueFrom(client.emit('bench', { seq, sentAt: now(), padding: PADDING }), { defaultValue: undefined }),
      );
    }
    await Promise.all(sends);
  }
  await withTimeout(receiver.all, 'nest rmq');
  const result = receiver.result('@nestjs/microservices RMQ (safe settings)', startedAt);
  await client.close();
  await server.close();
  await deleteQueues(url, queue);
  return result;
}

let libReceiver: Receiver | undefined;

@Controller()
class LibHandler {
  @EventPattern('bench')
  async handle(@Payload() data: { sentAt: number; seq: number }, @Ctx() context: AmqpContext): Promise<void> {
    // In the outbox run the effect is written in the consumer's transaction, like a real handler.
    await context
      .getManager()
      ?.query('INSERT INTO bench_effect (event_id) VALUES ($1)', [context.getMessage().eventId]);
    libReceiver?.received(data.sentAt, data.seq);
  }
}

@Module({ controllers: [LibHandler] })
class LibModule {}

async function libTransport(
  url: string,
  queue: string,
  receiver: Receiver,
  database?: DatabaseFixture,
): Promise<{ app: INestMicroservice; connection: AmqpConnection }> {
  libReceiver = receiver;
  const connection = new AmqpConnection({ url, connectionName: 'bench-consumer' });
  await connection.start();
  const app = await NestFactory.createMicroservice(LibModule, {
    logger: ['error'],
    strategy: new AmqpTransport({
      connection,
      queue,
      consumerName: 'bench',
      retryDelaysMs: [1_000],
      prefetch: PREFETCH,
      lanes: LANES,
      persistence: database ? { dataSource: database.dataSource, outbox: new Outbox() } : undefined,
    }),
  });
  app.useGlobalFilters(new RethrowRpcExceptionsFilter());
  await app.listen();
  return { app, connection };
}

function libMessage(queue: string, seq: number): OutgoingMessage {
  return {
    exchange: EXCHANGE,
    routingKey: queue,
    eventId: randomUUID(),
    type: 'bench',
    contentType: 'application/json',
    body: body(seq),
  };
}

/** (c) libs/messaging: confirmed publisher, AmqpTransport. */
async function libMessaging(url: string): Promise<Result> {
  const queue = uniqueName('bench_lib');
  await prepareQueue(url, queue, true);
  const receiver = new Receiver(EVENTS);
  const consumer = await libTransport(url, queue, receiver);
  const connection = new AmqpConnection({ url, connectionName: 'bench-publisher' });
  await connection.start();
  const publisher = new ConfirmedPublisher(connection);
  const startedAt = performance.now();
  for (let start = 0; start < EVENTS; start += BATCH) {
    const sends: Promise<void>[] = [];
    for (let seq = start; seq < Math.min(EVENTS, start + BATCH); seq++)
      sends.push(publisher.publish(libMessage(queue, seq)));
    await Promise.all(sends);
  }
  await withTimeout(receiver.all, 'libs/messaging');
  const result = receiver.result('libs/messaging (confirms, manual acks)', startedAt);
  await publisher.close();
  await connection.close();
  await consumer.app.close();
  await consumer.connection.close();
  await deleteQueues(url, queue, `${queue}.dlq`, `${queue}.retry.1000ms`);
  return result;
}

/**
 * (d) libs/messaging with the outbox and the idempotent consumer. Producers commit business
 * transactions, each a state change per event plus the outgoing events (PRODUCER_BATCH events per
 * transaction, as the hub commits a consumed batch; `--producer-batch 1` for one event per
 * transaction), four at once; the relay publishes with confirms; the consumer records each event
 * and its effect in one transaction per batch.
 */
async function libOutbox(url: string, databaseUrl: string): Promise<Result> {
  const queue = uniqueName('bench_outbox');
  await prepareQueue(url, queue, true);
  const producerDb = await DatabaseFixture.open(databaseUrl, uniqueName('bench_producer'));
  const consumerDb = await DatabaseFixture.open(databaseUrl, uniqueName('bench_consumer'));
  await producerDb.dataSource.query('CREATE TABLE bench_state (id uuid PRIMARY KEY, seq integer NOT NULL)');
  await consumerDb.dataSource.query('CREATE TABLE bench_effect (event_id uuid NOT NULL)');
  const receiver = new Receiver(EVENTS);
  const consumer = await libTransport(url, queue, receiver, consumerDb);
  const connection = new AmqpConnection({ url, connectionName: 'bench-relay' });
  await connection.start();
  const publisher = new ConfirmedPublisher(connection);
  const outbox = new Outbox();
  const relay = new OutboxRelay(producerDb.dataSource, publisher, { batchSize: BATCH, idlePollMs: 20 });
  relay.start();
  const concurrency = 4;
  let next = 0;
  const startedAt = performance.now();
  const producers = Array.from({ length: concurrency }, async () => {
    while (next < EVENTS) {
      const first = next;
      next = Math.min(EVENTS, next + PRODUCER_BATCH);
      const messages = Array.from({ length: next - first }, (_, index) => libMessage(queue, first + index));
      await producerDb.dataSource.transaction(async (manager) => {
        await manager.query('INSERT INTO bench_state (id, seq) SELECT * FROM unnest($1::uuid[], $2::int[])', [
          messages.map((message) => message.eventId),
          messages.map((_, index) => first + index),
        ]);
        await outbox.add(manager, ...messages);
      });
    }
  });
  const progress = process.env.BENCH_PROGRESS
    ? setInterval(() => {
        void Promise.all([
          producerDb.count('SELECT count(*) AS n FROM messaging_outbox'),
          consumerDb.count('SELECT count(*) AS n FROM bench_effect'),
        ]).then(([unsent, effects]) => console.log(`  committed ${next}, unsent ${unsent}, consumed ${effects}`));
      }, 1_000)
    : undefined;
  await Promise.all(producers);
  await withTimeout(receiver.all, 'libs/messaging outbox');
  clearInterval(progress);
  const result = receiver.result('libs/messaging + outbox + idempotent consumer', startedAt);
  // The last batch's handlers have run; its commit may be a moment behind.
  const effects = await eventually(
    () => consumerDb.count('SELECT count(*) AS n FROM bench_effect'),
    (n) => n >= EVENTS,
    10_000,
  ).catch(() => -1);
  const distinct = await consumerDb.count('SELECT count(DISTINCT event_id) AS n FROM bench_effect');
  if (effects !== EVENTS || distinct !== EVENTS)
    throw new Error(`outbox run applied ${effects} effects (${distinct} distinct), expected ${EVENTS} once each`);
  await relay.stop();
  await publisher.close();
  await connection.close();
  await consumer.app.close();
  await consumer.connection.close();
  await producerDb.close();
  await consumerDb.close();
  await deleteQueues(url, queue, `${queue}.dlq`, `${queue}.retry.1000ms`);
  return result;
}

/** The figures of a run of all four, and their ratios: the last line. */
function summary([raw, nest, lib, outbox]: readonly Result[]): Record<string, number> {
  const ratio = (a: number, b: number): number => Number((a / b).toFixed(2));
  return {
    raw_msgs_s: raw.msgsPerSecond,
    nest_msgs_s: nest.msgsPerSecond,
    lib_msgs_s: lib.msgsPerSecond,
    lib_outbox_msgs_s: outbox.msgsPerSecond,
    lib_vs_raw: ratio(lib.msgsPerSecond, raw.msgsPerSecond),
    lib_vs_nest: ratio(lib.msgsPerSecond, nest.msgsPerSecond),
    outbox_vs_raw: ratio(outbox.msgsPerSecond, raw.msgsPerSecond),
    lib_p99_ms: lib.p99Ms,
  };
}

/** Every selected scenario against one broker and database; prints a line each and, with all four, the summary line. */
async function runAll(
  label: string,
  urls: { readonly rabbitAdminUrl: string; readonly databaseUrl: string },
): Promise<Record<string, number> | undefined> {
  const scenarios: Record<string, () => Promise<Result>> = {
    raw: () => rawAmqplib(urls.rabbitAdminUrl),
    nest: () => nestRmq(urls.rabbitAdminUrl),
    lib: () => libMessaging(urls.rabbitAdminUrl),
    outbox: () => libOutbox(urls.rabbitAdminUrl, urls.databaseUrl),
  };
  const selected = OPTIONS.only.split(',');
  const results: Result[] = [];
  for (const name of selected) {
    const scenario = scenarios[name];
    if (!scenario) throw new Error(`Unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
    const result = await scenario();
    results.push(result);
    console.log(
      `${`${result.name} (${label})`.padEnd(52)} ${String(result.msgsPerSecond).padStart(7)} msgs/s   p50 ${String(result.p50Ms).padStart(8)} ms   p99 ${String(result.p99Ms).padStart(8)} ms`,
    );
  }
  // The summary line needs all four.
  if (selected.length !== 4) return undefined;
  const line = summary(results);
  console.log(JSON.stringify(line));
  return line;
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const stack = await ensureIntegrationStack('bench', { plain: OPTIONS.plain });
  try {
    console.log(
      `Messaging benchmark: ${EVENTS} events of 1 KB, publish batches of ${BATCH}, prefetch ${PREFETCH}, quorum queues, persistent; outbox producers commit ${PRODUCER_BATCH} events per transaction`,
    );
    const overTls = await runAll('TLS', stack);
    if (!OPTIONS.plain) return;
    if (!stack.plain) throw new Error('--plain: the bench stack gave no plain URLs');
    const inClear = await runAll('plain', stack.plain);
    if (overTls && inClear) {
      const ratios = Object.fromEntries(
        Object.keys(overTls)
          .filter((key) => key.endsWith('_msgs_s'))
          .map((key) => [key.replace(/_msgs_s$/, '_tls_vs_plain'), Number((overTls[key] / inClear[key]).toFixed(2))]),
      );
      console.log(JSON.stringify({ tls: overTls, plain: inClear, ...ratios }));
    }
  } finally {
    await stack.stop();
  }
}

runBench(main);
