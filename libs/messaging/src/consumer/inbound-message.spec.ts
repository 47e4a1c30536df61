import { AmqpHeaders } from '@cstr/contracts';
import { CONSUMED_EVENT_ID, consumedMessage } from '../../test/fixtures/consumed-message';
import { InboundMessage, UnparseableMessage, parseDelivery } from './inbound-message';

const EVENT_ID = CONSUMED_EVENT_ID;
const delivery = consumedMessage;

describe('parseDelivery', () => {
  it('parses a well-formed event with its attempt and trace', () => {
    const parsed = parseDelivery(
      delivery('{"resourceType":"Bundle"}', {
        headers: { [AmqpHeaders.attempt]: 3, [AmqpHeaders.traceparent]: '00-abc' },
        correlationId: 'c-1',
      }),
      'hub.ingress',
    ) as InboundMessage;
    expect(parsed).not.toBeInstanceOf(UnparseableMessage);
    expect(parsed.eventId).toBe(EVENT_ID);
    expect(parsed.type).toBe('court.hearing.listed');
    expect(parsed.attempt).toBe(3);
    expect(parsed.traceparent).toBe('00-abc');
    expect(parsed.correlationId).toBe('c-1');
    expect(parsed.body).toEqual({ resourceType: 'Bundle' });
  });

  it('reads the original routing key of a retry or replay that came back under <queue>.redeliver', () => {
    const message = delivery('{}', {
      headers: { [AmqpHeaders.originalRoutingKey]: 'croydon-mc.court.hearing.listed' },
    });
    const redelivered = {
      ...message,
      fields: { ...message.fields, exchange: 'cstr.retry', routingKey: 'hub.ingress.redeliver' },
    };
    expect((parseDelivery(redelivered, 'hub.ingress') as InboundMessage).routingKey).toBe(
      'croydon-mc.court.hearing.listed',
    );
  });

  it('ignores an original routing key on a first delivery, so a partner cannot claim another sender', () => {
    const spoofed = delivery('{}', {
      headers: { [AmqpHeaders.originalRoutingKey]: 'croydon-mc.court.hearing.listed' },
    });
    expect((parseDelivery(spoofed, 'hub.ingress') as InboundMessage).routingKey).toBe('p.court.hearing.listed');
  });

  it.each([
    ['a body that is not JSON', delivery('{not json'), 'not valid JSON'],
    ['a missing messageId', delivery('{}', { messageId: undefined }), 'messageId'],
    ['a messageId that is not a UUID', delivery('{}', { messageId: 'NHS 943 476 5919' }), 'messageId'],
    ['a missing type', delivery('{}', { type: undefined }), 'type'],
    ['a non-JSON content type', delivery('{}', { contentType: 'text/csv' }), 'content type'],
  ])('refuses %s as unparseable', (_, message, reason) => {
    const parsed = parseDelivery(message, 'hub.ingress');
    expect(parsed).toBeInstanceOf(UnparseableMessage);
    expect((parsed as UnparseableMessage).reason).toContain(reason);
  });

  it('counts a missing or malformed attempt header as the first attempt', () => {
    expect((parseDelivery(delivery('{}'), 'q') as InboundMessage).attempt).toBe(1);
    expect(
      (parseDelivery(delivery('{}', { headers: { [AmqpHeaders.attempt]: 'x' } }), 'q') as InboundMessage).attempt,
    ).toBe(1);
  });
});
