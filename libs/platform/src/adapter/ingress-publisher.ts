import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Bundle } from 'fhir/r4';
import {
  AmqpHeaders,
  FHIR_JSON_CONTENT_TYPE,
  INGRESS_EXCHANGE,
  ingressRoutingKey,
  type OperationOutcome,
  type OperationOutcomeIssue,
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

/** An event ready for the outbox, or why it cannot be published. */
export type PreparedIngress =
  | { readonly ok: true; readonly message: OutgoingMessage; readonly bundle: Bundle }
  | { readonly ok: false; readonly outcome: OperationOutcome };

/** What a batch publish did: how many events were queued, and which were refused and why. */
export interface IngressBatchResult {
  readonly queued: number;
  readonly rejected: readonly { readonly index: number; readonly outcome: OperationOutcome }[];
}

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

  /** The outgoing message of an event, or the OperationOutcome saying why it cannot be sent. */
  prepare(input: EventInput, options: IngressOptions = {}): PreparedIngress {
    const sender = input?.envelope?.sender;
    if (sender !== this.partner.PARTNER_ID) {
      return refused(
        'forbidden',
        `This adapter publishes only as partner ${this.partner.PARTNER_ID}, not ${JSON.stringify(sender ?? null)}.`,
        'envelope.sender',
      );
    }
    const built = tryBuildEventBundle(input);
    if (!built.ok) return built;
    const validation = validateMessageBundle(built.resource, this.validator);
    if (errorsOf(validation).length > 0) return { ok: false, outcome: validation };
    const headers: Record<string, string> = {};
    if (options.orderingKey !== undefined)
      headers[AmqpHeaders.partitionKey] = orderingPartitionKey(this.partner.PARTNER_ID, options.orderingKey);
    const message: OutgoingMessage = {
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
    return { ok: true, message, bundle: built.resource };
  }

  /**
   * Queues one event in the outbox through `manager` (the caller's transaction). Returns undefined
   * when queued, or the OperationOutcome of an event that cannot be published (nothing queued).
   * After the transaction commits, call {@link notifyCommitted} so the relay sends at once.
   */
  async publish(
    manager: EntityManager,
    input: EventInput,
    options?: IngressOptions,
  ): Promise<OperationOutcome | undefined> {
    const prepared = this.prepare(input, options);
    if (!prepared.ok) return prepared.outcome;
    await this.outbox.add(manager, prepared.message);
    return undefined;
  }

  /** Prepares many events: the messages of those that can be sent, and the others' outcomes by index. */
  prepareAll(events: readonly IngressEvent[]): {
    readonly messages: OutgoingMessage[];
    readonly rejected: IngressBatchResult['rejected'];
  } {
    const messages: OutgoingMessage[] = [];
    const rejected: { index: number; outcome: OperationOutcome }[] = [];
    events.forEach((event, index) => {
      const prepared = this.prepare(event.input, event.options);
      if (prepared.ok) messages.push(prepared.message);
      else rejected.push({ index, outcome: prepared.outcome });
    });
    return { messages, rejected };
  }

  /** Queues prepared messages through `manager` in bulk inserts (a 5,000-hearing list is one request). */
  async enqueue(manager: EntityManager, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length > 0) await this.outbox.add(manager, ...messages);
  }

  /**
   * Queues many events in one bulk insert. Events that cannot be published are reported by
   * index; the others are queued (callers wanting all or nothing use {@link prepareAll}).
   */
  async publishAll(manager: EntityManager, events: readonly IngressEvent[]): Promise<IngressBatchResult> {
    const { messages, rejected } = this.prepareAll(events);
    await this.enqueue(manager, messages);
    return { queued: messages.length, rejected };
  }

  /** Wakes the outbox relay once the caller's transaction has committed. */
  notifyCommitted(): void {
    this.outbox.notifyCommitted();
  }
}

/**
 * The partition key of an ordering key: a SHA-256 of partner and key (hex, 32 characters), so the
 * header says nothing about the hearing or person, and two partners' keys never collide.
 */
export function orderingPartitionKey(partnerId: string, orderingKey: string): string {
  return createHash('sha256').update(`${partnerId}\u0000${orderingKey}`).digest('hex').slice(0, 32);
}

function refused(code: OperationOutcomeIssue['code'], diagnostics: string, expression: string): PreparedIngress {
  return {
    ok: false,
    outcome: {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code, diagnostics, expression: [expression] }],
    },
  };
}
