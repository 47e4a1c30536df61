/**
 * The AsyncAPI 3.0.0 description of the events on the broker, generated from the event catalogue
 * and the broker names, so that it cannot drift from them. Served by the hub at `/asyncapi` and
 * written to `docs/asyncapi.yaml` by `npm run asyncapi`.
 */
import { AmqpHeaders } from '../amqp-properties';
import {
  BROKER_VHOST,
  DELIVERY_EXCHANGE,
  HUB_INGRESS_QUEUE,
  INGRESS_PARTITION_EXCHANGE,
  ingressPartitionQueue,
  INGRESS_EXCHANGE,
  RETRY_EXCHANGE,
  deadLetterQueue,
  deliveryRoutingKey,
  ingressRoutingKey,
  isPartnerKind,
  partnerInboxQueue,
  partnerRetryExchange,
  redeliverRoutingKey,
  retryExchangeOf,
  retryQueue,
} from '../broker-names';
import { EVENT_CATALOGUE, PATHWAY_STEPS, type EventDefinition } from '../event-catalogue';
import { EVENT_TYPES, EVENT_TYPE_SYSTEM, FHIR_JSON_CONTENT_TYPE, type EventType } from '../event-types';
import { HUB_PARTNER_ID, PARTNER_ENDPOINT_PREFIX, partnerEndpoint } from '../partner-endpoint';
import { HUB_FHIR_BASE } from '../code-systems/hub-code-system';
import {
  amqpPropertiesSchema,
  eventHeadersSchema,
  eventPayloadSchema,
  fhirMessageBundleSchema,
  messageHeaderSchema,
} from './message-schemas';

/** The version of the event contract this document describes; raise it when the catalogue changes. */
export const ASYNCAPI_DOCUMENT_VERSION = '1.0.0';

/** The broker the document points at when no host is given: the local development stack. */
export const DEFAULT_BROKER_HOST = 'localhost:5672';

/** Choices for {@link buildAsyncApiDocument}. */
export interface AsyncApiDocumentOptions {
  /** `info.version`; {@link ASYNCAPI_DOCUMENT_VERSION} when absent. */
  readonly version?: string;
  /** The broker's `host:port`; {@link DEFAULT_BROKER_HOST} when absent. */
  readonly host?: string;
}

/** An AsyncAPI 3.0.0 document as a plain object (serialise it as JSON or YAML). */
export interface AsyncApiDocument {
  readonly asyncapi: '3.0.0';
  readonly id: string;
  readonly info: { readonly title: string; readonly version: string; readonly description: string } & Record<
    string,
    unknown
  >;
  readonly defaultContentType: string;
  readonly servers: Record<string, unknown>;
  readonly channels: Record<string, unknown>;
  readonly operations: Record<string, unknown>;
  readonly components: Record<string, unknown>;
}

/** Binding version of every AMQP binding below. */
const AMQP_BINDING_VERSION = '0.3.0';

/** Example partner ids, as in SPEC §2. */
const EXAMPLE_PROBATION_ID = 'nps-london';
const EXAMPLE_PROVIDER_ID = 'st-andrews-mhtr';

/** Event types a partner may publish: the hub-only ones are refused at ingress. */
const PARTNER_PUBLISHED_EVENTS = EVENT_TYPES.filter((eventType) => EVENT_CATALOGUE[eventType].from.some(isPartnerKind));
/** Event types the hub may deliver to a partner. */
const DELIVERED_EVENTS = EVENT_TYPES.filter((eventType) => EVENT_CATALOGUE[eventType].to.some(isPartnerKind));

/**
 * The arguments of every consumed queue (the hub's ingress queue and each partner inbox):
 * a quorum queue that dead-letters, at least once, to its `<queue>.dlq` through its retry exchange
 * (`cstr.retry` for the hub's, `cstr.retry.<partner-id>` for a partner inbox).
 * The broker-side delivery limit is deployment configuration and is not stated here.
 */
export function consumedQueueArguments(queue: string): Record<string, string> {
  return {
    'x-queue-type': 'quorum',
    'x-dead-letter-exchange': retryExchangeOf(queue),
    'x-dead-letter-routing-key': deadLetterQueue(queue),
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  };
}

/**
 * Builds the AsyncAPI 3.0.0 document of the cstr-hub events: the broker, the ingress and delivery
 * exchanges and the consumed queues, one message per event type of the catalogue, and the two
 * operations of a partner adapter (publish an event, receive a delivery).
 */
export function buildAsyncApiDocument(options: AsyncApiDocumentOptions = {}): AsyncApiDocument {
  const messages = Object.fromEntries(
    EVENT_TYPES.map((eventType) => [eventType, eventMessage(eventType, EVENT_CATALOGUE[eventType])]),
  );
  return {
    asyncapi: '3.0.0',
    id: 'urn:cstr-hub:events',
    info: {
      title: 'cstr-hub events',
      version: options.version ?? ASYNCAPI_DOCUMENT_VERSION,
      description: infoDescription(),
      tags: [{ name: 'CSTR' }, { name: 'FHIR R4' }, { name: 'UK Core' }],
    },
    defaultContentType: FHIR_JSON_CONTENT_TYPE,
    servers: {
      broker: {
        host: options.host ?? DEFAULT_BROKER_HOST,
        protocol: 'amqp',
        protocolVersion: '0.9.1',
        pathname: `/${BROKER_VHOST}`,
        title: 'cstr-hub RabbitMQ broker',
        description:
          `RabbitMQ, virtual host \`${BROKER_VHOST}\` (the path of the AMQP URI). Each partner connects with its own broker user: ` +
          `it may write to \`${INGRESS_EXCHANGE}\` only with its own routing-key prefix and to its own retry exchange ` +
          `\`${partnerRetryExchange('<partner-id>')}\` only with its inbox's keys, and read only its own inbox. Every message carries ` +
          "its publisher's broker user as the AMQP `userId`, which the broker checks.",
        security: [{ $ref: '#/components/securitySchemes/partnerBrokerUser' }],
      },
    },
    channels: {
      ingress: {
        address: ingressRoutingKey('{partnerId}', '{eventType}'),
        title: `Ingress exchange (${INGRESS_EXCHANGE})`,
        description:
          `Adapters publish their partner's events to the topic exchange \`${INGRESS_EXCHANGE}\` with routing key ` +
          `\`${ingressRoutingKey('<partner-id>', '<event-type>')}\`; the broker lets a partner use only its own id. The hub consumes them from \`${HUB_INGRESS_QUEUE}\`.`,
        servers: [{ $ref: '#/servers/broker' }],
        parameters: {
          partnerId: { $ref: '#/components/parameters/partnerId' },
          eventType: eventTypeParameter(PARTNER_PUBLISHED_EVENTS),
        },
        messages: channelMessages(PARTNER_PUBLISHED_EVENTS),
        bindings: { amqp: exchangeBinding(INGRESS_EXCHANGE) },
      },
      delivery: {
        address: deliveryRoutingKey('{recipientId}', '{eventType}'),
        title: `Delivery exchange (${DELIVERY_EXCHANGE})`,
        description:
          `The hub publishes one copy of an event per recipient that an information-sharing agreement allows, already redacted, ` +
          `to the topic exchange \`${DELIVERY_EXCHANGE}\` with routing key \`${deliveryRoutingKey('<recipient-id>', '<event-type>')}\`. ` +
          `Each copy is routed to the recipient's inbox.`,
        servers: [{ $ref: '#/servers/broker' }],
        parameters: {
          recipientId: { $ref: '#/components/parameters/recipientId' },
          eventType: eventTypeParameter(DELIVERED_EVENTS),
        },
        messages: channelMessages(DELIVERED_EVENTS),
        bindings: { amqp: exchangeBinding(DELIVERY_EXCHANGE) },
      },
      hubIngress: {
        address: HUB_INGRESS_QUEUE,
        title: `Hub ingress queue (${HUB_INGRESS_QUEUE})`,
        description:
          `The hub's queue, bound to every routing key of \`${INGRESS_EXCHANGE}\`: where published events wait until the hub's ` +
          `router moves them, in order, to the hub's internal partitions (\`${ingressPartitionQueue(0)}\`…, which only the hub may ` +
          `write or read) for validation, identity resolution and the agreements. Failed messages retry, then park in ` +
          `\`${deadLetterQueue(HUB_INGRESS_QUEUE)}\`.`,
        servers: [{ $ref: '#/servers/broker' }],
        messages: channelMessages(PARTNER_PUBLISHED_EVENTS),
        bindings: { amqp: queueBinding(HUB_INGRESS_QUEUE) },
      },
      partnerInbox: {
        address: partnerInboxQueue('{partnerId}'),
        title: 'Partner inbox queue',
        description:
          `A partner's inbox, bound to \`${DELIVERY_EXCHANGE}\` for its own routing keys: the events the hub delivered to it. ` +
          `Only that partner's broker user may read it. Failed messages retry, then park in ` +
          `\`${deadLetterQueue(partnerInboxQueue('<partner-id>'))}\`.`,
        servers: [{ $ref: '#/servers/broker' }],
        parameters: { partnerId: { $ref: '#/components/parameters/partnerId' } },
        messages: channelMessages(DELIVERED_EVENTS),
        bindings: { amqp: queueBinding(partnerInboxQueue('{partnerId}')) },
      },
    },
    operations: {
      publishEvent: {
        action: 'send',
        channel: { $ref: '#/channels/ingress' },
        title: 'Publish a partner event',
        summary: "An adapter publishes its partner's event to the hub.",
        description:
          'Publish persistent, with publisher confirms, through a transactional outbox: an event is published at least once ' +
          'and never lost. Re-publishing the same event keeps its event id (`messageId`).',
        messages: PARTNER_PUBLISHED_EVENTS.map((eventType) => ({ $ref: `#/channels/ingress/messages/${eventType}` })),
        bindings: { amqp: { deliveryMode: 2, mandatory: true, timestamp: true, bindingVersion: AMQP_BINDING_VERSION } },
      },
      receiveDelivery: {
        action: 'receive',
        channel: { $ref: '#/channels/partnerInbox' },
        title: 'Receive a delivered event',
        summary: 'An adapter receives the events the hub delivered to its partner.',
        description:
          'Consume with manual acknowledgements, idempotently by `messageId`: acknowledge once the effect is committed. ' +
          'Events carrying the same partition key are applied in order.',
        messages: DELIVERED_EVENTS.map((eventType) => ({ $ref: `#/channels/partnerInbox/messages/${eventType}` })),
        bindings: { amqp: { ack: true, bindingVersion: AMQP_BINDING_VERSION } },
      },
    },
    components: {
      schemas: {
        AmqpProperties: amqpPropertiesSchema(),
        FhirMessageBundle: fhirMessageBundleSchema(),
        MessageHeader: messageHeaderSchema(),
      },
      messages,
      parameters: {
        partnerId: {
          description:
            'The id of the publishing partner (lower-case words joined by hyphens); a partner may publish only under its own id.',
          examples: [EXAMPLE_PROBATION_ID, EXAMPLE_PROVIDER_ID],
        },
        recipientId: {
          description: 'The id of the partner the copy is delivered to.',
          examples: [EXAMPLE_PROBATION_ID, EXAMPLE_PROVIDER_ID],
        },
      },
      correlationIds: {
        amqpCorrelationId: {
          description:
            'The AMQP `correlationId` property: ties together the events of one exchange; delivered copies keep it.',
          location: '$message.header#/correlationId',
        },
      },
      securitySchemes: {
        partnerBrokerUser: {
          type: 'userPassword',
          description:
            "One broker user per partner, with topic permissions limited to the partner's own routing-key prefix and read access to its own inbox.",
        },
      },
    },
  };
}

/** The message of one event type, with the catalogue's metadata. */
function eventMessage(eventType: EventType, definition: EventDefinition): Record<string, unknown> {
  return {
    name: eventType,
    title: eventType,
    summary: definition.summary,
    description: messageDescription(definition),
    contentType: FHIR_JSON_CONTENT_TYPE,
    correlationId: { $ref: '#/components/correlationIds/amqpCorrelationId' },
    headers: eventHeadersSchema(eventType),
    payload: eventPayloadSchema(eventType),
    tags: [{ name: `pathway-step-${definition.pathwayStep}`, description: PATHWAY_STEPS[definition.pathwayStep] }],
    bindings: { amqp: { messageType: eventType, bindingVersion: AMQP_BINDING_VERSION } },
    'x-cstr-catalogue': {
      from: [...definition.from],
      to: [...definition.to],
      ...(definition.recipientNote ? { recipientNote: definition.recipientNote } : {}),
      mainResources: [...definition.mainResources],
      pathwayStep: definition.pathwayStep,
      source: definition.source,
    },
  };
}

function messageDescription(definition: EventDefinition): string {
  return [
    `**From:** ${definition.from.join(', ')}.`,
    `**To** (if the agreements allow): ${definition.to.join(', ')}.${definition.recipientNote ? ` ${definition.recipientNote}` : ''}`,
    `**Main resources:** ${definition.contents}.`,
    `**Pathway step:** ${definition.pathwayStep} (${PATHWAY_STEPS[definition.pathwayStep]}).`,
    `**Source:** ${definition.source}.`,
  ].join('\n\n');
}

function channelMessages(eventTypes: readonly EventType[]): Record<string, unknown> {
  return Object.fromEntries(eventTypes.map((eventType) => [eventType, { $ref: `#/components/messages/${eventType}` }]));
}

function eventTypeParameter(eventTypes: readonly EventType[]): Record<string, unknown> {
  return { description: 'The event type, as in `MessageHeader.eventCoding.code`.', enum: [...eventTypes] };
}

function exchangeBinding(exchange: string): Record<string, unknown> {
  return {
    is: 'routingKey',
    exchange: { name: exchange, type: 'topic', durable: true, autoDelete: false, vhost: BROKER_VHOST },
    bindingVersion: AMQP_BINDING_VERSION,
  };
}

function queueBinding(queue: string): Record<string, unknown> {
  return {
    is: 'queue',
    queue: { name: queue, durable: true, exclusive: false, autoDelete: false, vhost: BROKER_VHOST },
    bindingVersion: AMQP_BINDING_VERSION,
    // The binding has no field for queue arguments; an extension states them.
    'x-arguments': consumedQueueArguments(queue),
  };
}

function infoDescription(): string {
  const exampleInbox = partnerInboxQueue(EXAMPLE_PROVIDER_ID);
  return `Events of the Community Sentence Treatment Requirement pathway (MHTR, DRR, ATR) exchanged through cstr-hub: \
partner adapters publish them, the hub validates them, resolves the person's identity, applies the information-sharing \
agreements and delivers redacted copies to the partners an agreement allows.

## Envelope
Every event is a FHIR R4 message Bundle (\`Bundle.type = message\`, content type \`${FHIR_JSON_CONTENT_TYPE}\`). \
\`entry[0]\` is a UKCore-MessageHeader: \`eventCoding\` = \`{system: "${EVENT_TYPE_SYSTEM}", code: <event type>}\`, \
\`source.endpoint\` = \`${PARTNER_ENDPOINT_PREFIX}<partner-id>\` (\`${partnerEndpoint(HUB_PARTNER_ID)}\` for the hub's own events), \`sender\`, and \`focus\` pointing at the event's main resources; \
on a delivered copy \`destination\` names the recipient. The subject is a UKCore-Patient carrying every identifier known.

The AMQP properties carry \`messageId\` = the event id (a UUID), \`type\` = the event type, \`timestamp\`, \`correlationId\`, \
\`contentType\` = \`${FHIR_JSON_CONTENT_TYPE}\`, persistent delivery and \`userId\` = the publisher's own broker user; the \`${AmqpHeaders.traceparent}\` header carries W3C trace context. \
**No personal data in properties or headers**: they show up in management tools and logs.

## Who published
RabbitMQ refuses a publish whose \`userId\` is not the publishing connection's user, so the \`userId\` is the one thing about a \
message that a publisher cannot forge. The hub takes an event's sender from what the broker vouches for, never from a header; \
an adapter acts only on deliveries the hub published (\`userId\` = \`hub\`) or on its own retries, and dead-letters anything else \
with the code \`unauthenticated-publisher\`. A message body larger than the limit (default 1 MiB, \`MAX_MESSAGE_BYTES\`; the \
broker's \`max_message_size\`) is refused by the broker or dead-lettered unread with the code \`too-large\`.

## Routing
Adapters publish to the topic exchange \`${INGRESS_EXCHANGE}\` with routing key \`${ingressRoutingKey('<partner-id>', '<event-type>')}\`; \
each partner's broker user may publish only under its own id. The hub delivers one copy per allowed recipient to \`${DELIVERY_EXCHANGE}\` \
with routing key \`${deliveryRoutingKey('<recipient-id>', '<event-type>')}\`, which lands in the inbox \`${partnerInboxQueue('<partner-id>')}\`. \
Sharing is default deny: a copy goes only to a partner that an active agreement names and that is connected to the person.

## Naming parties
Wherever a message names an organisation (a request's performer or owner, \`Consent.provision.actor\` and \`Consent.organization\`, \
\`MessageHeader.destination\`, a care team, a GP), the hub accepts a literal reference to a Bundle entry (an Organization, or a \
PractitionerRole or CareTeam through its organisation), a logical reference (\`Reference.identifier\`), or the partner endpoint \
\`${PARTNER_ENDPOINT_PREFIX}<partner-id>\`. Partners are known by every identifier they have: ODS code \
(\`https://fhir.nhs.uk/Id/ods-organization-code\`), probation provider code (\`${HUB_FHIR_BASE}/Id/probation-provider-code\`: a \
region such as \`N07\` stands for its delivery units), court code (\`${HUB_FHIR_BASE}/Id/court-code\`) and partner id \
(\`${HUB_FHIR_BASE}/Id/partner\`). A reference the hub cannot resolve is a warning in its OperationOutcome and audit record, never a silent drop.

## Connection, consent, restriction
A partner is connected to a person only by a role in their care: covering the court; requesting the PSR or making the referral; \
being named in a request by its requester; accepting the referral; allocating the case; registering the GP. Publishing about a \
person connects nobody; a provider that rejects the referral or ends the episode, or whose requirement is terminated, gets \
nothing new. A request goes only to the provider it names. A Consent is recorded as given to the partner that sent it. A PDS \
restricted (\`R\`) or very restricted (\`V\`) label makes the person restricted until the GP registration service says otherwise: \
address, telecom and GP then leave in no copy, whoever sends them.

## Identifiers
Subject identifiers: NHS number (\`https://fhir.nhs.uk/Id/nhs-number\`), CRN, PNC ID, CRO number and Common Platform defendant id \
(\`${HUB_FHIR_BASE}/Id/{crn,pnc-id,cro-number,common-platform-defendant-id}\`). An identifier under any other system links nothing, \
and the hub's OperationOutcome names the system. A delivered Patient carries the identifiers the sender sent, and those the hub \
knows of the systems the agreement's flow lists in \`identifiers\`.

## Order per person
Events about one person are applied in the order the hub received them, also with several hub instances: the hub's router \
moves what arrives in \`${HUB_INGRESS_QUEUE}\` (one router active at a time) in order to the hub's internal partitions \
\`${ingressPartitionQueue(0)}\`… through the consistent-hash exchange \`${INGRESS_PARTITION_EXCHANGE}\`, keyed by a keyed hash of the \
subject's identifier (a \`${AmqpHeaders.partitionKey}\` header a partner sets is replaced), and each partition has one active \
consumer among the hub instances. Partners never see or write the partitions. On delivered copies the header holds a \
pseudonymous person key: messages with the same key are applied one after the other. This is what makes a consent withdrawal \
effective for every event that arrives after it.

## Idempotency
Delivery is at least once: a message may arrive twice (after a reconnect, a retry or an outbox replay). The event id is the \
\`messageId\` of the published message and of every delivered copy, so every consumer de-duplicates by \`messageId\` and applies each event once. \
Publishers go through a transactional outbox with publisher confirms; consumers acknowledge manually, after the effect is committed.

## Retries and dead letters
Every consumed queue is a durable quorum queue that dead-letters to its own retry exchange: \`${RETRY_EXCHANGE}\` for the hub's \
\`${HUB_INGRESS_QUEUE}\`, \`${partnerRetryExchange('<partner-id>')}\` for a partner inbox, where only that partner (under its inbox's keys) \
and the hub (an operator's replay, under \`${redeliverRoutingKey(exampleInbox)}\`) may publish. A message that fails waits in a delay queue \
(e.g. \`${retryQueue(exampleInbox, 5000)}\`) and comes back with exponential back-off, its attempt count in \`${AmqpHeaders.attempt}\`. \
After the last attempt, when it cannot be parsed, or when the broker's delivery limit is reached, it is parked in \`<queue>.dlq\` \
(e.g. \`${deadLetterQueue(exampleInbox)}\`) with \`${AmqpHeaders.failureCode}\`, \`${AmqpHeaders.failureReason}\`, \
\`${AmqpHeaders.failedQueue}\` and \`${AmqpHeaders.deadLetteredAt}\`. A dead letter is never dropped: operators inspect and replay it.`;
}
