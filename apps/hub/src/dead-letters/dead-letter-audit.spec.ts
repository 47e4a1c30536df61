import type * as amqp from 'amqplib';
import { AmqpHeaders } from '@cstr/contracts';
import { deadLetterRecord } from './dead-letter-audit';
import { deadLetterProvenance } from './dead-letter-provenance';
import { DeadLetterQueues } from './dead-letter-queues';

const EVENT_ID = '5f0c6f4e-2d1b-4b8e-9a51-0f3f2b7f5a10';
const PARTNERS = ['slam-mhtr', 'nps-london-croydon'];
const queues = new DeadLetterQueues(PARTNERS);
const isPartner = (id: string) => PARTNERS.includes(id);

function letter(content: string, type: string, headers: Record<string, unknown>, userId?: string): amqp.ConsumeMessage {
  return {
    content: Buffer.from(content),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'cstr.retry', routingKey: 'x.dlq', consumerTag: 't' },
    properties: { messageId: EVENT_ID, type, headers, ...(userId ? { userId } : {}) } as amqp.MessageProperties,
  };
}

function recordOf(queue: string, raw: amqp.ConsumeMessage) {
  return deadLetterRecord(queue, raw, deadLetterProvenance(queue, raw, queues, isPartner));
}

const bundle = JSON.stringify({
  resourceType: 'Bundle',
  entry: [
    {
      resource: {
        resourceType: 'Patient',
        identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000123' }],
      },
    },
  ],
});

describe('deadLetterRecord', () => {
  it('leaves a refusal the ingress pipeline already audited alone, when the hub wrote it', () => {
    expect(
      recordOf(
        'hub.ingress.dlq',
        letter(bundle, 'risk.changed', { [AmqpHeaders.failureCode]: 'invalid-bundle' }, 'hub'),
      ),
    ).toBeUndefined();
  });

  it('audits a message the transport dead-lettered before any handler ran, with its sender and reason', () => {
    const record = recordOf(
      'hub.ingress.dlq',
      letter(
        '{not json',
        'no.such.type',
        {
          [AmqpHeaders.failureCode]: 'no-handler',
          [AmqpHeaders.failureReason]: 'No handler for event type no.such.type',
          [AmqpHeaders.originalRoutingKey]: 'slam-mhtr.no.such.type',
        },
        'hub',
      ),
    );
    expect(record).toEqual(
      expect.objectContaining({
        kind: 'dead-letter',
        outcome: 'dead-lettered',
        eventId: EVENT_ID,
        sender: 'slam-mhtr',
        refusingRule: 'no-handler',
        personIdentifiers: [],
      }),
    );
    expect(record?.eventType).toBeUndefined();
    expect(record?.reason).toContain('No handler for event type no.such.type');
  });

  it("audits a delivery a partner adapter could not apply as that partner's claim, naming the partner and the person", () => {
    const record = recordOf(
      'partner.nps-london-croydon.inbox.dlq',
      letter(
        bundle,
        'treatment.appointment.missed',
        { [AmqpHeaders.failureCode]: 'unknown-crn', [AmqpHeaders.failureReason]: 'no case with this CRN' },
        'nps-london-croydon',
      ),
    );
    expect(record).toEqual(
      expect.objectContaining({
        recipient: 'nps-london-croydon',
        eventType: 'treatment.appointment.missed',
        refusingRule: 'unknown-crn',
        personIdentifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000123' }],
      }),
    );
    expect(record?.reason).toContain("Reported by nps-london-croydon's adapter: no case with this CRN");
    expect(record?.sender).toBeUndefined();
  });

  it('names the partner of the DLQ, not the failed queue or original key its headers claim', () => {
    const raw = letter(
      bundle,
      'risk.changed',
      {
        [AmqpHeaders.failureCode]: 'unknown-crn',
        [AmqpHeaders.failedQueue]: 'partner.slam-mhtr.inbox',
        [AmqpHeaders.originalRoutingKey]: 'slam-mhtr.risk.changed',
      },
      'nps-london-croydon',
    );
    const provenance = deadLetterProvenance('partner.nps-london-croydon.inbox.dlq', raw, queues, isPartner);
    expect(provenance).toMatchObject({
      partner: 'nps-london-croydon',
      replayTo: 'partner.nps-london-croydon.inbox',
      writer: 'partner',
      originalRoutingKey: 'nps-london-croydon.risk.changed',
    });
    expect(recordOf('partner.nps-london-croydon.inbox.dlq', raw)?.recipient).toBe('nps-london-croydon');
  });

  it('records a hub.ingress dead letter the hub did not write as unauthenticated, not replayable, whatever it claims', () => {
    const raw = letter(bundle, 'risk.changed', {
      [AmqpHeaders.failureCode]: 'invalid-bundle',
      [AmqpHeaders.failedQueue]: 'hub.ingress',
      [AmqpHeaders.originalRoutingKey]: 'nps-london-croydon.risk.changed',
    });
    const provenance = deadLetterProvenance('hub.ingress.dlq', raw, queues, isPartner);
    expect(provenance).toMatchObject({ writer: 'unauthenticated', replayTo: null, failureCode: 'unauthenticated' });
    expect(provenance.sender).toBeUndefined();
    expect(provenance.originalRoutingKey).toBeUndefined();
    const record = recordOf('hub.ingress.dlq', raw);
    expect(record).toMatchObject({ refusingRule: 'unauthenticated', personIdentifiers: [] });
    expect(record?.sender).toBeUndefined();
    // A partner's own user-id does not make it the hub's either.
    expect(
      deadLetterProvenance(
        'hub.ingress.dlq',
        { ...raw, properties: { ...raw.properties, userId: 'slam-mhtr' } },
        queues,
        isPartner,
      ).replayTo,
    ).toBeNull();
  });

  it('takes the sender of an event the broker dead-lettered from its user-id, not from its headers', () => {
    const raw = letter(
      bundle,
      'risk.changed',
      {
        'x-death': [{ queue: 'hub.ingress', reason: 'delivery_limit', count: 1 }],
        [AmqpHeaders.originalRoutingKey]: 'nps-london-croydon.risk.changed',
        [AmqpHeaders.failureCode]: 'invalid-bundle',
      },
      'slam-mhtr',
    );
    const provenance = deadLetterProvenance('hub.ingress.dlq', raw, queues, isPartner);
    expect(provenance).toMatchObject({
      writer: 'broker',
      sender: 'slam-mhtr',
      replayTo: 'hub.ingress',
      failureCode: 'delivery-limit',
      originalRoutingKey: 'slam-mhtr.risk.changed',
    });
    // Not taken for a refusal the pipeline audited: the code is the broker's.
    expect(recordOf('hub.ingress.dlq', raw)).toMatchObject({ sender: 'slam-mhtr', refusingRule: 'delivery-limit' });
  });

  it('does not read a body that is too large', () => {
    const raw = letter(bundle, 'risk.changed', { [AmqpHeaders.failureCode]: 'too-large' }, 'nps-london-croydon');
    const provenance = deadLetterProvenance('partner.nps-london-croydon.inbox.dlq', raw, queues, isPartner);
    expect(deadLetterRecord('partner.nps-london-croydon.inbox.dlq', raw, provenance)?.personIdentifiers).toEqual([]);
    const unmarked = letter(bundle, 'risk.changed', { [AmqpHeaders.failureCode]: 'x' }, 'nps-london-croydon');
    expect(
      deadLetterRecord(
        'partner.nps-london-croydon.inbox.dlq',
        unmarked,
        deadLetterProvenance('partner.nps-london-croydon.inbox.dlq', unmarked, queues, isPartner),
        10,
      )?.personIdentifiers,
    ).toEqual([]);
  });
});
