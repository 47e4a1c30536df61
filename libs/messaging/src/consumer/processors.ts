import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { isTransactionConflict } from '@cstr/contracts';
import { HandlerOutcome, Outcome, describeFailure } from '../handler-outcome';
import { OutgoingMessage } from '../message';
import { Outbox } from '../outbox/outbox';
import { InboundMessage } from './inbound-message';
import { BatchProcessor } from './queue-consumer';

/**
 * A handler asked for a retry in a batch run in order (`BatchRunOptions.ordered`): the batch is
 * undone so that the consumer can try it again in place, before any later message.
 */
export class OrderedRetryError extends Error {
  constructor(readonly reason: string) {
    super(`A handler asked for a retry: ${reason}`);
    this.name = OrderedRetryError.name;
  }
}

/** What a handler may use besides the message itself. */
export interface HandlerScope {
  /**
   * The transaction the handler's effects must go through: it commits together with the
   * record that this consumer processed this event. Undefined for a consumer without a database.
   */
  readonly manager: EntityManager | undefined;
  /** Queues outgoing events in the same transaction (outbox); they are published after commit. */
  publish(...messages: readonly OutgoingMessage[]): Promise<void>;
  /**
   * Adds rows to a batch-wide collection that `sink` writes once, just before the batch commits
   * (one statement and one lock for the whole batch instead of one per message). The rows of a
   * message that does not finish are dropped with its other effects. Only a transactional
   * consumer has it.
   */
  readonly collect?: <T>(sink: BatchSink<T>, ...rows: readonly T[]) => void;
  /**
   * The rows collected for `sink` so far in this batch and not yet written — those of the
   * finished messages, then the message at hand's — in order: a handler reads its own batch's
   * pending writes here (a later event of the same person in the batch). Only with `collect`.
   */
  readonly collected?: <T>(sink: BatchSink<T>) => readonly T[];
}

/** Writes the rows handlers collected in one batch (see {@link HandlerScope.collect}), in their order. */
export interface BatchSink<T> {
  write(manager: EntityManager, rows: readonly T[]): Promise<void>;
}

/** Handles one message; a thrown error means retry. */
export type ScopedHandler = (message: InboundMessage, scope: HandlerScope) => Promise<HandlerOutcome>;

async function runHandler(
  handle: ScopedHandler,
  message: InboundMessage,
  scope: HandlerScope,
): Promise<HandlerOutcome> {
  try {
    return await handle(message, scope);
  } catch (error) {
    // A deadlock aborts the whole transaction: the batch is redone (see idempotentProcessor).
    if (scope.manager && isTransactionConflict(error)) throw error;
    return Outcome.retry(describeFailure(error));
  }
}

/** Runs each message through the handler in order, without a database (no idempotency record). */
export function sequentialProcessor(handle: ScopedHandler): BatchProcessor {
  const scope: HandlerScope = {
    manager: undefined,
    publish: () => Promise.reject(new Error('This consumer has no database: it cannot publish through an outbox')),
  };
  return async (batch, options) => {
    const outcomes: HandlerOutcome[] = [];
    for (const message of batch) {
      const outcome = await runHandler(handle, message, scope);
      // No transaction to undo: the messages before it may run again, as after any crash.
      if (options?.ordered && outcome.kind === 'retry') throw new OrderedRetryError(outcome.reason);
      outcomes.push(outcome);
    }
    return outcomes;
  };
}

/** A handler in an optimistic batch did not finish: the batch is redone message by message. */
class IsolateBatch extends Error {
  constructor(
    readonly index: number,
    readonly outcome: HandlerOutcome,
  ) {
    super('isolate batch');
  }
}

/**
 * The idempotent consumer. A batch runs in one transaction: record (consumer, event id) for
 * every message at once — those already recorded are duplicates, acknowledged without running
 * the handler —, run each new message's handler through that transaction, commit, and only then
 * acknowledge. A crash before the commit redoes the batch; a crash after it finds every event
 * recorded. Optimistically the whole batch shares the transaction; if any handler does not
 * finish, the transaction is rolled back and the batch redone with a savepoint per message, so
 * a failed message's effects and record are undone alone (its outcome is kept, not recomputed).
 * The handlers before it in that batch therefore run a second time — as after any crash, a
 * handler may run more than once for an event: its database effects apply once, and its other
 * effects must be idempotent.
 */
export function idempotentProcessor(
  dataSource: DataSource,
  consumerName: string,
  outbox: Outbox,
  handle: ScopedHandler,
): BatchProcessor {
  const consumer: IdempotentConsumer = { dataSource, consumerName, outbox, handle };
  const once = async (batch: readonly InboundMessage[], ordered: boolean): Promise<HandlerOutcome[]> => {
    try {
      return await processBatch(consumer, batch, undefined, ordered);
    } catch (error) {
      if (!(error instanceof IsolateBatch)) throw error;
      // Rolled back already: in order, a retry undoes the whole batch (a dead letter is final and may settle alone).
      if (ordered && error.outcome.kind === 'retry') throw new OrderedRetryError(error.outcome.reason);
      return processBatch(consumer, batch, error, ordered);
    }
  };
  return async (batch, options) => {
    // Batches in parallel lanes can deadlock on rows of one person (PostgreSQL aborts one of them):
    // the aborted batch is redone at once, in order, rather than sent to the retry queues.
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(batch, options?.ordered ?? false);
      } catch (error) {
        if (attempt >= CONFLICT_ATTEMPTS || !isTransactionConflict(error)) throw error;
      }
    }
  };
}

/** Times a batch is redone after a deadlock or serialization failure before its messages are retried later. */
const CONFLICT_ATTEMPTS = 5;

/** What an idempotent consumer works with. */
interface IdempotentConsumer {
  readonly dataSource: DataSource;
  readonly consumerName: string;
  readonly outbox: Outbox;
  readonly handle: ScopedHandler;
}

/**
 * One pass over a batch in one transaction: records the new event ids, runs each new message
 * (see {@link BatchPass}), writes the rows the handlers collected, forgets the failed messages'
 * records, commits. Duplicates are done without running their handler.
 */
async function processBatch(
  consumer: IdempotentConsumer,
  batch: readonly InboundMessage[],
  /** Set when redoing a batch message by message: the message that failed, and how. */
  failedBefore: IsolateBatch | undefined,
  /** A retry outcome undoes the whole batch (see BatchRunOptions.ordered). */
  ordered: boolean,
): Promise<HandlerOutcome[]> {
  return inTransaction(consumer.dataSource, async (runner) => {
    const fresh = await recordNewEvents(runner, consumer.consumerName, batch);
    const pass = new BatchPass(runner, consumer, failedBefore, ordered);
    const outcomes: HandlerOutcome[] = [];
    for (const [index, message] of batch.entries()) {
      // Seen before (a redelivery, or twice in this batch): its effects are already there.
      outcomes.push(fresh.delete(message.eventId) ? await pass.run(message, index) : Outcome.done());
    }
    await pass.writeCollectedRows();
    const failed = batch.filter((_, index) => outcomes[index].kind !== 'done').map((message) => message.eventId);
    await forgetEvents(runner, consumer.consumerName, failed);
    return outcomes;
  });
}

/** Runs `work` in a transaction of its own connection: committed when it returns, rolled back when it throws. */
async function inTransaction<T>(dataSource: DataSource, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    const result = await work(runner);
    await runner.commitTransaction();
    return result;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}

/** Records (consumer, event id) for the batch at once; returns the ids not recorded before. */
async function recordNewEvents(
  runner: QueryRunner,
  consumerName: string,
  batch: readonly InboundMessage[],
): Promise<Set<string>> {
  const recorded = (await runner.query(
    `INSERT INTO messaging_processed_event (consumer, event_id)
     SELECT $1, id FROM unnest($2::uuid[]) AS id
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [consumerName, batch.map((message) => message.eventId)],
  )) as { event_id: string }[];
  return new Set(recorded.map((row) => row.event_id));
}

/** A failed message is not processed: its record goes, so that its retry runs the handler. */
async function forgetEvents(runner: QueryRunner, consumerName: string, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await runner.query('DELETE FROM messaging_processed_event WHERE consumer = $1 AND event_id = ANY($2::uuid[])', [
    consumerName,
    eventIds,
  ]);
}

/**
 * The handlers' runs of one pass, through one transaction. Optimistic (no `failedBefore`): a
 * message that does not finish throws {@link IsolateBatch}, undoing the batch. Isolating: each
 * message runs in a savepoint, rolled back alone when it does not finish. Rows collected through
 * the scope (outgoing messages, audit records…) are kept only for messages that finish, and
 * written once for the batch.
 */
class BatchPass {
  /** Rows collected for the batch (kept once their message is done), and those of the message at hand. */
  private readonly batchRows = new Map<BatchSink<unknown>, unknown[]>();
  private messageRows = new Map<BatchSink<unknown>, unknown[]>();
  private readonly scope: HandlerScope;

  constructor(
    private readonly runner: QueryRunner,
    private readonly consumer: IdempotentConsumer,
    private readonly failedBefore: IsolateBatch | undefined,
    private readonly ordered: boolean,
  ) {
    const outboxSink: BatchSink<OutgoingMessage> = {
      write: (manager, messages) => consumer.outbox.add(manager, ...messages),
    };
    const collect = <T>(sink: BatchSink<T>, ...rows: readonly T[]): void => {
      const list = this.messageRows.get(sink as BatchSink<unknown>) ?? [];
      list.push(...rows);
      this.messageRows.set(sink as BatchSink<unknown>, list);
    };
    const collected = <T>(sink: BatchSink<T>): readonly T[] => [
      ...((this.batchRows.get(sink as BatchSink<unknown>) ?? []) as T[]),
      ...((this.messageRows.get(sink as BatchSink<unknown>) ?? []) as T[]),
    ];
    this.scope = {
      manager: runner.manager,
      publish: (...messages) => Promise.resolve(collect(outboxSink, ...messages)),
      collect,
      collected,
    };
  }

  /** Runs the handler of one new message (or takes the outcome it had before the batch was redone). */
  async run(message: InboundMessage, index: number): Promise<HandlerOutcome> {
    const isolate = this.failedBefore !== undefined;
    if (isolate) await this.runner.query('SAVEPOINT cstr_message');
    this.messageRows = new Map();
    const outcome =
      this.failedBefore?.index === index
        ? this.failedBefore.outcome
        : await runHandler(this.consumer.handle, message, this.scope);
    if (outcome.kind === 'done') {
      this.keepMessageRows();
      if (isolate) await this.runner.query('RELEASE SAVEPOINT cstr_message');
      return outcome;
    }
    if (!isolate) throw new IsolateBatch(index, outcome);
    if (this.ordered && outcome.kind === 'retry') throw new OrderedRetryError(outcome.reason);
    await this.runner.query('ROLLBACK TO SAVEPOINT cstr_message');
    return outcome;
  }

  /** Writes what the finished messages collected, one statement per sink. */
  async writeCollectedRows(): Promise<void> {
    for (const [sink, rows] of this.batchRows) if (rows.length > 0) await sink.write(this.runner.manager, rows);
  }

  private keepMessageRows(): void {
    for (const [sink, rows] of this.messageRows) {
      const kept = this.batchRows.get(sink) ?? [];
      kept.push(...rows);
      this.batchRows.set(sink, kept);
    }
  }
}
