import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  AmqpHeaders,
  FHIR_JSON_CONTENT_TYPE,
  INGRESS_EXCHANGE,
  ingressRoutingKey,
  operationOutcome,
  type OperationOutcome,
} from '@cstr/contracts';
import {
  errorsOf,
  fhirValidator,
  tryBuildEventBundle,
  validateMessageBundle,
  type EventInput,
  type FhirValidator,
} from '@cstr/fhir';
import { encodeBody, Outbox, type OutgoingMessage } from '@cstr/messaging';
import { APP_CONFIG } from '../platform.tokens';

/** How one event travels besides its Bundle. */
export interface IngressOptions {
  /**
   * What the hub must apply in order (e.g. a hearing id): hashed into the partition-key header, so
   * events with the same key share a consumer lane. Hashed because headers must not carry personal data.
   */
  readonly orderingKey?: string;
  /** W3C trace context to continue; a new trace starts when absent. */
  readonly traceparent?: string;
}

/** One event to publish. */
export interface IngressEvent {
  readonly input: EventInput;
  readonly options?: IngressOptions;
}

/** Why one event of a publish call cannot be sent: its index in the call, and its OperationOutcome. */
export interface RejectedIngress {
  readonly index: number;
  readonly outcome: OperationOutcome;
}

/** What {@link IngressPublisher.publish} did: every event queued, or none and why. */
export type IngressPublishResult =
  | { readonly ok: true; readonly queued: number }
  | { readonly ok: false; readonly rejected: readonly RejectedIngress[] };

/** The partner an adapter instance speaks for (its `PARTNER_ID` config key). */
export interface IngressPartner {
  readonly PARTNER_ID: string;
}

/**
 * Publishes an adapter's events to the hub: builds each event's message Bundle from its typed input
 * (`tryBuildEventBundle`), validates it against the event contract (`validateMessageBundle`), and
 * queues it in the outbox inside the caller's transaction, to {@link INGRESS_EXCHANGE} with routing
 * key `<partner-id>.<event-type>`. Bad input never throws: it comes back as an OperationOutcome.
 */
@Injectable()
export class IngressPublisher {
  private readonly validator: FhirValidator = fhirValidator();

  constructor(
    @Inject(APP_CONFIG) private readonly partner: IngressPartner,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Queues `events` in the outbox through `manager` (the caller's transaction, so the events are
   * sent if and only if it commits), all or none: when one cannot be published, nothing is queued
   * and each refused event comes back with its OperationOutcome. The outbox relay is woken by the
   * commit itself; there is nothing to call afterwards.
   */
  async publish(manager: EntityManager, events: readonly IngressEvent[]): Promise<IngressPublishResult> {
    const messages: OutgoingMessage[] = [];
    const rejected: RejectedIngress[] = [];
    events.forEach((event, index) => {
      const prepared = this.messageOf(event.input, event.options);
      if ('outcome' in prepared) rejected.push({ index, outcome: prepared.outcome });
      else messages.push(prepared);
    });
    if (rejected.length > 0) return { ok: false, rejected };
    // One bulk insert (a 5,000-hearing list is one request).
    if (messages.length > 0) await this.outbox.add(manager, ...messages);
    return { ok: true, queued: messages.length };
  }

  /** The outgoing message of an event, or the OperationOutcome saying why it cannot be sent. */
  private messageOf(input: EventInput, options: IngressOptions = {}): OutgoingMessage | { outcome: OperationOutcome } {
    const sender = input?.envelope?.sender;
    if (sender !== this.partner.PARTNER_ID) {
      return refused(
        `This adapter publishes only as partner ${this.partner.PARTNER_ID}, not ${JSON.stringify(sender ?? null)}.`,
      );
    }
    const built = tryBuildEventBundle(input);
    if (!built.ok) return { outcome: built.outcome };
    const validation = validateMessageBundle(built.resource, this.validator);
    if (errorsOf(validation).length > 0) return { outcome: validation };
    const headers: Record<string, string> = {};
    if (options.orderingKey !== undefined)
      headers[AmqpHeaders.partitionKey] = orderingPartitionKey(this.partner.PARTNER_ID, options.orderingKey);
    return {
      exchange: INGRESS_EXCHANGE,
      routingKey: ingressRoutingKey(this.partner.PARTNER_ID, input.type),
      eventId: input.envelope.eventId,
      type: input.type,
      body: encodeBody(built.resource),
      correlationId: input.envelope.correlationId,
      traceparent: options.traceparent,
      timestamp: new Date(input.envelope.occurredAt),
      contentType: FHIR_JSON_CONTENT_TYPE,
      headers,
    };
  }
}

/**
 * The partition key of an ordering key: a SHA-256 of partner and key (hex, 32 characters), so the
 * header says nothing about the hearing or person, and two partners' keys never collide.
 */
export function orderingPartitionKey(partnerId: string, orderingKey: string): string {
  return createHash('sha256').update(`${partnerId}\u0000${orderingKey}`).digest('hex').slice(0, 32);
}

function refused(diagnostics: string): { outcome: OperationOutcome } {
  return { outcome: operationOutcome('error', 'forbidden', diagnostics, ['envelope.sender']) };
}
