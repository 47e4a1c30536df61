import {
  EVENT_CATALOGUE,
  EVENT_TYPE_SYSTEM,
  HUB_PARTNER_ID,
  ingressRoutingKey,
  isEventType,
  operationOutcomeOf,
  partnerIdFromEndpoint,
  type EventType,
  type OperationOutcome,
  type OperationOutcomeIssue,
} from '@cstr/contracts';
import { errorsOf, validateMessageBundle } from '@cstr/fhir';
import { HUB_BROKER_USER } from '@cstr/messaging';
import type { Sender } from '@cstr/policy';
import type { Bundle, MessageHeader } from 'fhir/r4';
import type { HubPolicy } from '../core/hub-policy';
import type { IngressMessage, IngressRefusal, IngressRefusalCode } from './ingress-message';
import { storableText } from './safe-text';

/** An event whose envelope holds: a valid message Bundle of a catalogue type from a partner allowed to send it. */
export interface CheckedEnvelope {
  readonly kind: 'checked';
  readonly eventType: EventType;
  /** A configured partner, or the hub itself for events it originates. */
  readonly sender: Sender;
  readonly bundle: Bundle;
  readonly header: MessageHeader;
  /** Warnings of the validation (kept for the caller; they do not refuse the event). */
  readonly warnings: readonly OperationOutcomeIssue[];
}

/** A refusal with a header-safe `reason` and an OperationOutcome of one or more issues. */
export function refusal(
  code: IngressRefusalCode,
  reason: string,
  issues: readonly OperationOutcomeIssue[] | OperationOutcomeIssue,
): IngressRefusal {
  return {
    kind: 'refused',
    code,
    reason,
    outcome: operationOutcomeOf(Array.isArray(issues) ? issues : [issues as OperationOutcomeIssue]),
  };
}

function problem(code: OperationOutcomeIssue['code'], diagnostics: string, expression?: string): OperationOutcomeIssue {
  return {
    severity: 'error',
    code,
    diagnostics: storableText(diagnostics, 1000),
    ...(expression ? { expression: [expression] } : {}),
  };
}

/** How an event reached the pipeline. */
export interface EnvelopeOptions {
  /**
   * True only for events the hub itself originates, handed to the pipeline in-process: then the
   * sender may be the hub (`cstr-hub`). Never set for the queue or HTTP, where a routing key
   * `cstr-hub.…` is refused as an unknown sender.
   */
  readonly hubOriginated?: boolean;
  /**
   * The Bundle's validation (`validateMessageBundle`), when it was done ahead on a worker thread
   * ({@link BundleValidation}) from the same bytes; otherwise it is done here.
   */
  readonly validated?: OperationOutcome;
}

/**
 * Why the sender a message names cannot be believed, or undefined when it can (SPEC §5: the sender
 * is who the broker authenticated). A message from `cstr.ingress` names its sender by its routing
 * key, whose prefix the broker's topic permissions checked; when it also carries the broker-checked
 * `userId`, that must be the same partner (or the hub, which queues what partners submit over HTTP
 * under their key). A retry or replayed dead letter (under `hub.ingress.redeliver`) names its
 * sender in a header, believed only on a copy the hub itself published.
 */
export function unauthenticatedSender(message: IngressMessage): IngressRefusal | undefined {
  const claimed = routingKeyPartner(message.routingKey);
  if (message.redelivered === true && message.publisher !== HUB_BROKER_USER) {
    return refusal(
      'unauthenticated-sender',
      'A redelivered copy the hub did not publish.',
      problem(
        'security',
        `A message came back to the hub's ingress as a retry or replay, but was published by ${message.publisher ?? 'an unnamed publisher'}, not by the hub: its original routing key (naming ${JSON.stringify(claimed)}) is not believed.`,
      ),
    );
  }
  if (message.publisher !== undefined && message.publisher !== HUB_BROKER_USER && message.publisher !== claimed) {
    return refusal(
      'unauthenticated-sender',
      `Published by broker user ${storableText(message.publisher, 60)} under another sender's routing key.`,
      problem(
        'security',
        `The broker authenticated the publisher as ${JSON.stringify(message.publisher)}, but the routing key names ${JSON.stringify(claimed)}: a partner cannot submit as another.`,
      ),
    );
  }
  return undefined;
}

/** The sender an audit record names for a message: the partner the broker authenticated where it says, else the routing key's. */
export function recordedSender(message: IngressMessage): string {
  return message.publisher !== undefined && message.publisher !== HUB_BROKER_USER
    ? message.publisher
    : routingKeyPartner(message.routingKey);
}

/** The partner id a routing key `<partner-id>.<event-type>` starts with. */
export function routingKeyPartner(routingKey: string): string {
  const dot = routingKey.indexOf('.');
  return dot < 0 ? routingKey : routingKey.slice(0, dot);
}

/**
 * Checks what must hold before the hub looks at the person (cheapest first): the routing key
 * names a configured partner and this event type; the type is in the catalogue and the
 * partner's kind may publish it; the body is a valid message Bundle (UK Core) whose
 * MessageHeader names the same event type and, as its source, the same partner — so a partner
 * cannot submit as another even with a Bundle claiming to be from one; and Bundle.id is the event
 * id (the AMQP `messageId`). Never throws.
 */
export function checkEnvelope(
  message: IngressMessage,
  policy: HubPolicy,
  options: EnvelopeOptions = {},
): CheckedEnvelope | IngressRefusal {
  const unauthenticated = unauthenticatedSender(message);
  if (unauthenticated) return unauthenticated;
  const senderId = routingKeyPartner(message.routingKey);
  const sender =
    senderId === HUB_PARTNER_ID && options.hubOriginated === true ? policy.sender(senderId) : policy.partner(senderId);
  if (!sender) {
    return refusal(
      'unknown-sender',
      'The routing key does not start with a configured partner id.',
      problem(
        'security',
        `The routing key's partner id ${JSON.stringify(senderId)} is not a partner of config/partners.yaml.`,
      ),
    );
  }
  if (!isEventType(message.type)) {
    return refusal(
      'unknown-event-type',
      'The AMQP type is not an event type of the catalogue.',
      problem('not-supported', `Event type ${JSON.stringify(message.type)} is not in the event catalogue (SPEC §3).`),
    );
  }
  const eventType = message.type;
  if (message.routingKey !== ingressRoutingKey(sender.id, eventType)) {
    return refusal(
      'routing-key-mismatch',
      `The routing key is not ${sender.id}.${eventType}.`,
      problem(
        'invalid',
        `The routing key ${JSON.stringify(message.routingKey)} does not match the sender and event type ${eventType}.`,
      ),
    );
  }
  if (!EVENT_CATALOGUE[eventType].from.includes(sender.kind)) {
    return refusal(
      'sender-kind-not-allowed',
      `A ${sender.kind} partner may not publish ${eventType}.`,
      problem(
        'forbidden',
        `${eventType} is published by ${EVENT_CATALOGUE[eventType].from.join(' or ')}, not by ${sender.id} (${sender.kind}).`,
      ),
    );
  }
  const validation = options.validated ?? validateMessageBundle(message.body);
  const errors = errorsOf(validation);
  if (errors.length > 0) {
    const first = errors[0].expression?.[0];
    return refusal(
      'invalid-bundle',
      `The message Bundle is invalid: ${errors.length} error(s)${first ? `, first at ${storableText(first, 120)}` : ''}.`,
      validation.issue,
    );
  }
  const bundle = message.body as Bundle;
  const header = bundle.entry?.[0]?.resource as MessageHeader;
  const coding = header.eventCoding;
  if (coding?.system !== EVENT_TYPE_SYSTEM || coding.code !== eventType) {
    return refusal(
      'event-type-mismatch',
      `MessageHeader.eventCoding is not ${eventType}.`,
      problem(
        'invalid',
        `MessageHeader.eventCoding ${JSON.stringify(coding?.code ?? null)} differs from the AMQP type ${eventType}.`,
        'Bundle.entry[0].resource.eventCoding',
      ),
    );
  }
  const claimed =
    typeof header.source?.endpoint === 'string' ? partnerIdFromEndpoint(header.source.endpoint) : undefined;
  if (claimed !== sender.id) {
    return refusal(
      'sender-endpoint-mismatch',
      `MessageHeader.source.endpoint is not ${sender.id}'s endpoint.`,
      problem(
        'security',
        `The event is published by ${sender.id} but MessageHeader.source.endpoint names ${JSON.stringify(claimed ?? header.source?.endpoint ?? null)}: a partner cannot submit as another.`,
        'Bundle.entry[0].resource.source.endpoint',
      ),
    );
  }
  if (typeof bundle.id !== 'string' || bundle.id.toLowerCase() !== message.eventId.toLowerCase()) {
    return refusal(
      'event-id-mismatch',
      'Bundle.id is not the event id (AMQP messageId).',
      problem('invalid', 'Bundle.id must be the event id, the same UUID as the AMQP messageId.', 'Bundle.id'),
    );
  }
  return {
    kind: 'checked',
    eventType,
    sender,
    bundle,
    header,
    warnings: validation.issue.filter((each) => !errors.includes(each)),
  };
}

/** The whole outcome of a refusal as text for the audit record (diagnostics joined, bounded). */
export function outcomeSummary(outcome: OperationOutcome, max = 3900): string {
  const text = outcome.issue
    .map(
      (each) => `${each.diagnostics ?? each.code}${each.expression?.length ? ` (${each.expression.join(', ')})` : ''}`,
    )
    .join(' | ');
  return storableText(text || 'refused', max);
}
