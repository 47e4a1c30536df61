import type { DataSource, EntityManager } from 'typeorm';
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
  const once = async (batch: readonly InboundMessage[], ordered: boolean): Promise<HandlerOutcome[]> => {
    try {
      return await processBatch(dataSource, consumerName, outbox, handle, batch, undefined, ordered);
    } catch (error) {
      if (!(error instanceof IsolateBatch)) throw error;
      // Rolled back already: in order, a retry undoes the whole batch (a dead letter is final and may settle alone).
      if (ordered && error.outcome.kind === 'retry') throw new OrderedRetryError(error.outcome.reason);
      return processBatch(dataSource, consumerName, outbox, handle, batch, error, ordered);
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

async function processBatch(
  dataSource: DataSource,
  consumerName: string,
  outbox: Outbox,
  handle: ScopedHandler,
  batch: readonly InboundMessage[],
  /** Set when redoing a batch message by message: the message that failed, and how. */
  failedBefore: IsolateBatch | undefined,
  /** A retry outcome undoes the whole batch (see BatchRunOptions.ordered). */
  ordered: boolean,
): Promise<HandlerOutcome[]> {
  const isolate = failedBefore !== undefined;
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const outcomes: HandlerOutcome[] = [];
  // Rows collected for the batch (kept once their message is done), and those of the message at hand.
  const batchRows = new Map<BatchSink<unknown>, unknown[]>();
  let messageRows = new Map<BatchSink<unknown>, unknown[]>();
  const outboxSink: BatchSink<OutgoingMessage> = { write: (manager, messages) => outbox.add(manager, ...messages) };
  try {
    await runner.startTransaction();
    const recorded = (await runner.query(
      `INSERT INTO messaging_processed_event (consumer, event_id)
       SELECT $1, id FROM unnest($2::uuid[]) AS id
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumerName, batch.map((message) => message.eventId)],
    )) as { event_id: string }[];
    const fresh = new Set(recorded.map((row) => row.event_id));
    const failed: string[] = [];
    const collect = <T>(sink: BatchSink<T>, ...rows: readonly T[]): void => {
      const list = messageRows.get(sink as BatchSink<unknown>) ?? [];
      list.push(...rows);
      messageRows.set(sink as BatchSink<unknown>, list);
    };
    const scope: HandlerScope = {
      manager: runner.manager,
      publish: (...messages) => Promise.resolve(collect(outboxSink, ...messages)),
      collect,
    };
    for (const [index, message] of batch.entries()) {
      // Seen before (a redelivery, or twice in this batch): its effects are already there.
      if (!fresh.delete(message.eventId)) {
        outcomes.push(Outcome.done());
        continue;
      }
      if (isolate) await runner.query('SAVEPOINT cstr_message');
      messageRows = new Map();
      const outcome = failedBefore?.index === index ? failedBefore.outcome : await runHandler(handle, message, scope);
      if (outcome.kind === 'done') {
        for (const [sink, rows] of messageRows) {
          const kept = batchRows.get(sink) ?? [];
          kept.push(...rows);
          batchRows.set(sink, kept);
        }
      }
      if (outcome.kind !== 'done') {
        if (!isolate) throw new IsolateBatch(index, outcome);
        if (ordered && outcome.kind === 'retry') throw new OrderedRetryError(outcome.reason);
        await runner.query('ROLLBACK TO SAVEPOINT cstr_message');
        failed.push(message.eventId);
      } else if (isolate) {
        await runner.query('RELEASE SAVEPOINT cstr_message');
      }
      outcomes.push(outcome);
    }
    for (const [sink, rows] of batchRows) if (rows.length > 0) await sink.write(runner.manager, rows);
    // A failed message is not processed: forget its record so its retry runs the handler.
    if (failed.length > 0) {
      await runner.query('DELETE FROM messaging_processed_event WHERE consumer = $1 AND event_id = ANY($2::uuid[])', [
        consumerName,
        failed,
      ]);
    }
    await runner.commitTransaction();
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
  return outcomes;
}
