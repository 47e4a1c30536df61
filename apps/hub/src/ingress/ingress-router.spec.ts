import type * as amqp from 'amqplib';
import { AmqpHeaders, HUB_INGRESS_QUEUE, INGRESS_PARTITION_EXCHANGE, ingressPartitionQueue } from '@cstr/contracts';
import { unauthenticatedSender } from './envelope.check';
import { ingressProvenance } from './ingress-provenance';
import { ingressPartitionKey, routedCopy } from './ingress-router';

const SECRET = 'a-partition-key-secret-for-tests';
const EVENT_ID = '6f1c1b0e-2d1f-4c55-9a55-0c8e0c6f7a10';
const NHS = { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000123' };
const PNC = { system: 'https://cstr-hub.org.uk/fhir/Id/pnc-id', value: '2019/0046512V' };

interface DeliveryShape {
  readonly routingKey: string;
  readonly identifiers?: { system: string; value: string }[];
  readonly headers?: Record<string, string | number>;
  readonly userId?: string;
  readonly body?: string;
}

function delivery(shape: DeliveryShape): amqp.ConsumeMessage {
  const bundle = {
    resourceType: 'Bundle',
    id: EVENT_ID,
    type: 'message',
    entry: [
      { resource: { resourceType: 'MessageHeader' } },
      { resource: { resourceType: 'Patient', identifier: shape.identifiers ?? [] } },
    ],
  };
  return {
    content: Buffer.from(shape.body ?? JSON.stringify(bundle)),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'x', routingKey: shape.routingKey, consumerTag: 't' },
    properties: {
      messageId: EVENT_ID,
      type: 'consent.withdrawn',
      correlationId: 'c-1',
      contentType: 'application/fhir+json',
      timestamp: 1_780_000_000,
      userId: shape.userId,
      headers: { traceparent: '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01', ...shape.headers },
    } as unknown as amqp.MessageProperties,
  };
}

/** The copy as a partition consumer receives it: published by the hub under the router's routing key. */
function onPartition(copy: ReturnType<typeof routedCopy>, userId = 'hub'): amqp.ConsumeMessage {
  return delivery({ routingKey: copy.routingKey, headers: { ...copy.headers }, userId });
}

describe('the ingress router', () => {
  describe('partition key', () => {
    it('is a keyed hash of the subject’s most stable identifier: the same person, the same key, whoever sends', () => {
      const fromProvider = delivery({ routingKey: 'slam-mhtr.consent.withdrawn', identifiers: [PNC, NHS] });
      const fromGp = delivery({ routingKey: 'pds-gp-registration.gp.registration.checked', identifiers: [NHS] });
      const key = ingressPartitionKey(fromProvider, 'slam-mhtr', SECRET);
      expect(key).toMatch(/^[0-9a-f]{32}$/);
      expect(ingressPartitionKey(fromGp, 'pds-gp-registration', SECRET)).toBe(key);
      expect(key).not.toContain(NHS.value);
    });

    it('differs between persons and between secrets', () => {
      const one = delivery({ routingKey: 'slam-mhtr.risk.changed', identifiers: [NHS] });
      const other = delivery({ routingKey: 'slam-mhtr.risk.changed', identifiers: [PNC] });
      expect(ingressPartitionKey(one, 'slam-mhtr', SECRET)).not.toBe(ingressPartitionKey(other, 'slam-mhtr', SECRET));
      expect(ingressPartitionKey(one, 'slam-mhtr', SECRET)).not.toBe(
        ingressPartitionKey(one, 'slam-mhtr', 'another-secret-of-16-or-more'),
      );
    });

    it('falls back to the sender for a body without a subject, so the event still reaches a partition', () => {
      const junk = delivery({ routingKey: 'slam-mhtr.risk.changed', body: '{"resourceType":"Bundle"}' });
      const alsoJunk = delivery({ routingKey: 'slam-mhtr.risk.changed', body: 'not json' });
      const key = ingressPartitionKey(junk, 'slam-mhtr', SECRET);
      expect(ingressPartitionKey(alsoJunk, 'slam-mhtr', SECRET)).toBe(key);
      expect(ingressPartitionKey(junk, 'st-andrews-mhtr', SECRET)).not.toBe(key);
    });
  });

  describe('routed copy', () => {
    it('keeps the event and its routing key, goes to the partition exchange, and names the broker-verified publisher', () => {
      const original = delivery({
        routingKey: 'slam-mhtr.consent.withdrawn',
        identifiers: [NHS],
        userId: 'slam-mhtr',
      });
      const copy = routedCopy(original, SECRET);
      expect(copy).toMatchObject({
        exchange: INGRESS_PARTITION_EXCHANGE,
        routingKey: 'slam-mhtr.consent.withdrawn',
        eventId: EVENT_ID,
        type: 'consent.withdrawn',
        correlationId: 'c-1',
        traceparent: '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01',
      });
      expect(copy.body.equals(original.content)).toBe(true);
      expect(copy.headers).toMatchObject({
        [AmqpHeaders.partitionKey]: ingressPartitionKey(original, 'slam-mhtr', SECRET),
        [AmqpHeaders.ingressPublisher]: 'slam-mhtr',
        [AmqpHeaders.originalRoutingKey]: 'slam-mhtr.consent.withdrawn',
      });
      expect(copy.headers?.[AmqpHeaders.ingressRedelivered]).toBeUndefined();
    });

    it('drops a publisher, redelivery flag or partition key a partner forged on hub.ingress', () => {
      const forged = delivery({
        routingKey: 'slam-mhtr.consent.withdrawn',
        identifiers: [NHS],
        headers: {
          [AmqpHeaders.ingressPublisher]: 'st-andrews-mhtr',
          [AmqpHeaders.ingressRedelivered]: 'true',
          [AmqpHeaders.partitionKey]: 'somebody-else',
          [AmqpHeaders.originalRoutingKey]: 'st-andrews-mhtr.consent.withdrawn',
        },
      });
      const copy = routedCopy(forged, SECRET);
      expect(copy.headers?.[AmqpHeaders.ingressPublisher]).toBeUndefined();
      expect(copy.headers?.[AmqpHeaders.ingressRedelivered]).toBeUndefined();
      expect(copy.headers?.[AmqpHeaders.partitionKey]).toBe(ingressPartitionKey(forged, 'slam-mhtr', SECRET));
      expect(copy.routingKey).toBe('slam-mhtr.consent.withdrawn');
      expect(copy.headers?.[AmqpHeaders.originalRoutingKey]).toBe('slam-mhtr.consent.withdrawn');
    });

    it('carries a retry or replay that came back to hub.ingress with its original routing key, flagged redelivered', () => {
      const replay = delivery({
        routingKey: `${HUB_INGRESS_QUEUE}.redeliver`,
        identifiers: [NHS],
        userId: 'hub',
        headers: { [AmqpHeaders.originalRoutingKey]: 'slam-mhtr.consent.withdrawn' },
      });
      const copy = routedCopy(replay, SECRET);
      expect(copy.routingKey).toBe('slam-mhtr.consent.withdrawn');
      expect(copy.headers).toMatchObject({
        [AmqpHeaders.ingressPublisher]: 'hub',
        [AmqpHeaders.ingressRedelivered]: 'true',
      });
    });
  });

  describe('header trust on the partitions', () => {
    const partition = ingressPartitionQueue(2);

    it('believes the carried publisher and redelivery only on a partition delivery the hub published', () => {
      const copy = routedCopy(
        delivery({ routingKey: 'slam-mhtr.consent.withdrawn', identifiers: [NHS], userId: 'slam-mhtr' }),
        SECRET,
      );
      expect(ingressProvenance(onPartition(copy), partition)).toEqual({ publisher: 'slam-mhtr', redelivered: false });
    });

    it('treats a partition delivery from anyone else as an unauthenticated redelivery, which the pipeline refuses', () => {
      const copy = routedCopy(
        delivery({ routingKey: 'slam-mhtr.consent.withdrawn', identifiers: [NHS], userId: 'slam-mhtr' }),
        SECRET,
      );
      const provenance = ingressProvenance(onPartition(copy, 'st-andrews-mhtr'), partition);
      expect(provenance).toEqual({ publisher: 'st-andrews-mhtr', redelivered: true });
      const refusal = unauthenticatedSender({
        eventId: EVENT_ID,
        type: 'consent.withdrawn',
        routingKey: 'slam-mhtr.consent.withdrawn',
        body: {},
        ...provenance,
      });
      expect(refusal).toMatchObject({ code: 'unauthenticated-sender' });
    });

    it('never reads the carried headers on hub.ingress itself', () => {
      const forged = delivery({
        routingKey: 'slam-mhtr.consent.withdrawn',
        userId: 'slam-mhtr',
        headers: { [AmqpHeaders.ingressPublisher]: 'hub', [AmqpHeaders.ingressRedelivered]: 'true' },
      });
      expect(ingressProvenance(forged, HUB_INGRESS_QUEUE)).toEqual({ publisher: 'slam-mhtr', redelivered: false });
    });

    it('lets the pipeline refuse what a partner published under another partner’s key, after the hop', () => {
      const copy = routedCopy(
        delivery({ routingKey: 'slam-mhtr.consent.withdrawn', identifiers: [NHS], userId: 'st-andrews-mhtr' }),
        SECRET,
      );
      const provenance = ingressProvenance(onPartition(copy), partition);
      expect(
        unauthenticatedSender({
          eventId: EVENT_ID,
          type: 'consent.withdrawn',
          routingKey: copy.routingKey,
          body: {},
          ...provenance,
        }),
      ).toMatchObject({ code: 'unauthenticated-sender' });
    });
  });
});
