import type { DataSource, EntityManager } from 'typeorm';
import { Outbox, type OutgoingMessage } from '@cstr/messaging';

/**
 * An outbox that keeps what it is given instead of inserting it, for unit tests of code that
 * publishes (the SQL itself is exercised by the integration tests against PostgreSQL).
 */
export class RecordingOutbox extends Outbox {
  /** Every message queued, in order. */
  readonly queued: OutgoingMessage[] = [];
  /** The messages of each `add` call. */
  readonly calls: OutgoingMessage[][] = [];

  override add(_manager: EntityManager, ...messages: readonly OutgoingMessage[]): Promise<void> {
    this.calls.push([...messages]);
    this.queued.push(...messages);
    return Promise.resolve();
  }
}

/**
 * A data source whose `transaction(work)` runs `work` on `manager` (a stand-in), counting the
 * transactions it was asked for.
 */
export function transactionStub(manager = {} as EntityManager): { dataSource: DataSource; transactions: () => number } {
  let transactions = 0;
  const dataSource = {
    transaction: <T>(work: (manager: EntityManager) => Promise<T>) => {
      transactions += 1;
      return work(manager);
    },
  } as unknown as DataSource;
  return { dataSource, transactions: () => transactions };
}
