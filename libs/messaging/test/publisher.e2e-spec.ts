import { randomUUID } from 'node:crypto';
import { AmqpHeaders } from '@cstr/contracts';
import { BrokerFixture, testEnvironment, uniqueName, TEST_EXCHANGE } from '@cstr/testing';
import {
  AmqpConnection,
  ConfirmedPublisher,
  PublishNotConfirmedError,
  UnroutableMessageError,
  encodeBody,
  type OutgoingMessage,
} from '@cstr/messaging';

describe('ConfirmedPublisher (real broker)', () => {
  const env = testEnvironment();
  let broker: BrokerFixture;
  let connection: AmqpConnection;
  let publisher: ConfirmedPublisher;
  const queues: string[] = [];

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    connection = new AmqpConnection({ url: env.rabbitAdminUrl, connectionName: 'publisher-test' });
    await connection.start();
    publisher = new ConfirmedPublisher(connection);
  });

  afterAll(async () => {
    await publisher.close();
    await connection.close();
    await broker.deleteQueues(...queues);
    await broker.close();
  });

  function message(routingKey: string, overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
    return {
      exchange: TEST_EXCHANGE,
      routingKey,
      eventId: randomUUID(),
      type: 'court.hearing.listed',
      body: encodeBody({ resourceType: 'Bundle' }),
      ...overrides,
    };
  }

  async function boundQueue(args: Record<string, unknown> = {}): Promise<{ queue: string; key: string }> {
    const queue = uniqueName('test_publish');
    const key = `${queue}.court.hearing.listed`;
    queues.push(queue);
    await broker.channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum', ...args } });
    await broker.channel.bindQueue(queue, TEST_EXCHANGE, key);
    return { queue, key };
  }

  it('resolves only for messages the broker has taken: every confirmed message is in the queue', async () => {
    const { queue, key } = await boundQueue();
    await Promise.all(Array.from({ length: 200 }, () => publisher.publish(message(key))));
    expect(await broker.depth(queue)).toBe(200);
  });

  it('rejects when the broker refuses the message (nack), and nothing is in the queue', async () => {
    // A classic queue enforces a zero length at once (a quorum queue only after it is exceeded).
    const { queue, key } = await boundQueue({
      'x-queue-type': 'classic',
      'x-max-length': 0,
      'x-overflow': 'reject-publish',
    });
    await expect(publisher.publish(message(key))).rejects.toBeInstanceOf(PublishNotConfirmedError);
    expect(await broker.depth(queue)).toBe(0);
  });

  it('rejects a message no queue is bound for instead of letting the broker drop it', async () => {
    await expect(publisher.publish(message(`${uniqueName('nobody')}.court.hearing.listed`))).rejects.toBeInstanceOf(
      UnroutableMessageError,
    );
    // The publisher keeps working afterwards.
    const { queue, key } = await boundQueue();
    await publisher.publish(message(key));
    expect(await broker.depth(queue)).toBe(1);
  });

  it('sends persistent, identified, typed, traced messages with no other headers', async () => {
    const { queue, key } = await boundQueue();
    const sent = message(key, {
      correlationId: 'corr-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    await publisher.publish(sent);
    const [received] = await broker.drain(queue);
    expect(received.properties.messageId).toBe(sent.eventId);
    expect(received.properties.type).toBe('court.hearing.listed');
    expect(received.properties.deliveryMode).toBe(2);
    expect(received.properties.contentType).toBe('application/fhir+json');
    expect(received.properties.correlationId).toBe('corr-1');
    // Only the trace context, plus the counter the quorum queue itself adds.
    const { 'x-delivery-count': _deliveryCount, ...headers } = received.properties.headers ?? {};
    expect(headers).toEqual({ [AmqpHeaders.traceparent]: sent.traceparent });
  });

  it('starts a W3C trace when the caller has none', async () => {
    const { queue, key } = await boundQueue();
    await publisher.publish(message(key));
    const [received] = await broker.drain(queue);
    expect(String(received.properties.headers?.[AmqpHeaders.traceparent])).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});
