import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { EVENT_TYPES, isIngressPartitionQueue } from '@cstr/contracts';
import { AuditLog, type AuditRecordInput } from '@cstr/audit';
import { AmqpContext, Outcome, deadLetterCopy, type BatchSink, type HandlerOutcome } from '@cstr/messaging';
import { BundleValidation } from './bundle-validation';
import { ingressProvenance } from './ingress-provenance';
import { IngressPipeline } from './ingress.pipeline';

/**
 * The handler of every catalogue event type on the ingress partitions (`hub.ingress.p<k>`): runs {@link IngressPipeline} in the
 * consumer's transaction (idempotent by event id). A refused event is recorded and acknowledged,
 * and its dead-letter copy goes to `hub.ingress.dlq` (a partition's DLQ key is bound there) through the outbox in the same transaction:
 * a consumer's own dead-lettering would roll the refusal's audit record back.
 */
@Controller()
export class IngressController {
  /** Per queue, a batch's audit records, appended in one go just before the batch commits. */
  private readonly auditSinks = new Map<string, BatchSink<AuditRecordInput>>();

  constructor(
    @Inject(IngressPipeline) private readonly pipeline: IngressPipeline,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(BundleValidation) private readonly validation: BundleValidation,
  ) {}

  /**
   * The audit sink of a queue: each partition appends to a chain of its own (named after it), so
   * hub instances applying different partitions never wait for one chain head.
   */
  private auditSinkOf(queue: string): BatchSink<AuditRecordInput> {
    let sink = this.auditSinks.get(queue);
    if (!sink) {
      const chain = isIngressPartitionQueue(queue) ? queue : undefined;
      sink = { write: async (manager, records) => void (await this.audit.append(manager, records, { chain })) };
      this.auditSinks.set(queue, sink);
    }
    return sink;
  }

  @EventPattern([...EVENT_TYPES])
  async handle(@Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    const message = context.getMessage();
    const scope = context.getScope();
    if (!scope.manager) return Outcome.retry('The hub consumes hub.ingress only with a database');
    const { manager, collect, collected } = scope;
    const auditSink = this.auditSinkOf(message.queue);
    const appendAudit = collect
      ? (records: readonly AuditRecordInput[]) => Promise.resolve(collect(auditSink, ...records))
      : (records: readonly AuditRecordInput[]) => auditSink.write(manager, records);
    const result = await this.pipeline.process(
      { manager, publish: (...messages) => scope.publish(...messages), appendAudit, collect, collected },
      // Who published it to hub.ingress, as the broker vouches (carried by the router to a partition), and whether it came back as a retry or replay.
      { ...message, ...ingressProvenance(message.raw, message.queue) },
      { validated: this.validation.validated(message.body) },
    );
    // The refusal's code and short reason carry no personal data.
    if (result.kind === 'refused') await scope.publish(deadLetterCopy(message.raw, { queue: message.queue }, result));
    return Outcome.done();
  }
}
