import type * as amqp from 'amqplib';
import { AmqpHeaders } from '@cstr/contracts';
import { subjectLaneKey } from './subject-lane-key';

function delivery(
  routingKey: string,
  identifiers: { system: string; value: string }[],
  headers: Record<string, string> = {},
): amqp.ConsumeMessage {
  const body = {
    resourceType: 'Bundle',
    type: 'message',
    entry: [
      { resource: { resourceType: 'MessageHeader' } },
      { resource: { resourceType: 'Patient', identifier: identifiers } },
    ],
  };
  return {
    content: Buffer.from(JSON.stringify(body)),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'cstr.ingress', routingKey, consumerTag: 't' },
    properties: { headers } as amqp.MessageProperties,
  };
}

const NHS = { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000123' };
const PNC = { system: 'https://cstr-hub.org.uk/fhir/Id/pnc-id', value: '2019/0046512V' };

describe('subjectLaneKey', () => {
  it('keys by the most stable identifier, whatever order the identifiers come in and whoever sends', () => {
    expect(subjectLaneKey(delivery('slam-mhtr.treatment.appointment.missed', [PNC, NHS]))).toBe(
      `${NHS.system}|${NHS.value}`,
    );
    expect(subjectLaneKey(delivery('pds-gp-registration.gp.registration.checked', [NHS, PNC]))).toBe(
      `${NHS.system}|${NHS.value}`,
    );
  });

  it('ignores a partition key a partner set', () => {
    const forged = delivery('slam-mhtr.risk.changed', [NHS], { [AmqpHeaders.partitionKey]: 'somebody-else' });
    expect(subjectLaneKey(forged)).toBe(`${NHS.system}|${NHS.value}`);
  });

  it('keeps a retry in the lane of its subject (it comes back under hub.ingress.redeliver)', () => {
    const retry = delivery('hub.ingress.redeliver', [NHS], {
      [AmqpHeaders.originalRoutingKey]: 'slam-mhtr.consent.withdrawn',
    });
    expect(subjectLaneKey(retry)).toBe(`${NHS.system}|${NHS.value}`);
  });

  it('has no key for a body it cannot read or a subject without a valid identifier', () => {
    const junk = { ...delivery('x.y', []), content: Buffer.from('{not json') };
    expect(subjectLaneKey(junk)).toBeUndefined();
    expect(subjectLaneKey(delivery('slam-mhtr.risk.changed', [{ system: NHS.system, value: '123' }]))).toBeUndefined();
  });
});
