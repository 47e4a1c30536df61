import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLog, type AuditRecordInput } from '@cstr/audit';
import {
  AmqpHeaders,
  OperationOutcomeError,
  deadLetterQueue,
  operationOutcome,
  redeliverRoutingKey,
  retryExchangeOf,
  type IssueType,
} from '@cstr/contracts';
import { Outbox } from '@cstr/messaging';
import { DeadLetterStore, type DeadLetterView, type ReplayFilter, type StoredDeadLetter } from './dead-letter.store';
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

/** Why a dead letter cannot be sent back (the issue code of the 422 a single replay answers). */
interface ReplayProblem {
  readonly code: IssueType;
  readonly diagnostics: string;
}

/** One dead letter of a bulk replay, as the answer lists it: metadata only, never the body. */
export interface BulkReplayItem {
  readonly id: string;
  readonly queue: string;
  readonly partner: string | null;
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly failureCode: string | null;
  readonly failureReason: string | null;
  readonly receivedAt: string;
  /** Seconds since the hub received it, by the hub's clock. */
  readonly ageSeconds: number;
}

/** The answer of a bulk replay or of its dry run. */
export interface BulkReplay {
  readonly dryRun: boolean;
  /** How many were (or, in a dry run, would be) sent back. */
  readonly count: number;
  readonly deadLetters: readonly BulkReplayItem[];
  /** Matching dead letters the hub will not send back, and why. */
  readonly notReplayable: readonly { readonly id: string; readonly reason: string }[];
  /** More dead letters match beyond `limit`: run it again. */
  readonly more: boolean;
}

/**
 * Replays dead letters: in one transaction, queues a copy (same event id, type, correlation,
 * partition key and trace; the original routing key the hub believes; attempt 1) to the queue whose
 * DLQ it was drained from — `hub.ingress` under `hub.ingress.redeliver` on `cstr.retry`, or a
 * partner's inbox under its redeliver key on that partner's retry exchange — through the outbox,
 * marks the row replayed by the operator, and appends an audit record. A dead letter the hub does
 * not believe (see DeadLetterProvenance: no replay target) is refused. A dead letter is replayed at
 * most once; if it fails again it comes back as a new dead letter. A bulk replay does the same for
 * every dead letter a filter matches, in one transaction, and audits the filter and the count too.
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
      const problem = this.replayProblem(letter);
      if (problem)
        throw new OperationOutcomeError(
          HttpStatus.UNPROCESSABLE_ENTITY,
          operationOutcome('error', problem.code, problem.diagnostics),
        );
      const replayedAt = await this.sendBack(manager, letter, actor);
      await this.audit.append(manager, [replayRecord(letter, actor)]);
      return { ...stripStored(letter), replayedAt: replayedAt.toISOString(), replayedBy: actor };
    });
    return replayed;
  }

  /**
   * Replays, as `actor`, every dead letter not replayed yet that `filter` matches (at most its
   * limit, oldest first), or with `dryRun` only lists them. The real replay locks the rows it takes
   * (skipping rows another replay holds), sends each back as {@link replay} does and audits each,
   * plus one record naming the filter and the count, all in one transaction.
   */
  async replayMatching(
    filter: ReplayFilter,
    describedFilter: string,
    actor: string,
    dryRun: boolean,
  ): Promise<BulkReplay> {
    const now = Date.now();
    if (dryRun) {
      const matching = await this.store.matchingForReplay(this.dataSource.manager, filter, false);
      return this.answer(matching.deadLetters, matching.more, true, now);
    }
    const answer = await this.dataSource.transaction(async (manager) => {
      const matching = await this.store.matchingForReplay(manager, filter, true);
      const bulk = this.answer(matching.deadLetters, matching.more, false, now);
      const records: AuditRecordInput[] = [];
      for (const item of bulk.deadLetters) {
        const letter = await this.store.lockForReplay(manager, item.id);
        if (!letter) continue; // Locked above in this transaction: it is there.
        await this.sendBack(manager, letter, actor);
        records.push(replayRecord(letter, actor, true));
      }
      records.push({
        kind: 'operator-action',
        outcome: 'performed',
        actor,
        reason: `Bulk replay of ${bulk.count} dead letter(s) matching ${describedFilter}${
          bulk.notReplayable.length > 0 ? `; ${bulk.notReplayable.length} matching not replayable` : ''
        }${bulk.more ? '; more match beyond the limit' : ''}`,
      });
      await this.audit.append(manager, records);
      return bulk;
    });
    return answer;
  }

  private answer(letters: readonly DeadLetterView[], more: boolean, dryRun: boolean, now: number): BulkReplay {
    const deadLetters: BulkReplayItem[] = [];
    const notReplayable: { id: string; reason: string }[] = [];
    for (const letter of letters) {
      const problem = this.replayProblem(letter);
      if (problem) notReplayable.push({ id: letter.id, reason: problem.diagnostics });
      else deadLetters.push(itemOf(letter, now));
    }
    return { dryRun, count: deadLetters.length, deadLetters, notReplayable, more };
  }

  /**
   * Why `letter` cannot be sent back, if it cannot: only to the queue whose DLQ it came from
   * (recorded from the DLQ's name at drain time, null when the hub does not believe who wrote it),
   * so a header cannot send it to another partner's inbox; and only with an event id and type.
   */
  private replayProblem(letter: DeadLetterView): ReplayProblem | undefined {
    if (
      !letter.failedQueue ||
      !this.queues.replayable.has(letter.failedQueue) ||
      letter.queue !== deadLetterQueue(letter.failedQueue)
    )
      return {
        code: 'not-supported',
        diagnostics: `Dead letter ${letter.id} cannot be sent back: the hub does not know who wrote it (${letter.failureCode ?? 'no code'}), or its queue is not one the hub replays to.`,
      };
    if (!letter.eventId || !UUID.test(letter.eventId) || !letter.eventType)
      return {
        code: 'invalid',
        diagnostics: `Dead letter ${letter.id} has no event id (UUID) or no event type: it cannot be replayed, only inspected.`,
      };
    return undefined;
  }

  /** Queues the copy through the outbox and marks the row replayed; `letter` is locked and replayable. */
  private async sendBack(manager: EntityManager, letter: StoredDeadLetter, actor: string): Promise<Date> {
    const failedQueue = letter.failedQueue as string;
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
      exchange: retryExchangeOf(failedQueue),
      routingKey: redeliverRoutingKey(failedQueue),
      eventId: letter.eventId as string,
      type: letter.eventType as string,
      body: letter.body,
      headers,
      ...(letter.contentType ? { contentType: letter.contentType } : {}),
      ...(letter.correlationId ? { correlationId: letter.correlationId } : {}),
      ...(typeof traceparent === 'string' ? { traceparent } : {}),
    });
    return this.store.markReplayed(manager, letter.id, actor);
  }
}

/** The audit record of one replayed dead letter, alone or in a bulk replay. */
function replayRecord(letter: DeadLetterView, actor: string, bulk = false): AuditRecordInput {
  return {
    kind: 'operator-action',
    outcome: 'performed',
    actor,
    ...(letter.eventId ? { eventId: letter.eventId } : {}),
    ...(letter.eventType ? { eventType: letter.eventType } : {}),
    reason: `Replayed dead letter ${letter.id} (${letter.failureCode ?? 'no code'}) to ${letter.failedQueue ?? 'nowhere'}${bulk ? ' in a bulk replay' : ''}`,
  };
}

function itemOf(letter: DeadLetterView, now: number): BulkReplayItem {
  return {
    id: letter.id,
    queue: letter.queue,
    partner: letter.partner,
    eventId: letter.eventId,
    eventType: letter.eventType,
    failureCode: letter.failureCode,
    failureReason: letter.failureReason,
    receivedAt: letter.receivedAt,
    ageSeconds: Math.max(0, Math.floor((now - Date.parse(letter.receivedAt)) / 1000)),
  };
}

function stripStored(
  letter: DeadLetterView & { headers?: unknown; body?: unknown; contentType?: unknown; correlationId?: unknown },
): DeadLetterView {
  const { headers: _headers, body: _body, contentType: _contentType, correlationId: _correlationId, ...view } = letter;
  return view;
}
