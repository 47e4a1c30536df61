import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { AmqpHeaders, EVENT_TYPES, RETRY_EXCHANGE, deadLetterQueue } from '@cstr/contracts';
import { AuditLog, type AuditRecordInput } from '@cstr/audit';
import {
  AmqpContext,
  Outcome,
  attemptOf,
  brokerVerifiedPublisher,
  isRedelivery,
  type BatchSink,
  type HandlerOutcome,
  type InboundMessage,
  type OutgoingMessage,
} from '@cstr/messaging';
import type { IngressRefusal } from './ingress-message';
import { IngressPipeline } from './ingress.pipeline';

/**
 * The `hub.ingress` handler of every catalogue event type: runs {@link IngressPipeline} in the
 * consumer's transaction (idempotent by event id). A refused event is recorded and acknowledged,
 * and its dead-letter copy goes to `hub.ingress.dlq` through the outbox in the same transaction:
 * a consumer's own dead-lettering would roll the refusal's audit record back.
 */
@Controller()
export class IngressController {
  /** A batch's audit records, appended in one go just before the batch commits. */
  private readonly auditSink: BatchSink<AuditRecordInput>;

  constructor(
    @Inject(IngressPipeline) private readonly pipeline: IngressPipeline,
    @Inject(AuditLog) audit: AuditLog,
  ) {
    this.auditSink = { write: async (manager, records) => void (await audit.append(manager, records)) };
  }

  @EventPattern([...EVENT_TYPES])
  async handle(@Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    const message = context.getMessage();
    const scope = context.getScope();
    if (!scope.manager) return Outcome.retry('The hub consumes hub.ingress only with a database');
    const { manager, collect } = scope;
    const appendAudit = collect
      ? (records: readonly AuditRecordInput[]) => Promise.resolve(collect(this.auditSink, ...records))
      : (records: readonly AuditRecordInput[]) => this.auditSink.write(manager, records);
    const result = await this.pipeline.process(
      { manager, publish: (...messages) => scope.publish(...messages), appendAudit },
      // Who published it, as the broker vouches, and whether it came back as a retry or replay.
      {
        ...message,
        publisher: brokerVerifiedPublisher(message.raw),
        redelivered: isRedelivery(message.raw, message.queue),
      },
    );
    if (result.kind === 'refused') await scope.publish(deadLetterCopy(message, result));
    return Outcome.done();
  }
}

/** The copy of a refused event parked in the dead-letter queue of its queue (`hub.ingress.dlq`), with the refusal's code and short reason (no personal data). */
export function deadLetterCopy(message: InboundMessage, refused: IngressRefusal): OutgoingMessage {
  const carried: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(message.raw.properties.headers ?? {})) {
    if (typeof value === 'string' || typeof value === 'number') carried[name] = value;
  }
  return {
    exchange: RETRY_EXCHANGE,
    routingKey: deadLetterQueue(message.queue),
    eventId: message.eventId,
    type: message.type,
    body: message.raw.content,
    correlationId: message.correlationId,
    traceparent: message.traceparent,
    contentType:
      typeof message.raw.properties.contentType === 'string' ? message.raw.properties.contentType : undefined,
    headers: {
      ...carried,
      [AmqpHeaders.originalRoutingKey]: message.routingKey,
      [AmqpHeaders.attempt]: attemptOf(message.raw),
      [AmqpHeaders.failureCode]: refused.code,
      [AmqpHeaders.failureReason]: refused.reason,
      [AmqpHeaders.failedQueue]: message.queue,
      [AmqpHeaders.deadLetteredAt]: new Date().toISOString(),
    },
  };
}
