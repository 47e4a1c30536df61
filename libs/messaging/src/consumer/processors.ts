import type { DataSource, EntityManager } from 'typeorm';
import { HandlerOutcome, Outcome, describeFailure } from '../handler-outcome';
import { OutgoingMessage } from '../message';
import { Outbox } from '../outbox/outbox';
import { InboundMessage } from './inbound-message';
import { BatchProcessor } from './queue-consumer';

/** What a handler may use besides the message itself. */
export interface HandlerScope {
  /**
   * The transaction the handler's effects must go through: it commits together with the
   * record that this consumer processed this event. Undefined for a consumer without a database.
   */
  readonly manager: EntityManager | undefined;
  /** Queues outgoing events in the same transaction (outbox); they are published after commit. */
  publish(...messages: readonly OutgoingMessage[]): Promise<void>;
}

/** Handles one message; a thrown error means retry. */
export type ScopedHandler = (message: InboundMessage, scope: HandlerScope) => Promise<HandlerOutcome>;

async function runHandler(handle: ScopedHandler, message: InboundMessage, scope: HandlerScope): Promise<HandlerOutcome> {
  try {
    return await handle(message, scope);
  } catch (error) {
    return Outcome.retry(describeFailure(error));
  }
}

/** Runs each message through the handler in order, without a database (no idempotency record). */
export function sequentialProcessor(handle: ScopedHandler): BatchProcessor {
  const scope: HandlerScope = {
    manager: undefined,
    publish: () => Promise.reject(new Error('This consumer has no database: it cannot publish through an outbox')),
  };
  return async (batch) => {
    const outcomes: HandlerOutcome[] = [];
    for (const message of batch) outcomes.push(await runHandler(handle, message, scope));
    return outcomes;
  };
}

/**
 * The idempotent consumer. A batch runs in one transaction; each message in its own savepoint:
 * record (consumer, event id) — skipped as a duplicate when already recorded —, run the handler
 * through the same transaction, and roll the savepoint back unless the handler is done.
 * One commit covers the batch, then the messages are acknowledged; a crash before the commit
 * redoes the batch, a crash after it finds every event already recorded.
 */
export function idempotentProcessor(dataSource: DataSource, consumerName: string, outbox: Outbox, handle: ScopedHandler): BatchProcessor {
  return async (batch) => {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    const outcomes: HandlerOutcome[] = [];
    let queuedOutgoing = false;
    try {
      await runner.startTransaction();
      const scope: HandlerScope = {
        manager: runner.manager,
        publish: async (...messages) => {
          await outbox.add(runner.manager, ...messages);
          queuedOutgoing = true;
        },
      };
      for (const message of batch) {
        await runner.query('SAVEPOINT cstr_message');
        const recorded = (await runner.query(
          'INSERT INTO messaging_processed_event (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1',
          [consumerName, message.eventId],
        )) as unknown[];
        if (recorded.length === 0) {
          // Seen before (a redelivery): its effects are already committed.
          await runner.query('RELEASE SAVEPOINT cstr_message');
          outcomes.push(Outcome.done());
          continue;
        }
        const outcome = await runHandler(handle, message, scope);
        await runner.query(outcome.kind === 'done' ? 'RELEASE SAVEPOINT cstr_message' : 'ROLLBACK TO SAVEPOINT cstr_message');
        outcomes.push(outcome);
      }
      await runner.commitTransaction();
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
    if (queuedOutgoing) outbox.notifyCommitted();
    return outcomes;
  };
}
