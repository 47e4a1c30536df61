import { Controller, INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { AmqpHeaders, DELIVERY_EXCHANGE, deadLetterQueue, ingressRoutingKey, retryQueue } from '@cstr/contracts';
import {
  AmqpConnection,
  AmqpContext,
  AmqpTransport,
  ConfirmedPublisher,
  Outbox,
  OutboxRelay,
  RethrowRpcExceptionsFilter,
  Outcome,
  encodeBody,
} from '@cstr/messaging';
import { BrokerFixture, DatabaseFixture, eventually, testEnvironment, uniqueName, TEST_EXCHANGE } from '@cstr/testing';

/** What the handlers saw, per event id. */
const calls = new Map<string, number>();
const traces = new Map<string, string | undefined>();
function called(eventId: string): number {
  return calls.get(eventId) ?? 0;
}

@Controller()
class TestHandlers {
  /** Records its effect through the transaction it is given. */
  @EventPattern('court.hearing.listed')
  async listed(@Payload() body: { note?: string }, @Ctx() context: AmqpContext): Promise<void> {
    const message = context.getMessage();
    calls.set(message.eventId, called(message.eventId) + 1);
    traces.set(message.eventId, message.traceparent);
    await context
      .getManager()
      ?.query('INSERT INTO test_effect (event_id, note) VALUES ($1, $2)', [message.eventId, body.note ?? null]);
  }

  /** Always fails. */
  @EventPattern('court.hearing.resulted')
  resulted(@Ctx() context: AmqpContext): never {
    const { eventId } = context.getMessage();
    calls.set(eventId, called(eventId) + 1);
    throw new Error('partner system unavailable');
  }

  /** Fails twice, then succeeds. */
  @EventPattern('court.sentence.imposed')
  sentenced(@Ctx() context: AmqpContext): void {
    const { eventId, attempt } = context.getMessage();
    calls.set(eventId, called(eventId) + 1);
    if (attempt < 3) throw new Error(`transient failure on attempt ${attempt}`);
  }

  /** Knows it can never succeed. */
  @EventPattern('consent.recorded')
  consent(@Ctx() context: AmqpContext): ReturnType<typeof Outcome.deadLetter> {
    const { eventId } = context.getMessage();
    calls.set(eventId, called(eventId) + 1);
    return Outcome.deadLetter('consent-without-patient', 'Consent names no patient');
  }

  /** Applies an effect and emits a follow-up event through the outbox, in one transaction. */
  @EventPattern('treatment.referral.requested')
  async referral(@Ctx() context: AmqpContext): Promise<void> {
    const { eventId } = context.getMessage();
    calls.set(eventId, called(eventId) + 1);
    await context
      .getManager()
      ?.query('INSERT INTO test_effect (event_id, note) VALUES ($1, $2)', [eventId, 'referral']);
    await context.getScope().publish({
      exchange: DELIVERY_EXCHANGE,
      routingKey: `${followUpPartner}.treatment.referral.accepted`,
      eventId: randomUUID(),
      type: 'treatment.referral.accepted',
      correlationId: eventId,
      body: encodeBody({ resourceType: 'Bundle', type: 'message' }),
    });
  }
}

let followUpPartner = '';

class RollbackMarker extends Error {}

describe('AmqpTransport: outcomes, retries, dead letters, idempotency, outbox (real broker and database)', () => {
  const env = testEnvironment();
  const delays = [100, 300];
  const partner = uniqueName('partner').replace(/_/g, '-');
  const queue = `test.${partner}.inbox`;
  const followUpQueue = `test.${partner}.follow-up`;
  let broker: BrokerFixture;
  let database: DatabaseFixture;
  let connection: AmqpConnection;
  let publisher: ConfirmedPublisher;
  let relay: OutboxRelay;
  let app: INestMicroservice;

  beforeAll(async () => {
    followUpPartner = partner;
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    await broker.declareQueue(queue, [{ exchange: TEST_EXCHANGE, pattern: `${partner}.#` }], delays);
    await broker.channel.assertQueue(followUpQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await broker.channel.bindQueue(followUpQueue, DELIVERY_EXCHANGE, `${partner}.#`);
    database = await DatabaseFixture.open(env.databaseUrl, uniqueName('transport_test'));
    await database.dataSource.query('CREATE TABLE test_effect (event_id uuid NOT NULL, note text)');

    connection = new AmqpConnection({ url: env.rabbitAdminUrl, connectionName: 'transport-test' });
    await connection.start();
    publisher = new ConfirmedPublisher(connection);
    const outbox = new Outbox();
    relay = new OutboxRelay(database.dataSource, publisher, { idlePollMs: 50 });
    relay.start();
    const moduleRef = await Test.createTestingModule({ controllers: [TestHandlers] }).compile();
    app = moduleRef.createNestMicroservice({
      strategy: new AmqpTransport({
        connection,
        queue,
        consumerName: 'transport-test',
        retryDelaysMs: delays,
        persistence: { dataSource: database.dataSource, outbox },
      }),
    });
    app.useGlobalFilters(new RethrowRpcExceptionsFilter());
    await app.listen();
  });

  afterAll(async () => {
    await app.close();
    await relay.stop();
    await publisher.close();
    await connection.close();
    await database.close();
    await broker.deleteQueues(
      queue,
      deadLetterQueue(queue),
      ...delays.map((delay) => retryQueue(queue, delay)),
      followUpQueue,
    );
    await broker.close();
  });

  async function send(
    type: string,
    body: unknown = { resourceType: 'Bundle' },
    eventId = randomUUID(),
    traceparent?: string,
  ): Promise<string> {
    await publisher.publish({
      exchange: TEST_EXCHANGE,
      routingKey: ingressRoutingKey(partner, type),
      eventId,
      type,
      body: encodeBody(body),
      traceparent,
    });
    return eventId;
  }

  async function deadLetters(count: number): Promise<Awaited<ReturnType<BrokerFixture['drain']>>> {
    await eventually(
      () => broker.depth(deadLetterQueue(queue)),
      (depth) => depth >= count,
      20_000,
    );
    return broker.drain(deadLetterQueue(queue));
  }

  it('applies a good event once, in the transaction, with its trace carried through', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const eventId = await send('court.hearing.listed', { note: 'first' }, randomUUID(), traceparent);
    await eventually(
      () => database.count('SELECT count(*) AS n FROM test_effect WHERE event_id = $1', [eventId]),
      (n) => n === 1,
    );
    expect(traces.get(eventId)).toBe(traceparent);
  });

  it('applies a redelivered event (same event id) only once', async () => {
    const eventId = randomUUID();
    await send('court.hearing.listed', { note: 'original' }, eventId);
    await send('court.hearing.listed', { note: 'duplicate' }, eventId);
    const marker = await send('court.hearing.listed', { note: 'marker' });
    await eventually(
      () => database.count('SELECT count(*) AS n FROM test_effect WHERE event_id = $1', [marker]),
      (n) => n === 1,
    );
    expect(await database.count('SELECT count(*) AS n FROM test_effect WHERE event_id = $1', [eventId])).toBe(1);
    expect(called(eventId)).toBe(1);
  });

  it('retries a failing handler with back-off, then parks the message in the DLQ with its reason and attempt count', async () => {
    const eventId = await send('court.hearing.resulted');
    const [dead] = await deadLetters(1);
    expect(dead.properties.messageId).toBe(eventId);
    expect(called(eventId)).toBe(delays.length + 1);
    expect(dead.properties.headers?.[AmqpHeaders.attempt]).toBe(delays.length + 1);
    expect(dead.properties.headers?.[AmqpHeaders.failureCode]).toBe('attempts-exhausted');
    expect(String(dead.properties.headers?.[AmqpHeaders.failureReason])).toContain('Error: partner system unavailable');
    expect(dead.properties.headers?.[AmqpHeaders.failedQueue]).toBe(queue);
    expect(JSON.parse(dead.content.toString())).toEqual({ resourceType: 'Bundle' });
  });

  it('lets a transient failure succeed on a later attempt without dead-lettering', async () => {
    const eventId = await send('court.sentence.imposed');
    await eventually(
      async () => called(eventId),
      (n) => n === 3,
      10_000,
    );
    const marker = await send('court.hearing.listed', { note: 'after transient' });
    await eventually(
      () => database.count('SELECT count(*) AS n FROM test_effect WHERE event_id = $1', [marker]),
      (n) => n === 1,
    );
    expect(await broker.depth(deadLetterQueue(queue))).toBe(0);
  });

  it('dead-letters at once when the handler says so, with its code', async () => {
    const eventId = await send('consent.recorded');
    const [dead] = await deadLetters(1);
    expect(dead.properties.messageId).toBe(eventId);
    expect(called(eventId)).toBe(1);
    expect(dead.properties.headers?.[AmqpHeaders.failureCode]).toBe('consent-without-patient');
    expect(dead.properties.headers?.[AmqpHeaders.attempt]).toBe(1);
  });

  it('in a batch with a failing message, applies the others once and dead-letters only that one', async () => {
    const before = await send('court.hearing.listed', { note: 'before' });
    const failing = await send('consent.recorded');
    const after = await send('court.hearing.listed', { note: 'after' });
    const [dead] = await deadLetters(1);
    expect(dead.properties.messageId).toBe(failing);
    await eventually(
      () => database.count('SELECT count(*) AS n FROM test_effect WHERE event_id = ANY($1::uuid[])', [[before, after]]),
      (n) => n === 2,
    );
    expect(await database.count('SELECT count(*) AS n FROM test_effect WHERE event_id = $1', [before])).toBe(1);
    expect(await database.count('SELECT count(*) AS n FROM test_effect WHERE event_id = $1', [after])).toBe(1);
    expect(called(failing)).toBe(1);
  });

  it('dead-letters an unparseable message at once, without calling a handler', async () => {
    const eventId = randomUUID();
    await publisher.publish({
      exchange: TEST_EXCHANGE,
      routingKey: ingressRoutingKey(partner, 'court.hearing.listed'),
      eventId,
      type: 'court.hearing.listed',
      body: Buffer.from('{"resourceType": "Bun'),
    });
    const [dead] = await deadLetters(1);
    expect(dead.properties.messageId).toBe(eventId);
    expect(dead.properties.headers?.[AmqpHeaders.failureCode]).toBe('unparseable');
    expect(String(dead.properties.headers?.[AmqpHeaders.failureReason])).toContain('not valid JSON');
    expect(called(eventId)).toBe(0);
  });

  it('dead-letters an event type nobody handles instead of dropping it', async () => {
    const eventId = await send('pathway.deadline.missed');
    const [dead] = await deadLetters(1);
    expect(dead.properties.messageId).toBe(eventId);
    expect(dead.properties.headers?.[AmqpHeaders.failureCode]).toBe('no-handler');
  });

  it('queues 8,000 outgoing events in one transaction (more than one INSERT can carry)', async () => {
    const outbox = new Outbox();
    const count = 8_000; // 72,000 parameters in one statement would be refused
    await database.dataSource
      .transaction(async (manager) => {
        await outbox.add(
          manager,
          ...Array.from({ length: count }, () => ({
            exchange: DELIVERY_EXCHANGE,
            routingKey: 'nobody.bulk',
            eventId: randomUUID(),
            type: 'bulk',
            body: encodeBody({}),
          })),
        );
        expect(
          Number((await manager.query(`SELECT count(*) AS n FROM messaging_outbox WHERE message_type = 'bulk'`))[0].n),
        ).toBe(count);
        // Rolled back: the relay must never see them (nobody is bound to receive them).
        throw new RollbackMarker();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RollbackMarker)) throw error;
      });
    expect(await database.count(`SELECT count(*) AS n FROM messaging_outbox WHERE message_type = 'bulk'`)).toBe(0);
  });

  it('commits the effect and the outgoing event together; the relay publishes it with the correlation id', async () => {
    const eventId = await send('treatment.referral.requested');
    await eventually(
      () => broker.depth(followUpQueue),
      (n) => n === 1,
      10_000,
    );
    const [followUp] = await broker.drain(followUpQueue);
    expect(followUp.properties.type).toBe('treatment.referral.accepted');
    expect(followUp.properties.correlationId).toBe(eventId);
    expect(await database.count('SELECT count(*) AS n FROM test_effect WHERE event_id = $1', [eventId])).toBe(1);
    expect(await database.count('SELECT count(*) AS n FROM messaging_outbox')).toBe(0);
  });
});
