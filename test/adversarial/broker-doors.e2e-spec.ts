import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import * as amqp from 'amqplib';
import { DataSource } from 'typeorm';
import {
  AmqpHeaders,
  DELIVERY_EXCHANGE,
  HUB_INGRESS_QUEUE,
  INGRESS_EXCHANGE,
  INGRESS_PARTITION_EXCHANGE,
  OperationOutcomeError,
  RETRY_EXCHANGE,
  deadLetterQueue,
  deliveryRoutingKey,
  ingressPartitionQueue,
  ingressRoutingKey,
  partnerInboxQueue,
  partnerRetryExchange,
  redeliverRoutingKey,
  retryQueue,
} from '@cstr/contracts';
import {
  AmqpConnection,
  DEFAULT_RETRY_DELAYS_MS,
  HUB_BROKER_USER,
  InboundMessage,
  Outcome,
  QueueConsumer,
  brokerVerifiedPublisher,
  connectAmqp,
  declareQueueTopology,
  encodeBody,
  laneIndex,
  parseDelivery,
  type BatchProcessor,
} from '@cstr/messaging';
import { createApp } from '@cstr/platform';
import { BrokerFixture, HubDeliveries, TEST_EXCHANGE, eventually, testEnvironment, uniqueName } from '@cstr/testing';
import { gpRegistrationAdapterApp } from '../../apps/gp-registration-adapter/src/gp-registration-adapter.app';
import { DeadLetterReplayService } from '../../apps/hub/src/dead-letters/dead-letter-replay.service';
import { hubApp } from '../../apps/hub/src/hub.app';
import { subjectLaneKey } from '../../apps/hub/src/ingress/subject-lane-key';

/**
 * The broker's doors, tried as a partner would (issue 11, item 5): each partner connects with its
 * own broker user and tries to reach queues that are not its own, to pass for another sender, to
 * steer the hub's ordering, to make the hub's dead-letter replay send its message elsewhere, and to
 * push an oversized message. Each test asserts what the broker refuses, or what the consumer does
 * with what got through.
 */
describe('broker doors (real broker, partner broker users)', () => {
  const env = testEnvironment();
  const ATTACKER = 'slam-mhtr';
  const VICTIM = 'nps-london-croydon';
  const attackerInbox = partnerInboxQueue(ATTACKER);
  const victimInbox = partnerInboxQueue(VICTIM);
  let broker: BrokerFixture;
  let attacker: amqp.ChannelModel;

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    attacker = await connectAmqp(env.partnerUrls[ATTACKER]);
    attacker.on('error', () => undefined);
  });

  afterAll(async () => {
    await attacker.close().catch(() => undefined);
    await broker.close();
  });

  /** Publishes with confirms on a channel of its own: 'ok', or the AMQP code that closed the channel. */
  async function publishAs(
    connection: amqp.ChannelModel,
    exchange: string,
    routingKey: string,
    options: amqp.Options.Publish,
    body: Buffer = encodeBody({ resourceType: 'Bundle', type: 'message' }),
  ): Promise<number | 'ok'> {
    const channel = await connection.createConfirmChannel();
    let closedWith: number | undefined;
    channel.on('error', (error: { code?: number }) => (closedWith = error.code));
    try {
      await new Promise<void>((resolve, reject) =>
        channel.publish(exchange, routingKey, body, { persistent: true, ...options }, (error) =>
          error ? reject(error as Error) : resolve(),
        ),
      );
      await channel.close();
    } catch (error) {
      closedWith ??= (error as { code?: number }).code ?? -1;
    }
    return closedWith ?? 'ok';
  }

  /**
   * Takes every message now in `queue` and returns those with `messageId`. `hub.ingress` (a single
   * active consumer queue) refuses `basic.get`: it is consumed for a moment instead.
   */
  async function taken(queue: string, messageId: string): Promise<amqp.Message[]> {
    if (queue !== HUB_INGRESS_QUEUE)
      return (await broker.drain(queue)).filter((message) => message.properties.messageId === messageId);
    const channel = await broker.connection.createChannel();
    const seen: amqp.Message[] = [];
    const { consumerTag } = await channel.consume(queue, (message) => message && seen.push(message), { noAck: true });
    await pause(500);
    await channel.cancel(consumerTag);
    await channel.close();
    return seen.filter((message) => message.properties.messageId === messageId);
  }

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const ACCESS_REFUSED = 403;
  const PRECONDITION_FAILED = 406;

  describe('CC and BCC', () => {
    it('a partner cannot publish to cstr.retry at all, so no CC through it reaches hub.ingress.redeliver', async () => {
      const id = randomUUID();
      const attempts: [string, amqp.Options.Publish][] = [
        [redeliverRoutingKey(attackerInbox), { CC: [redeliverRoutingKey(HUB_INGRESS_QUEUE)] }],
        [deadLetterQueue(attackerInbox), { BCC: [redeliverRoutingKey(HUB_INGRESS_QUEUE)] }],
        [redeliverRoutingKey(HUB_INGRESS_QUEUE), {}],
        [retryQueue(HUB_INGRESS_QUEUE, DEFAULT_RETRY_DELAYS_MS[0]), {}],
      ];
      for (const [routingKey, cc] of attempts) {
        expect(
          await publishAs(attacker, RETRY_EXCHANGE, routingKey, {
            messageId: id,
            type: 'risk.changed',
            headers: { [AmqpHeaders.originalRoutingKey]: ingressRoutingKey(VICTIM, 'risk.changed') },
            ...cc,
          }),
        ).toBe(ACCESS_REFUSED);
      }
      await pause(300);
      expect(await taken(HUB_INGRESS_QUEUE, id)).toEqual([]);
    });

    it("CC and BCC on the partner's own retry exchange reach only its own inbox, never hub.ingress or another partner's queues", async () => {
      const id = randomUUID();
      const outcome = await publishAs(attacker, partnerRetryExchange(ATTACKER), redeliverRoutingKey(attackerInbox), {
        messageId: id,
        type: 'risk.changed',
        userId: ATTACKER,
        CC: [
          redeliverRoutingKey(HUB_INGRESS_QUEUE),
          redeliverRoutingKey(victimInbox),
          retryQueue(victimInbox, DEFAULT_RETRY_DELAYS_MS[0]),
        ],
        BCC: [victimInbox, deadLetterQueue(victimInbox), retryQueue(HUB_INGRESS_QUEUE, DEFAULT_RETRY_DELAYS_MS[0])],
      });
      expect(outcome).toBe('ok');
      // Longer than the first delay queue's TTL, had anything landed in one.
      await pause(DEFAULT_RETRY_DELAYS_MS[0] + 500);
      expect(await taken(victimInbox, id)).toEqual([]);
      expect(await taken(deadLetterQueue(victimInbox), id)).toEqual([]);
      expect(await taken(HUB_INGRESS_QUEUE, id)).toEqual([]);
      expect(await taken(attackerInbox, id)).toHaveLength(1);
    });

    it("CC and BCC on cstr.ingress reach only hub.ingress, once, under the partner's own routing key and user", async () => {
      const id = randomUUID();
      const outcome = await publishAs(attacker, INGRESS_EXCHANGE, ingressRoutingKey(ATTACKER, 'risk.changed'), {
        messageId: id,
        type: 'risk.changed',
        userId: ATTACKER,
        CC: [victimInbox, deliveryRoutingKey(VICTIM, 'risk.changed'), redeliverRoutingKey(HUB_INGRESS_QUEUE)],
        BCC: [ingressRoutingKey(VICTIM, 'risk.changed'), redeliverRoutingKey(victimInbox)],
        // A forged claim to be another sender's event.
        headers: { [AmqpHeaders.originalRoutingKey]: ingressRoutingKey(VICTIM, 'risk.changed') },
      });
      expect(outcome).toBe('ok');
      await pause(300);
      expect(await taken(victimInbox, id)).toEqual([]);
      const [arrived, ...more] = await taken(HUB_INGRESS_QUEUE, id);
      expect(more).toEqual([]);
      expect(arrived.fields.routingKey).toBe(ingressRoutingKey(ATTACKER, 'risk.changed'));
      // What the hub reads: the real routing key (the forged header is not believed) and the broker's word on the sender.
      const parsed = parseDelivery(arrived as amqp.ConsumeMessage, HUB_INGRESS_QUEUE);
      expect((parsed as InboundMessage).routingKey).toBe(ingressRoutingKey(ATTACKER, 'risk.changed'));
      expect(brokerVerifiedPublisher(arrived)).toBe(ATTACKER);
    });

    it('a partner cannot publish as another broker user, nor through cstr.delivery or the default exchange', async () => {
      for (const userId of [HUB_BROKER_USER, VICTIM]) {
        expect(
          await publishAs(attacker, INGRESS_EXCHANGE, ingressRoutingKey(ATTACKER, 'risk.changed'), {
            messageId: randomUUID(),
            type: 'risk.changed',
            userId,
          }),
        ).toBe(PRECONDITION_FAILED);
      }
      expect(
        await publishAs(attacker, DELIVERY_EXCHANGE, deliveryRoutingKey(VICTIM, 'risk.changed'), {
          messageId: randomUUID(),
        }),
      ).toBe(ACCESS_REFUSED);
      expect(await publishAs(attacker, '', victimInbox, { messageId: randomUUID() })).toBe(ACCESS_REFUSED);
      expect(
        await publishAs(attacker, partnerRetryExchange(VICTIM), redeliverRoutingKey(victimInbox), {
          messageId: randomUUID(),
        }),
      ).toBe(ACCESS_REFUSED);
    });
  });

  describe('an adapter acts only on what the hub published', () => {
    const PARTNER = 'pds-gp-registration';
    const inbox = partnerInboxQueue(PARTNER);
    let app: INestApplication;

    beforeAll(async () => {
      app = await createApp(gpRegistrationAdapterApp, {
        RABBITMQ_URL: env.partnerUrls[PARTNER],
        DATABASE_URL: env.databaseUrl,
        DATABASE_SCHEMA: uniqueName('doors_gp_adapter'),
        PARTNER_ID: PARTNER,
        HTTP_PORT: '0',
        LOG_LEVEL: 'error',
      });
    });

    afterAll(async () => {
      await app.close();
    });

    /** The dead letter of `id` in the inbox DLQ, once the adapter has parked it. */
    async function deadLetterOf(id: string): Promise<amqp.Message> {
      const found: amqp.Message[] = [];
      await eventually(
        async () => found.push(...(await taken(deadLetterQueue(inbox), id))),
        () => found.length > 0,
        10_000,
      );
      return found[0];
    }

    // No handler exists for this type in the GP adapter: a delivery that reaches the dispatcher is
    // dead-lettered `no-handler`, one that is refused at the door `unauthenticated-publisher`.
    const TYPE = 'court.hearing.listed';

    it('a delivery the hub published reaches the dispatcher', async () => {
      const id = randomUUID();
      const hub = await HubDeliveries.open(env.hubUrl, 'doors-hub');
      try {
        await hub.deliverBody(PARTNER, TYPE, id, { resourceType: 'Bundle', type: 'message' });
      } finally {
        await hub.close();
      }
      expect((await deadLetterOf(id)).properties.headers?.[AmqpHeaders.failureCode]).toBe('no-handler');
    });

    it('one without user-id, or from another broker user, is dead-lettered unauthenticated-publisher, never dispatched', async () => {
      const admin = decodeURIComponent(new URL(env.rabbitAdminUrl).username);
      for (const userId of [undefined, admin]) {
        const id = randomUUID();
        broker.channel.publish(DELIVERY_EXCHANGE, deliveryRoutingKey(PARTNER, TYPE), encodeBody({}), {
          messageId: id,
          type: TYPE,
          persistent: true,
          contentType: 'application/fhir+json',
          ...(userId ? { userId } : {}),
        });
        const dead = await deadLetterOf(id);
        expect(dead.properties.headers?.[AmqpHeaders.failureCode]).toBe('unauthenticated-publisher');
      }
    });

    it('its own copy under its redeliver key is accepted, as its retries come back', async () => {
      const own = await connectAmqp(env.partnerUrls[PARTNER]);
      try {
        const id = randomUUID();
        expect(
          await publishAs(own, partnerRetryExchange(PARTNER), redeliverRoutingKey(inbox), {
            messageId: id,
            type: TYPE,
            userId: PARTNER,
            contentType: 'application/fhir+json',
          }),
        ).toBe('ok');
        expect((await deadLetterOf(id)).properties.headers?.[AmqpHeaders.failureCode]).toBe('no-handler');
        // Without the user-id the broker vouches for, even that key is refused.
        const anonymous = randomUUID();
        expect(
          await publishAs(own, partnerRetryExchange(PARTNER), redeliverRoutingKey(inbox), {
            messageId: anonymous,
            type: TYPE,
            contentType: 'application/fhir+json',
          }),
        ).toBe('ok');
        expect((await deadLetterOf(anonymous)).properties.headers?.[AmqpHeaders.failureCode]).toBe(
          'unauthenticated-publisher',
        );
      } finally {
        await own.close();
      }
    });
  });

  describe('queue consumers', () => {
    const queue = uniqueName('doors');
    let connection: AmqpConnection;

    beforeAll(async () => {
      await declareQueueTopology(broker.channel, {
        queue,
        bindings: [{ exchange: TEST_EXCHANGE, pattern: `${queue}.#` }],
        retryDelaysMs: [1_000],
      });
      connection = new AmqpConnection({ url: env.rabbitAdminUrl, connectionName: 'broker-doors' });
      await connection.start();
    });

    afterAll(async () => {
      await connection.close();
      await broker.deleteQueues(queue, deadLetterQueue(queue), retryQueue(queue, 1_000));
    });

    /** A bundle about one person, as the hub's lane key reads it. */
    const aboutPerson = encodeBody({
      resourceType: 'Bundle',
      type: 'message',
      entry: [
        { resource: { resourceType: 'MessageHeader' } },
        {
          resource: {
            resourceType: 'Patient',
            identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000123' }],
          },
        },
      ],
    });

    it('the hub ignores a forged partition key: events about one subject share a lane whatever key they carry', async () => {
      expect(hubApp.trustPartitionKey).toBe(false);
      const spans: { id: string; start: number; end: number }[] = [];
      const processor: BatchProcessor = async (batch) => {
        for (const message of batch) {
          const start = Date.now();
          await pause(400);
          spans.push({ id: message.eventId, start, end: Date.now() });
        }
        return batch.map(() => Outcome.done());
      };
      const consumer = new QueueConsumer(
        connection,
        {
          queue,
          retryDelaysMs: [1_000],
          lanes: 8,
          maxBatch: 1,
          trustPartitionKey: false,
          laneKey: subjectLaneKey,
        },
        processor,
      );
      consumer.start();
      try {
        const ids = [randomUUID(), randomUUID(), randomUUID()];
        // Keys forged to spread the subject's events over three different lanes, were they believed.
        const forged: string[] = [];
        const lanesTaken = new Set<number>();
        for (let n = 0; forged.length < ids.length; n++) {
          const key = `forged-${n}`;
          const raw = {
            fields: {},
            properties: { headers: { [AmqpHeaders.partitionKey]: key } },
          } as unknown as amqp.ConsumeMessage;
          const lane = laneIndex(raw, 8, undefined, true);
          if (!lanesTaken.has(lane)) {
            lanesTaken.add(lane);
            forged.push(key);
          }
        }
        for (const [index, id] of ids.entries()) {
          broker.channel.publish(TEST_EXCHANGE, `${queue}.${ATTACKER}.consent.withdrawn`, aboutPerson, {
            messageId: id,
            type: 'consent.withdrawn',
            contentType: 'application/fhir+json',
            headers: { [AmqpHeaders.partitionKey]: forged[index] },
          });
        }
        await eventually(
          async () => spans.length,
          (count) => count === 3,
          10_000,
        );
        // One lane: in arrival order, one after the other, never two at once.
        expect(spans.map((span) => span.id)).toEqual(ids);
        for (let index = 1; index < spans.length; index++)
          expect(spans[index].start).toBeGreaterThanOrEqual(spans[index - 1].end);
      } finally {
        await consumer.stop();
      }
    });

    it('a message above the size limit is dead-lettered too-large before anything reads it', async () => {
      let processed = 0;
      let laneKeyRead = 0;
      const consumer = new QueueConsumer(
        connection,
        {
          queue,
          retryDelaysMs: [1_000],
          lanes: 2,
          maxMessageBytes: 4_096,
          laneKey: () => {
            laneKeyRead += 1;
            return undefined;
          },
        },
        async (batch) => {
          processed += batch.length;
          return batch.map(() => Outcome.done());
        },
      );
      consumer.start();
      try {
        const id = randomUUID();
        broker.channel.publish(
          TEST_EXCHANGE,
          `${queue}.too-large`,
          encodeBody({ resourceType: 'Bundle', padding: 'x'.repeat(8_192) }),
          { messageId: id, type: 'risk.changed', contentType: 'application/fhir+json' },
        );
        const found: amqp.Message[] = [];
        await eventually(
          async () => found.push(...(await taken(deadLetterQueue(queue), id))),
          () => found.length > 0,
          10_000,
        );
        expect(found[0].properties.headers?.[AmqpHeaders.failureCode]).toBe('too-large');
        expect(processed).toBe(0);
        expect(laneKeyRead).toBe(0);
      } finally {
        await consumer.stop();
      }
    });

    it('the broker refuses a message above max_message_size (1 MiB) from a partner', async () => {
      expect(
        await publishAs(
          attacker,
          INGRESS_EXCHANGE,
          ingressRoutingKey(ATTACKER, 'risk.changed'),
          { messageId: randomUUID(), type: 'risk.changed', userId: ATTACKER },
          Buffer.alloc(1_048_576 + 1024, 0x20),
        ),
      ).toBe(PRECONDITION_FAILED);
    });
  });

  describe('dead letters the hub drains', () => {
    let hub: INestApplication;
    let hubDb: DataSource;

    beforeAll(async () => {
      hub = await createApp(hubApp, {
        RABBITMQ_URL: env.hubUrl,
        DATABASE_URL: env.databaseUrl,
        DATABASE_SCHEMA: uniqueName('doors_hub'),
        HTTP_PORT: '0',
        LOG_LEVEL: 'error',
      });
      hubDb = hub.get(DataSource);
    });

    afterAll(async () => {
      await hub.close();
    });

    async function storedRow(id: string): Promise<Record<string, unknown>> {
      const [row] = await eventually(
        async () =>
          (await hubDb.query(
            'SELECT id, queue, failed_queue, failure_code, failure_reason, headers FROM hub_dead_letter WHERE event_id = $1',
            [id],
          )) as Record<string, unknown>[],
        (rows) => rows.length === 1,
        10_000,
      );
      return row;
    }

    it("a partner's forged DLQ headers send a replay only to its own inbox, and the audit names that partner", async () => {
      const id = randomUUID();
      expect(
        await publishAs(attacker, partnerRetryExchange(ATTACKER), deadLetterQueue(attackerInbox), {
          messageId: id,
          type: 'risk.changed',
          userId: ATTACKER,
          contentType: 'application/fhir+json',
          headers: {
            [AmqpHeaders.failedQueue]: victimInbox,
            [AmqpHeaders.originalRoutingKey]: deliveryRoutingKey(VICTIM, 'risk.changed'),
            [AmqpHeaders.failureCode]: 'unknown-crn',
            [AmqpHeaders.failureReason]: 'Delius has no case with this CRN',
          },
        }),
      ).toBe('ok');
      const row = await storedRow(id);
      expect(row).toMatchObject({ queue: deadLetterQueue(attackerInbox), failed_queue: attackerInbox });
      expect(row.failure_reason).toContain(`Reported by ${ATTACKER}'s adapter`);
      const audit = (await hubDb.query(
        "SELECT sender, recipient, refusing_rule FROM audit_record WHERE event_id = $1 AND kind = 'dead-letter'",
        [id],
      )) as { sender: string | null; recipient: string | null }[];
      expect(audit).toEqual([expect.objectContaining({ sender: null, recipient: ATTACKER })]);

      await hub.get(DeadLetterReplayService).replay(String(row.id), 'doors-operator');
      const found: amqp.Message[] = [];
      await eventually(
        async () => found.push(...(await taken(attackerInbox, id))),
        () => found.length > 0,
        10_000,
      );
      expect(found[0].fields).toMatchObject({
        exchange: partnerRetryExchange(ATTACKER),
        routingKey: redeliverRoutingKey(attackerInbox),
      });
      expect(brokerVerifiedPublisher(found[0])).toBe(HUB_BROKER_USER);
      expect(found[0].properties.headers?.[AmqpHeaders.originalRoutingKey]).toBe(
        deliveryRoutingKey(ATTACKER, 'risk.changed'),
      );
      expect(await taken(victimInbox, id)).toEqual([]);
    });

    it('a hub.ingress dead letter the hub did not publish is recorded unauthenticated and cannot be replayed', async () => {
      const id = randomUUID();
      // The administrator stands in for any path around the doors: partners cannot write here at all.
      broker.channel.publish(RETRY_EXCHANGE, deadLetterQueue(HUB_INGRESS_QUEUE), encodeBody({}), {
        messageId: id,
        type: 'risk.changed',
        persistent: true,
        contentType: 'application/fhir+json',
        headers: {
          [AmqpHeaders.failedQueue]: HUB_INGRESS_QUEUE,
          [AmqpHeaders.originalRoutingKey]: ingressRoutingKey(VICTIM, 'risk.changed'),
          [AmqpHeaders.failureCode]: 'handler-error',
        },
      });
      const row = await storedRow(id);
      expect(row).toMatchObject({ failed_queue: null, failure_code: 'unauthenticated' });
      expect((row.headers as Record<string, unknown>)[AmqpHeaders.originalRoutingKey]).toBeUndefined();
      const audit = (await hubDb.query(
        "SELECT sender, refusing_rule FROM audit_record WHERE event_id = $1 AND kind = 'dead-letter'",
        [id],
      )) as { sender: string | null; refusing_rule: string }[];
      expect(audit).toEqual([{ sender: null, refusing_rule: 'unauthenticated' }]);
      await expect(hub.get(DeadLetterReplayService).replay(String(row.id), 'doors-operator')).rejects.toBeInstanceOf(
        OperationOutcomeError,
      );
    });
  });
  describe("the hub's ingress partitions", () => {
    let hub: INestApplication;
    let hubDb: DataSource;

    beforeAll(async () => {
      hub = await createApp(hubApp, {
        RABBITMQ_URL: env.hubUrl,
        DATABASE_URL: env.databaseUrl,
        DATABASE_SCHEMA: uniqueName('doors_partitions'),
        HTTP_PORT: '0',
        LOG_LEVEL: 'error',
      });
      hubDb = hub.get(DataSource);
    });

    afterAll(async () => {
      await hub.close();
    });

    it('a partner can neither publish to the partition exchange or queues nor read them', async () => {
      const options = { messageId: randomUUID(), type: 'risk.changed', userId: ATTACKER };
      expect(
        await publishAs(attacker, INGRESS_PARTITION_EXCHANGE, ingressRoutingKey(ATTACKER, 'risk.changed'), options),
      ).toBe(ACCESS_REFUSED);
      expect(await publishAs(attacker, '', ingressPartitionQueue(0), options)).toBe(ACCESS_REFUSED);
      expect(await publishAs(attacker, RETRY_EXCHANGE, redeliverRoutingKey(ingressPartitionQueue(0)), options)).toBe(
        ACCESS_REFUSED,
      );
      const channel = await attacker.createChannel();
      let refusedWith: number | undefined;
      channel.on('error', (error: { code?: number }) => (refusedWith = error.code));
      await channel.consume(ingressPartitionQueue(0), () => undefined).catch(() => undefined);
      await pause(200);
      expect(refusedWith).toBe(ACCESS_REFUSED);
    });

    it('a sender, redelivery or routing key forged in headers on hub.ingress is ignored: the event stays the partner’s own', async () => {
      const id = randomUUID();
      const outcome = await publishAs(attacker, INGRESS_EXCHANGE, ingressRoutingKey(ATTACKER, 'risk.changed'), {
        messageId: id,
        type: 'risk.changed',
        contentType: 'application/fhir+json',
        headers: {
          [AmqpHeaders.ingressPublisher]: HUB_BROKER_USER,
          [AmqpHeaders.ingressRedelivered]: 'true',
          [AmqpHeaders.originalRoutingKey]: ingressRoutingKey(VICTIM, 'risk.changed'),
          [AmqpHeaders.partitionKey]: 'another-persons-key',
        },
      });
      expect(outcome).toBe('ok');
      const records = await eventually(
        async () =>
          (await hubDb.query('SELECT kind, sender, chain_id FROM audit_record WHERE event_id = $1', [id])) as {
            kind: string;
            sender: string | null;
            chain_id: string;
          }[],
        (rows) => rows.length > 0,
        20_000,
      );
      // Refused (the body is no message Bundle), and filed under the partner the broker authenticated by its routing key.
      expect(records).toEqual([
        { kind: 'refusal-at-ingress', sender: ATTACKER, chain_id: expect.stringMatching(/^hub\.ingress\.p\d+$/) },
      ]);
    });

    it('a partition acts only on what the hub published: anything else is dead-lettered unread', async () => {
      const id = randomUUID();
      broker.channel.publish(INGRESS_PARTITION_EXCHANGE, ingressRoutingKey(VICTIM, 'risk.changed'), encodeBody({}), {
        messageId: id,
        type: 'risk.changed',
        persistent: true,
        contentType: 'application/fhir+json',
        userId: decodeURIComponent(new URL(env.rabbitAdminUrl).username),
        headers: { [AmqpHeaders.partitionKey]: 'k', [AmqpHeaders.ingressPublisher]: VICTIM },
      });
      const [row] = await eventually(
        async () =>
          (await hubDb.query('SELECT queue, failure_code FROM hub_dead_letter WHERE event_id = $1', [id])) as {
            queue: string;
            failure_code: string;
          }[],
        (rows) => rows.length === 1,
        20_000,
      );
      expect(row).toEqual({ queue: deadLetterQueue(HUB_INGRESS_QUEUE), failure_code: 'unauthenticated-publisher' });
      expect(
        await hubDb.query('SELECT 1 FROM audit_record WHERE event_id = $1 AND kind = $2', [id, 'decision']),
      ).toEqual([]);
    });
  });
});
