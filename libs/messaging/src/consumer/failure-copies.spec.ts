import type * as amqp from 'amqplib';
import { AmqpHeaders, RETRY_EXCHANGE, partnerRetryExchange } from '@cstr/contracts';
import { CONSUMED_EVENT_ID, consumedMessage } from '../../test/fixtures/consumed-message';
import { deadLetterCopy, retryCopy } from './failure-copies';

const EVENT_ID = CONSUMED_EVENT_ID;

/** A hearing listed by croydon-mc, with a trace and `headers`. */
function delivery(headers: Record<string, unknown> = {}): amqp.ConsumeMessage {
  return consumedMessage(
    '{"resourceType":"Bundle"}',
    { correlationId: 'c-1', headers: { [AmqpHeaders.traceparent]: '00-abc', ...headers } },
    'croydon-mc.court.hearing.listed',
  );
}

describe('deadLetterCopy', () => {
  it('parks the message in its queue’s DLQ with the failure, the attempt and the original routing key', () => {
    const copy = deadLetterCopy(
      delivery({ [AmqpHeaders.attempt]: 2, 'x-custom': 'kept', nested: { dropped: true } }),
      { queue: 'hub.ingress' },
      { code: 'invalid-envelope', reason: 'MessageHeader is not the first entry' },
    );

    expect(copy).toMatchObject({
      exchange: RETRY_EXCHANGE,
      routingKey: 'hub.ingress.dlq',
      eventId: EVENT_ID,
      type: 'court.hearing.listed',
      correlationId: 'c-1',
      traceparent: '00-abc',
      contentType: 'application/fhir+json',
    });
    expect(copy.body.toString('utf8')).toBe('{"resourceType":"Bundle"}');
    expect(copy.headers).toEqual({
      [AmqpHeaders.traceparent]: '00-abc',
      'x-custom': 'kept',
      [AmqpHeaders.attempt]: 2,
      [AmqpHeaders.originalRoutingKey]: 'croydon-mc.court.hearing.listed',
      [AmqpHeaders.failureCode]: 'invalid-envelope',
      [AmqpHeaders.failureReason]: 'MessageHeader is not the first entry',
      [AmqpHeaders.failedQueue]: 'hub.ingress',
      [AmqpHeaders.deadLetteredAt]: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  it('goes through a partner inbox’s own retry exchange, or the one given', () => {
    const failure = { code: 'no-handler', reason: 'No handler' };
    expect(deadLetterCopy(delivery(), { queue: 'partner.slam-mhtr.inbox' }, failure).exchange).toBe(
      partnerRetryExchange('slam-mhtr'),
    );
    expect(deadLetterCopy(delivery(), { queue: 'test.inbox', retryExchange: 'test.retry' }, failure).exchange).toBe(
      'test.retry',
    );
  });
});

describe('retryCopy', () => {
  it('sends the message to the delay queue of its next attempt, without a dead-letter time', () => {
    const copy = retryCopy(
      delivery({ [AmqpHeaders.attempt]: 1 }),
      { queue: 'hub.ingress' },
      { code: 'handler-retry', reason: 'database busy' },
      500,
    );

    expect(copy.exchange).toBe(RETRY_EXCHANGE);
    expect(copy.routingKey).toBe('hub.ingress.retry.500ms');
    expect(copy.headers).toMatchObject({
      [AmqpHeaders.attempt]: 2,
      [AmqpHeaders.failureCode]: 'handler-retry',
      [AmqpHeaders.failureReason]: 'database busy',
      [AmqpHeaders.failedQueue]: 'hub.ingress',
    });
    expect(copy.headers).not.toHaveProperty(AmqpHeaders.deadLetteredAt);
  });
});
