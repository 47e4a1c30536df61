import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser, type AsyncAPIDocumentInterface, type Diagnostic } from '@asyncapi/parser';
import Ajv from 'ajv';
import type * as amqp from 'amqplib';
import { declareQueueTopology, publishOptions } from '@cstr/messaging';
import { projectRoot } from '@cstr/testing';
import { AmqpHeaders } from '../amqp-properties';
import {
  BROKER_VHOST,
  DELIVERY_EXCHANGE,
  HUB_INGRESS_QUEUE,
  INGRESS_EXCHANGE,
  ingressRoutingKey,
  partnerInboxQueue,
} from '../broker-names';
import { EVENT_CATALOGUE } from '../event-catalogue';
import { EVENT_TYPES, EVENT_TYPE_SYSTEM, FHIR_JSON_CONTENT_TYPE } from '../event-types';
import { HUB_PARTNER_ID, partnerEndpoint } from '../partner-endpoint';
import { buildAsyncApiDocument } from './asyncapi-document.builder';
import { ASYNCAPI_DOCUMENT_PATH, renderAsyncApiYaml } from './asyncapi-yaml';

/** Spectral severities: 0 error, 1 warning, 2 information, 3 hint. */
const ERROR = 0;
const WARNING = 1;

/** The value at `path` inside a parsed JSON value, or undefined. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], value);
}

function describeDiagnostics(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.severity} ${d.code} at ${d.path.join('/')}: ${d.message}`);
}

// Loading and running the parser takes seconds: parse once, and keep the test count small.
const parser = new Parser();
let parsed: { document?: AsyncAPIDocumentInterface; diagnostics: Diagnostic[] };
beforeAll(async () => {
  parsed = await parser.parse(buildAsyncApiDocument() as never);
});

function parsedDocument(): AsyncAPIDocumentInterface {
  if (!parsed.document)
    throw new Error(`The document did not parse:\n${describeDiagnostics(parsed.diagnostics).join('\n')}`);
  return parsed.document;
}

describe('buildAsyncApiDocument', () => {
  it('is a valid AsyncAPI 3.0.0 document: no errors and no warnings from @asyncapi/parser', () => {
    const document = parsedDocument();
    expect(document.version()).toBe('3.0.0');
    expect(
      describeDiagnostics(parsed.diagnostics.filter((d) => d.severity === ERROR || d.severity === WARNING)),
    ).toEqual([]);
  });

  it('would be caught by the parser when broken (the validation is not vacuous)', async () => {
    const broken = buildAsyncApiDocument() as unknown as { channels: Record<string, unknown> };
    delete broken.channels.partnerInbox; // receiveDelivery now points at a missing channel
    const diagnostics = await parser.validate(broken as never);
    expect(diagnostics.some((d) => d.severity === ERROR)).toBe(true);
  });

  it('has one message per event type: named by it, FHIR JSON, with the event code fixed in the MessageHeader', () => {
    const messages = parsedDocument().components().messages();
    expect(
      messages
        .all()
        .map((message) => message.id())
        .sort(),
    ).toEqual([...EVENT_TYPES].sort());
    for (const eventType of EVENT_TYPES) {
      const message = messages.get(eventType)!;
      expect(message.name()).toBe(eventType);
      expect(message.contentType()).toBe(FHIR_JSON_CONTENT_TYPE);
      expect(message.summary()).toBe(EVENT_CATALOGUE[eventType].summary);
      // The parser has resolved the $refs: allOf[0] is the common Bundle, allOf[1] fixes the event code.
      const payload = message.payload()!.json();
      const bundle = at(payload, 'allOf', 0, 'properties');
      expect(at(bundle, 'resourceType', 'const')).toBe('Bundle');
      expect(at(bundle, 'type', 'const')).toBe('message');
      expect(at(bundle, 'entry', 'items', 0, 'properties', 'resource', 'properties', 'resourceType', 'const')).toBe(
        'MessageHeader',
      );
      const eventCoding = at(
        payload,
        'allOf',
        1,
        'properties',
        'entry',
        'items',
        0,
        'properties',
        'resource',
        'properties',
        'eventCoding',
      );
      expect(at(eventCoding, 'properties', 'code', 'const')).toBe(eventType);
      expect(at(eventCoding, 'properties', 'system', 'const')).toBe(EVENT_TYPE_SYSTEM);
      expect(at(message.headers()!.json(), 'allOf', 1, 'properties', 'type', 'const')).toBe(eventType);
    }
  });

  it('documents every AMQP header of the contracts, and no header that could carry personal data', () => {
    const headers = parsedDocument().components().schemas().get('AmqpProperties')!.json();
    const documented = Object.keys(at(headers, 'properties') as object).sort();
    const amqpProperties = ['contentType', 'correlationId', 'deliveryMode', 'messageId', 'timestamp', 'type', 'userId'];
    expect(documented).toEqual([...amqpProperties, ...Object.values(AmqpHeaders)].sort());
    expect(at(headers, 'description')).toMatch(/None of them carries personal data/);
  });

  it('lets partners publish on the ingress exchange and receive from their inbox', () => {
    const document = parsedDocument();
    const publish = document.operations().get('publishEvent')!;
    expect(publish.action()).toBe('send');
    expect(
      publish
        .channels()
        .all()
        .map((channel) => channel.address()),
    ).toEqual(['{partnerId}.{eventType}']);
    const partnerPublished = EVENT_TYPES.filter((eventType) =>
      EVENT_CATALOGUE[eventType].from.some((party) => party !== 'hub'),
    );
    expect(
      publish
        .messages()
        .all()
        .map((message) => message.name()),
    ).toEqual(partnerPublished);
    expect(partnerPublished).not.toContain('pathway.deadline.missed');

    const receive = document.operations().get('receiveDelivery')!;
    expect(receive.action()).toBe('receive');
    expect(
      receive
        .channels()
        .all()
        .map((channel) => channel.address()),
    ).toEqual([partnerInboxQueue('{partnerId}')]);
    expect(
      receive
        .messages()
        .all()
        .map((message) => message.name()),
    ).toEqual([...EVENT_TYPES]);

    const server = document.servers().get('broker')!;
    expect(server.protocol()).toBe('amqp');
    expect(server.pathname()).toBe(`/${BROKER_VHOST}`);
  });

  it('binds to the topic exchanges and states the queue arguments the messaging topology declares', async () => {
    const channels = parsedDocument().channels();
    for (const [id, exchange] of [
      ['ingress', INGRESS_EXCHANGE],
      ['delivery', DELIVERY_EXCHANGE],
    ]) {
      expect(channels.get(id)!.bindings().get('amqp')!.value()).toMatchObject({
        is: 'routingKey',
        exchange: { name: exchange, type: 'topic', durable: true, vhost: BROKER_VHOST },
      });
    }

    // What libs/messaging really declares, recorded from a stand-in channel.
    const declared = new Map<string, Record<string, unknown>>();
    const recorder = {
      assertExchange: async () => undefined,
      assertQueue: async (queue: string, options: amqp.Options.AssertQueue) =>
        void declared.set(queue, options.arguments),
      bindQueue: async () => undefined,
    } as unknown as amqp.Channel;
    for (const queue of [HUB_INGRESS_QUEUE, partnerInboxQueue('{partnerId}')]) {
      await declareQueueTopology(recorder, { queue, bindings: [], retryDelaysMs: [1_000] });
    }
    for (const [id, queue] of [
      ['hubIngress', HUB_INGRESS_QUEUE],
      ['partnerInbox', partnerInboxQueue('{partnerId}')],
    ]) {
      const binding = channels.get(id)!.bindings().get('amqp')!.value();
      expect(binding.queue).toMatchObject({ name: queue, durable: true, vhost: BROKER_VHOST });
      // Every documented argument is declared with that value; the only one left out is the delivery limit.
      const { 'x-delivery-limit': deliveryLimit, ...declaredArguments } = declared.get(queue)!;
      expect(binding['x-arguments']).toEqual(declaredArguments);
      expect(deliveryLimit).toEqual(expect.any(Number));
    }
  });

  it('takes the version and broker host from its options', () => {
    const document = buildAsyncApiDocument({ version: '2.3.4', host: 'rabbitmq:5672' });
    expect(document.info.version).toBe('2.3.4');
    expect(document.servers).toMatchObject({ broker: { host: 'rabbitmq:5672' } });
  });
});

describe('the message schemas', () => {
  // The document's components as the schema root, so the messages' `#/components/...` refs resolve.
  // Formats are documentation here (ajv-formats is not a dependency); everything else is checked.
  const ajv = new Ajv({ strict: false, validateSchema: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ components: buildAsyncApiDocument().components }, 'asyncapi');
  const validatorOf = (eventType: string, part: 'payload' | 'headers') =>
    ajv.getSchema(`asyncapi#/components/messages/${eventType}/${part}`)!;
  const missed = (): Record<string, unknown> & { entry: { resource: Record<string, unknown> }[] } =>
    JSON.parse(readFileSync(join(__dirname, 'fixtures', 'treatment-appointment-missed.bundle.json'), 'utf8'));

  it('accept a real message Bundle for its own event type only', () => {
    const validate = validatorOf('treatment.appointment.missed', 'payload');
    expect(validate(missed()) ? [] : validate.errors).toEqual([]);
    expect(validatorOf('treatment.appointment.attended', 'payload')(missed())).toBe(false);
  });

  it("accept the hub's own endpoint as a source", () => {
    const fromHub = missed();
    fromHub.entry[0].resource.source = { endpoint: partnerEndpoint(HUB_PARTNER_ID) };
    fromHub.entry[0].resource.eventCoding = { system: EVENT_TYPE_SYSTEM, code: 'pathway.deadline.missed' };
    const validate = validatorOf('pathway.deadline.missed', 'payload');
    expect(validate(fromHub) ? [] : validate.errors).toEqual([]);
  });

  it('reject a Bundle that is not a message, or does not open with a partner MessageHeader', () => {
    const validate = validatorOf('treatment.appointment.missed', 'payload');
    expect(validate({ ...missed(), type: 'collection' })).toBe(false);
    const patientFirst = missed();
    patientFirst.entry.reverse();
    expect(validate(patientFirst)).toBe(false);
    const foreignSource = missed();
    foreignSource.entry[0].resource.source = { endpoint: 'https://example.org/fhir' };
    expect(validate(foreignSource)).toBe(false);
    const otherSystem = missed();
    otherSystem.entry[0].resource.eventCoding = {
      system: 'https://example.org/events',
      code: 'treatment.appointment.missed',
    };
    expect(validate(otherSystem)).toBe(false);
  });

  it('accept the AMQP properties and headers that libs/messaging publishes', () => {
    const options = publishOptions(
      {
        exchange: INGRESS_EXCHANGE,
        routingKey: ingressRoutingKey('st-andrews-mhtr', 'treatment.appointment.missed'),
        eventId: '5f0c7a8e-3b1d-4e2a-9c6f-2d8b1e4a7c90',
        type: 'treatment.appointment.missed',
        body: Buffer.from('{}'),
        headers: { [AmqpHeaders.partitionKey]: 'k1b2c3', [AmqpHeaders.attempt]: 2 },
      },
      'st-andrews-mhtr',
    );
    expect(options.userId).toBe('st-andrews-mhtr');
    const { headers, persistent, mandatory: _mandatory, ...properties } = options;
    const published = { ...properties, deliveryMode: persistent ? 2 : 1, ...headers };
    const validate = validatorOf('treatment.appointment.missed', 'headers');
    expect(validate(published) ? [] : validate.errors).toEqual([]);
    expect(validatorOf('treatment.appointment.attended', 'headers')(published)).toBe(false);
    expect(validate({ ...published, [AmqpHeaders.traceparent]: 'not-a-trace' })).toBe(false);
  });
});

describe(ASYNCAPI_DOCUMENT_PATH, () => {
  it('is what the generator produces now', () => {
    const committed = readFileSync(join(projectRoot(), ASYNCAPI_DOCUMENT_PATH), 'utf8');
    const verdict =
      committed === renderAsyncApiYaml()
        ? 'up to date'
        : `stale: run \`npm run asyncapi\` and commit ${ASYNCAPI_DOCUMENT_PATH}`;
    expect(verdict).toBe('up to date');
  });
});
