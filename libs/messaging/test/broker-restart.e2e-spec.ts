import { Controller, INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { INGRESS_EXCHANGE, ingressRoutingKey } from '@cstr/contracts';
import {
  AmqpConnection,
  AmqpContext,
  AmqpTransport,
  BrokerUnavailableError,
  ConfirmedPublisher,
  Outbox,
  OutboxRelay,
  RethrowRpcExceptionsFilter,
  encodeBody,
  type OutgoingMessage,
} from '@cstr/messaging';
import {
  BrokerFixture,
  DatabaseFixture,
  LocalRabbitMq,
  eventually,
  testEnvironment,
  testStackSlot,
  uniqueName,
} from '@cstr/testing';

@Controller()
class RecordingHandler {
  @EventPattern('court.hearing.listed')
  async record(@Ctx() context: AmqpContext): Promise<void> {
    await context.getManager()?.query('INSERT INTO test_effect (event_id) VALUES ($1)', [context.getMessage().eventId]);
  }
}

/**
 * The real rabbitmq-server is stopped and started in the middle of a stream. This test starts a
 * broker of its own (own data folder and ports) and stops only that one.
 */
describe('the broker restarts mid-stream (a broker this test started)', () => {
  const env = testEnvironment();
  // Apart from any other run's (TEST_STACK_SLOT shifts ports by 100 a slot).
  const shift = testStackSlot() * 100;
  const dataDir = path.resolve(__dirname, `../../../.stack/test-broker-restart${shift ? `-${shift / 100}` : ''}`);
  const rabbit = new LocalRabbitMq({
    dataDir,
    amqpsPort: 5711 + shift,
    amqpPort: 5712 + shift,
    managementPort: 15712 + shift,
    distPort: 25712 + shift,
    epmdPort: 4412 + shift,
  });
  const partner = 'restart-partner';
  const queue = 'test.restart.inbox';
  let url: string;
  let database: DatabaseFixture;
  let producerDb: DatabaseFixture;
  let consumerConnection: AmqpConnection;
  let relayConnection: AmqpConnection;
  let relayPublisher: ConfirmedPublisher;
  let relay: OutboxRelay;
  let app: INestMicroservice;
  const outbox = new Outbox();

  beforeAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await rabbit.start();
    const admin = rabbit.adminCredentials();
    url = rabbit.amqpUrl(admin.username, admin.password, '/');
    const broker = await BrokerFixture.open(url);
    await broker.declareQueue(queue, [{ exchange: INGRESS_EXCHANGE, pattern: `${partner}.#` }], [200, 500]);
    await broker.close();

    database = await DatabaseFixture.open(env.databaseUrl, uniqueName('restart_consumer'));
    await database.dataSource.query('CREATE TABLE test_effect (event_id uuid NOT NULL)');
    producerDb = await DatabaseFixture.open(env.databaseUrl, uniqueName('restart_producer'));

    const fastReconnect = { reconnectBaseMs: 100, reconnectMaxMs: 1_000 };
    consumerConnection = new AmqpConnection({ url, connectionName: 'restart-consumer', ...fastReconnect });
    relayConnection = new AmqpConnection({ url, connectionName: 'restart-relay', ...fastReconnect });
    await Promise.all([consumerConnection.start(), relayConnection.start()]);
    relayPublisher = new ConfirmedPublisher(relayConnection, { connectTimeoutMs: 1_000 });
    relay = new OutboxRelay(producerDb.dataSource, relayPublisher, { idlePollMs: 50 });
    relay.start();
    const moduleRef = await Test.createTestingModule({ controllers: [RecordingHandler] }).compile();
    app = moduleRef.createNestMicroservice({
      strategy: new AmqpTransport({
        connection: consumerConnection,
        queue,
        consumerName: 'restart-consumer',
        retryDelaysMs: [200, 500],
        persistence: { dataSource: database.dataSource, outbox: new Outbox() },
      }),
    });
    app.useGlobalFilters(new RethrowRpcExceptionsFilter());
    await app.listen();
  });

  afterAll(async () => {
    await app?.close();
    await relay?.stop();
    await relayPublisher?.close();
    await consumerConnection?.close();
    await relayConnection?.close();
    await database?.close();
    await producerDb?.close();
    await rabbit.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function event(): OutgoingMessage {
    return {
      exchange: INGRESS_EXCHANGE,
      routingKey: ingressRoutingKey(partner, 'court.hearing.listed'),
      eventId: randomUUID(),
      type: 'court.hearing.listed',
      body: encodeBody({ resourceType: 'Bundle', type: 'message' }),
    };
  }

  async function commitEvents(count: number): Promise<void> {
    await producerDb.dataSource.transaction(async (manager) =>
      outbox.add(manager, ...Array.from({ length: count }, event)),
    );
  }

  it('loses nothing, repeats no effect, and both sides reconnect by themselves', async () => {
    // A stream that goes on regardless of the broker: 50 events committed every 50 ms.
    let streaming = true;
    let committed = 0;
    const stream = (async () => {
      while (streaming) {
        await commitEvents(50);
        committed += 50;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    await eventually(
      () => database.count('SELECT count(*) AS n FROM test_effect'),
      (n) => n >= 500,
      60_000,
      20,
    );
    await rabbit.stop();
    await eventually(
      async () => consumerConnection.isConnected() || relayConnection.isConnected(),
      (connected) => !connected,
      10_000,
    );

    // While the broker is down, a direct publish is refused, not reported as sent...
    const direct = new ConfirmedPublisher(relayConnection, { connectTimeoutMs: 500 });
    await expect(direct.publish(event())).rejects.toBeInstanceOf(BrokerUnavailableError);
    // ...and events committed through the outbox wait for it.
    const committedAtStop = committed;
    await eventually(
      async () => committed,
      (n) => n >= committedAtStop + 200,
      10_000,
    );
    expect(await producerDb.count('SELECT count(*) AS n FROM messaging_outbox')).toBeGreaterThanOrEqual(200);

    await rabbit.start();
    await eventually(
      () => database.count('SELECT count(*) AS n FROM test_effect'),
      (n) => n > committedAtStop,
      60_000,
    );
    streaming = false;
    await stream;
    expect(committed).toBeGreaterThan(committedAtStop);
    await eventually(
      () => database.count('SELECT count(DISTINCT event_id) AS n FROM test_effect'),
      (n) => n === committed,
      120_000,
      250,
    );

    expect(await database.count('SELECT count(*) AS n FROM test_effect')).toBe(committed);
    expect(await producerDb.count('SELECT count(*) AS n FROM messaging_outbox')).toBe(0);
    expect(consumerConnection.isConnected()).toBe(true);
    expect(relayConnection.isConnected()).toBe(true);
    await direct.close();
  });
});
