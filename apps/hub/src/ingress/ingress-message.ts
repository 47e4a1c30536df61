import type { AuditRecordInput } from '@cstr/audit';
import type { OperationOutcome, EventType } from '@cstr/contracts';
import type { BatchSink, OutgoingMessage } from '@cstr/messaging';
import type { EntityManager } from 'typeorm';

/**
 * An event as it reaches the hub: from `hub.ingress` (an `InboundMessage` fits) or from the HTTP
 * `$process-message` endpoint, which fills it in the same way.
 */
export interface IngressMessage {
  /** The event id (AMQP `messageId`, a UUID). */
  readonly eventId: string;
  /** The event type the envelope claims (AMQP `type`). */
  readonly type: string;
  /** `<partner-id>.<event-type>`: the prefix is the sending partner (the broker checks the publisher may use it). */
  readonly routingKey: string;
  readonly correlationId?: string | undefined;
  readonly traceparent?: string | undefined;
  /** The parsed JSON body. */
  readonly body: unknown;
  /**
   * Who published it as the broker vouches: the AMQP `userId`, which RabbitMQ refuses unless it is
   * the publishing connection's own user. Undefined when the publisher set none (the routing key,
   * whose prefix the broker's topic permissions checked, then names the sender).
   */
  readonly publisher?: string | undefined;
  /**
   * True when it came back to `hub.ingress` under its redeliver key (a retry or a replayed dead
   * letter): only a copy the hub itself published is believed there.
   */
  readonly redelivered?: boolean;
}

/** The transaction the pipeline works in, and how it queues outgoing messages (the outbox). */
export interface IngressScope {
  /** An open transaction (READ COMMITTED): every effect of the event commits or none does. */
  readonly manager: EntityManager;
  /** Queues messages in the same transaction; published once it commits. */
  publish(...messages: readonly OutgoingMessage[]): Promise<void>;
  /**
   * Appends audit records in the same transaction. The queue consumer appends a whole batch's
   * records at once just before it commits, so the audit chain's head is locked once a batch, for
   * the shortest time.
   */
  appendAudit(records: readonly AuditRecordInput[]): Promise<void>;
  /** In a queue consumer's batch: rows written once just before the batch commits (see `HandlerScope.collect`). */
  readonly collect?: <T>(sink: BatchSink<T>, ...rows: readonly T[]) => void;
  /** In a queue consumer's batch: the rows collected and not yet written (see `HandlerScope.collected`). */
  readonly collected?: <T>(sink: BatchSink<T>) => readonly T[];
}

/** Stable codes of a refusal at ingress, carried in the dead-letter header `x-cstr-failure-code`. */
export const INGRESS_REFUSAL_CODES = [
  'unknown-sender',
  'unauthenticated-sender',
  'routing-key-mismatch',
  'unknown-event-type',
  'sender-kind-not-allowed',
  'invalid-bundle',
  'event-type-mismatch',
  'sender-endpoint-mismatch',
  'event-id-mismatch',
  'no-subject',
  'identity-unresolved',
] as const;

/** One code of {@link INGRESS_REFUSAL_CODES}. */
export type IngressRefusalCode = (typeof INGRESS_REFUSAL_CODES)[number];

/**
 * An event refused before any recipient was considered: a short `reason` without personal data
 * (fit for broker headers) and the full OperationOutcome (kept in the database and the audit).
 */
export interface IngressRefusal {
  readonly kind: 'refused';
  readonly code: IngressRefusalCode;
  readonly reason: string;
  readonly outcome: OperationOutcome;
}

/** One recipient's decision as the pipeline acted on it. */
export interface RecipientOutcome {
  readonly recipient: string;
  readonly decision: 'deliver' | 'refuse';
  /** The refusing rule, for a refusal. */
  readonly rule?: string;
}

/** The event was accepted: applied to the person's state, delivered where the agreements allow. */
export interface IngressAccepted {
  readonly kind: 'accepted';
  readonly eventType: EventType;
  readonly sender: string;
  /** The person index id of the subject. */
  readonly personId: string;
  readonly recipients: readonly RecipientOutcome[];
  /** Warnings met on the way (ignored identifiers), as an OperationOutcome. */
  readonly outcome: OperationOutcome;
}

/** What {@link IngressPipeline.process} did with one event. */
export type IngressResult = IngressAccepted | IngressRefusal;
