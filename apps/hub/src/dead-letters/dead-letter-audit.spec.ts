import type * as amqp from 'amqplib';
import { AmqpHeaders } from '@cstr/contracts';
import type { HubPolicy } from '../core/hub-policy';
import { deadLetterRecord } from './dead-letter-audit';

const EVENT_ID = '5f0c6f4e-2d1b-4b8e-9a51-0f3f2b7f5a10';
const policy = {
  partner: (id: string) => (['slam-mhtr', 'nps-london-croydon'].includes(id) ? { id } : undefined),
} as unknown as HubPolicy;
const partnerOf = (queue: string) => (queue === 'partner.nps-london-croydon.inbox.dlq' ? 'nps-london-croydon' : null);

function letter(content: string, type: string, headers: Record<string, string | number>): amqp.ConsumeMessage {
  return {
    content: Buffer.from(content),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'cstr.retry', routingKey: 'x.dlq', consumerTag: 't' },
    properties: { messageId: EVENT_ID, type, headers } as amqp.MessageProperties,
  };
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
  it('leaves a refusal the ingress pipeline already audited alone', () => {
    expect(
      deadLetterRecord(
        'hub.ingress.dlq',
        letter(bundle, 'risk.changed', { [AmqpHeaders.failureCode]: 'invalid-bundle' }),
        policy,
        partnerOf,
      ),
    ).toBeUndefined();
  });

  it('audits a message the transport dead-lettered before any handler ran, with its sender and reason', () => {
    const record = deadLetterRecord(
      'hub.ingress.dlq',
      letter('{not json', 'no.such.type', {
        [AmqpHeaders.failureCode]: 'no-handler',
        [AmqpHeaders.failureReason]: 'No handler for event type no.such.type',
        [AmqpHeaders.originalRoutingKey]: 'slam-mhtr.no.such.type',
      }),
      policy,
      partnerOf,
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

  it('audits a delivery a partner adapter could not apply, naming the partner and the person', () => {
    const record = deadLetterRecord(
      'partner.nps-london-croydon.inbox.dlq',
      letter(bundle, 'treatment.appointment.missed', { [AmqpHeaders.failureCode]: 'unknown-crn' }),
      policy,
      partnerOf,
    );
    expect(record).toEqual(
      expect.objectContaining({
        recipient: 'nps-london-croydon',
        eventType: 'treatment.appointment.missed',
        refusingRule: 'unknown-crn',
        personIdentifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000123' }],
      }),
    );
  });
});
