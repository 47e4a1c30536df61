import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cstr/audit';
import {
  AmqpHeaders,
  OperationOutcomeError,
  deadLetterQueue,
  operationOutcome,
  redeliverRoutingKey,
  retryExchangeOf,
} from '@cstr/contracts';
import { Outbox } from '@cstr/messaging';
import { DeadLetterStore, type DeadLetterView } from './dead-letter.store';
import { DeadLetterQueues } from './dead-letter-queues';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Failure headers a replayed copy leaves behind: it starts over as a first attempt. */
const FAILURE_HEADERS: ReadonlySet<string> = new Set([
  AmqpHeaders.attempt,
  AmqpHeaders.failureCode,
  AmqpHeaders.failureReason,
  AmqpHeaders.failedQueue,
  AmqpHeaders.deadLetteredAt,
]);

/**
 * Replays a dead letter: in one transaction, queues a copy (same event id, type, correlation,
 * partition key and trace; the original routing key the hub believes; attempt 1) to the queue whose
 * DLQ it was drained from — `hub.ingress` under `hub.ingress.redeliver` on `cstr.retry`, or a
 * partner's inbox under its redeliver key on that partner's retry exchange — through the outbox,
 * marks the row replayed by the operator, and appends an audit record. A dead letter the hub does
 * not believe (see DeadLetterProvenance: no replay target) is refused. A dead letter is replayed at
 * most once; if it fails again it comes back as a new dead letter.
 */
@Injectable()
export class DeadLetterReplayService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(DeadLetterStore) private readonly store: DeadLetterStore,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(DeadLetterQueues) private readonly queues: DeadLetterQueues,
  ) {}

  /** Replays dead letter `id` as `actor`; throws an {@link OperationOutcomeError} (404, 409, 422) when it cannot. */
  async replay(id: string, actor: string): Promise<DeadLetterView> {
    const replayed = await this.dataSource.transaction(async (manager) => {
      const letter = await this.store.lockForReplay(manager, id);
      if (!letter)
        throw new OperationOutcomeError(
          HttpStatus.NOT_FOUND,
          operationOutcome('error', 'not-found', `No dead letter ${id}.`),
        );
      if (letter.replayedAt) {
        throw new OperationOutcomeError(
          HttpStatus.CONFLICT,
          operationOutcome(
            'error',
            'conflict',
            `Dead letter ${id} was already replayed at ${letter.replayedAt} by ${letter.replayedBy ?? 'unknown'}.`,
          ),
        );
      }
      // Back only to the queue whose DLQ it came from (recorded from the DLQ's name at drain time, null
      // when the hub does not believe who wrote it): a header cannot send it to another partner's inbox.
      if (
        !letter.failedQueue ||
        !this.queues.replayable.has(letter.failedQueue) ||
        letter.queue !== deadLetterQueue(letter.failedQueue)
      ) {
        throw new OperationOutcomeError(
          HttpStatus.UNPROCESSABLE_ENTITY,
          operationOutcome(
            'error',
            'not-supported',
            `Dead letter ${id} cannot be sent back: the hub does not know who wrote it (${letter.failureCode ?? 'no code'}), or its queue is not one the hub replays to.`,
          ),
        );
      }
      if (!letter.eventId || !UUID.test(letter.eventId) || !letter.eventType) {
        throw new OperationOutcomeError(
          HttpStatus.UNPROCESSABLE_ENTITY,
          operationOutcome(
            'error',
            'invalid',
            `Dead letter ${id} has no event id (UUID) or no event type: it cannot be replayed, only inspected.`,
          ),
        );
      }
      const headers: Record<string, string | number> = { [AmqpHeaders.attempt]: 1 };
      for (const [name, value] of Object.entries(letter.headers)) {
        if (
          !FAILURE_HEADERS.has(name) &&
          name !== AmqpHeaders.traceparent &&
          (typeof value === 'string' || typeof value === 'number')
        )
          headers[name] = value;
      }
      const traceparent = letter.headers[AmqpHeaders.traceparent];
      await this.outbox.add(manager, {
        exchange: retryExchangeOf(letter.failedQueue),
        routingKey: redeliverRoutingKey(letter.failedQueue),
        eventId: letter.eventId,
        type: letter.eventType,
        body: letter.body,
        headers,
        ...(letter.contentType ? { contentType: letter.contentType } : {}),
        ...(letter.correlationId ? { correlationId: letter.correlationId } : {}),
        ...(typeof traceparent === 'string' ? { traceparent } : {}),
      });
      const replayedAt = await this.store.markReplayed(manager, id, actor);
      await this.audit.append(manager, [
        {
          kind: 'operator-action',
          outcome: 'performed',
          actor,
          eventId: letter.eventId,
          eventType: letter.eventType,
          reason: `Replayed dead letter ${id} (${letter.failureCode ?? 'no code'}) to ${letter.failedQueue}`,
        },
      ]);
      return { ...stripStored(letter), replayedAt: replayedAt.toISOString(), replayedBy: actor };
    });
    this.outbox.notifyCommitted();
    return replayed;
  }
}

function stripStored(
  letter: DeadLetterView & { headers?: unknown; body?: unknown; contentType?: unknown; correlationId?: unknown },
): DeadLetterView {
  const { headers: _headers, body: _body, contentType: _contentType, correlationId: _correlationId, ...view } = letter;
  return view;
}
