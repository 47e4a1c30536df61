/**
 * JSON Schemas (draft-07, the AsyncAPI default schema format) of what travels on the broker:
 * the AMQP properties and headers of every message, and the FHIR message Bundle it carries.
 * They describe the envelope only; each resource is validated against its UK Core profile.
 */
import { AmqpHeaders } from '../amqp-properties';
import { PARTNER_ID_PATTERN } from '../broker-names';
import { EVENT_TYPES, EVENT_TYPE_SYSTEM, FHIR_JSON_CONTENT_TYPE, type EventType } from '../event-types';
import { PARTNER_ENDPOINT_PREFIX } from '../partner-endpoint';

/** A JSON Schema as a plain object. */
export type JsonSchema = Record<string, unknown>;

/** The UK Core profile of the first entry of every event Bundle. */
export const UK_CORE_MESSAGE_HEADER_PROFILE = 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-MessageHeader';

// The partner id pattern without its anchors, after the prefix (which has no regex metacharacters).
const PARTNER_ENDPOINT_PATTERN = `^${PARTNER_ENDPOINT_PREFIX}${PARTNER_ID_PATTERN.source.replace(/^\^|\$$/g, '')}$`;

/** The AMQP properties and headers of every event message (SPEC §4). */
export function amqpPropertiesSchema(): JsonSchema {
  return {
    type: 'object',
    description:
      'AMQP basic properties and header-table entries of every event message. None of them carries personal data: ' +
      'properties and headers show up in management tools and logs. Everything about the person is in the body.',
    required: [
      'messageId',
      'type',
      'timestamp',
      'correlationId',
      'contentType',
      'deliveryMode',
      AmqpHeaders.traceparent,
    ],
    properties: {
      messageId: {
        type: 'string',
        format: 'uuid',
        description: 'AMQP property: the event id. Every delivered copy keeps it, so a receiver de-duplicates by it.',
      },
      type: { type: 'string', enum: [...EVENT_TYPES], description: 'AMQP property: the event type.' },
      timestamp: {
        type: 'integer',
        minimum: 0,
        description: 'AMQP property: when the message was published, in seconds since the Unix epoch.',
      },
      correlationId: {
        type: 'string',
        description:
          'AMQP property: ties related events together; the event id when the event starts a new exchange. Delivered copies keep the original.',
      },
      contentType: {
        type: 'string',
        const: FHIR_JSON_CONTENT_TYPE,
        description: 'AMQP property: the body is FHIR JSON.',
      },
      deliveryMode: { type: 'integer', const: 2, description: 'AMQP property: persistent.' },
      userId: {
        type: 'string',
        description:
          "AMQP property: the publisher's own broker user (a partner's adapter: its partner id; the hub: `hub`). RabbitMQ refuses a " +
          "publish whose user-id is not the connection's user, so a receiver may believe it: the hub takes an event's sender from it, " +
          "and an adapter acts only on deliveries whose user-id is the hub's.",
      },
      [AmqpHeaders.traceparent]: {
        type: 'string',
        pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
        description: 'Header: W3C trace context, carried from the first publish through every hop.',
      },
      [AmqpHeaders.partitionKey]: {
        type: 'string',
        description:
          'Header: a pseudonymous key of the person (a keyed hash, never an identifier). Events with the same key are applied in the order the hub received them.',
      },
      [AmqpHeaders.attempt]: {
        type: 'integer',
        minimum: 1,
        description:
          'Header: 1 (or absent) on the first delivery; raised each time the message comes back from a retry delay.',
      },
      [AmqpHeaders.failureCode]: {
        type: 'string',
        description: "Header, on retries and dead letters: the last failure's stable code.",
      },
      [AmqpHeaders.failureReason]: {
        type: 'string',
        description:
          "Header, on retries and dead letters: the last failure's reason, a short text without personal data.",
      },
      [AmqpHeaders.failedQueue]: {
        type: 'string',
        description: 'Header, on retries and dead letters: the queue the message failed in.',
      },
      [AmqpHeaders.originalRoutingKey]: {
        type: 'string',
        description:
          'Header, on retries and dead letters: the routing key the message was first published with (`<partner-id>.<event-type>`); believed only on a delivery under `<queue>.redeliver`.',
      },
      [AmqpHeaders.deadLetteredAt]: {
        type: 'string',
        format: 'date-time',
        description: 'Header, on dead letters: when the message was parked.',
      },
      [AmqpHeaders.ingressPublisher]: {
        type: 'string',
        description:
          "Header, hub-internal: the broker user that published an event to `hub.ingress`, carried by the hub's router to its partition. Believed only on the hub's partitions, which only the hub may write; the router drops any value a publisher sets.",
      },
      [AmqpHeaders.ingressRedelivered]: {
        type: 'string',
        enum: ['true'],
        description:
          'Header, hub-internal: the event came back to `hub.ingress` as a retry or replay; carried and believed like `x-cstr-ingress-publisher`.',
      },
    },
  };
}

/** The AMQP properties of the messages of one event type: the common ones, with `type` fixed. */
export function eventHeadersSchema(eventType: EventType): JsonSchema {
  return {
    allOf: [
      { $ref: '#/components/schemas/AmqpProperties' },
      { type: 'object', properties: { type: { const: eventType } } },
    ],
  };
}

/** A FHIR `Reference` to another entry of the Bundle, or to a resource by identifier. */
function referenceSchema(): JsonSchema {
  return {
    type: 'object',
    properties: {
      reference: { type: 'string', description: 'The `fullUrl` of another entry of the Bundle.' },
      identifier: { type: 'object' },
      display: { type: 'string' },
    },
  };
}

/** The UKCore-MessageHeader that opens every event Bundle (SPEC §3). */
export function messageHeaderSchema(): JsonSchema {
  return {
    type: 'object',
    description:
      'UKCore-MessageHeader: what happened, who sent it, which resources it is about and, on delivered copies, the recipient.',
    required: ['resourceType', 'eventCoding', 'source', 'focus'],
    properties: {
      resourceType: { const: 'MessageHeader' },
      id: { type: 'string' },
      meta: {
        type: 'object',
        properties: {
          profile: { type: 'array', contains: { const: UK_CORE_MESSAGE_HEADER_PROFILE }, items: { type: 'string' } },
        },
      },
      eventCoding: {
        type: 'object',
        required: ['system', 'code'],
        properties: {
          system: { type: 'string', const: EVENT_TYPE_SYSTEM },
          code: { type: 'string', enum: [...EVENT_TYPES] },
          display: { type: 'string' },
        },
      },
      source: {
        type: 'object',
        required: ['endpoint'],
        properties: {
          endpoint: {
            type: 'string',
            pattern: PARTNER_ENDPOINT_PATTERN,
            description: `\`${PARTNER_ENDPOINT_PREFIX}<partner id>\` of the sender.`,
          },
          name: { type: 'string' },
        },
      },
      sender: { ...referenceSchema(), description: 'The sending organisation.' },
      destination: {
        type: 'array',
        description: 'On a delivered copy: the recipient partner. Absent on what a partner publishes.',
        items: {
          type: 'object',
          required: ['endpoint'],
          properties: {
            endpoint: { type: 'string', pattern: PARTNER_ENDPOINT_PATTERN },
            name: { type: 'string' },
            receiver: referenceSchema(),
          },
        },
      },
      focus: {
        type: 'array',
        minItems: 1,
        description: "References to the event's main resources, every one of them an entry of this Bundle.",
        items: referenceSchema(),
      },
    },
  };
}

/** A FHIR R4 message Bundle (SPEC §3): a MessageHeader first, then the Patient and the main resources. */
export function fhirMessageBundleSchema(): JsonSchema {
  const anyEntry = {
    type: 'object',
    required: ['resource'],
    properties: {
      fullUrl: { type: 'string', description: 'Usually `urn:uuid:<id>`; what references inside the Bundle point at.' },
      resource: {
        type: 'object',
        required: ['resourceType'],
        properties: { resourceType: { type: 'string', pattern: '^[A-Z][A-Za-z]+$' } },
        description: 'A FHIR R4 resource, validated against its UK Core profile where one exists.',
      },
    },
  };
  return {
    type: 'object',
    description:
      'A FHIR R4 message Bundle. entry[0] is the UKCore-MessageHeader; the subject is a UKCore-Patient carrying every identifier known ' +
      '(NHS number, CRN, PNC ID, CRO number, Common Platform defendant id); the other entries are the main resources of the event. ' +
      'This schema states the envelope; resources are validated against UK Core.',
    required: ['resourceType', 'type', 'entry'],
    properties: {
      resourceType: { const: 'Bundle' },
      id: { type: 'string' },
      meta: { type: 'object' },
      identifier: {
        type: 'object',
        description: 'The event id as a URN (`urn:uuid:<event id>`), kept on every delivered copy.',
      },
      type: { const: 'message' },
      timestamp: { type: 'string', format: 'date-time' },
      entry: {
        type: 'array',
        minItems: 2,
        items: [
          {
            type: 'object',
            required: ['resource'],
            properties: { fullUrl: { type: 'string' }, resource: { $ref: '#/components/schemas/MessageHeader' } },
          },
        ],
        additionalItems: anyEntry,
      },
    },
  };
}

/** The body of one event type: a message Bundle whose MessageHeader names that event type. */
export function eventPayloadSchema(eventType: EventType): JsonSchema {
  return {
    allOf: [
      { $ref: '#/components/schemas/FhirMessageBundle' },
      {
        type: 'object',
        properties: {
          entry: {
            type: 'array',
            items: [
              {
                type: 'object',
                properties: {
                  resource: {
                    type: 'object',
                    properties: {
                      eventCoding: {
                        type: 'object',
                        required: ['system', 'code'],
                        properties: { system: { const: EVENT_TYPE_SYSTEM }, code: { const: eventType } },
                      },
                    },
                  },
                },
              },
            ],
          },
        },
      },
    ],
  };
}
