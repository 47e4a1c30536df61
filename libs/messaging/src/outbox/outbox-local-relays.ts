import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';

/**
 * The relays running in this process, by the DataSource they read the outbox through. An
 * {@link Outbox} writing through that DataSource in a transaction wakes them in-process when the
 * transaction commits, instead of issuing a NOTIFY: PostgreSQL serialises the commits of every
 * transaction that notifies (a database-wide lock held through the commit's WAL flush), so a
 * NOTIFY per transaction caps how fast producers commit.
 */
const relays = new WeakMap<DataSource, Set<() => void>>();

/** Transactions that queued outbox rows, until they commit or roll back. */
const pending = new WeakSet<QueryRunner>();

/** Wakes the local relays of the transaction that committed; forgets one rolled back. */
const commits: EntitySubscriberInterface = {
  afterTransactionCommit({ queryRunner }): void {
    // Committing a nested transaction only releases a savepoint: the rows are not visible yet.
    if (queryRunner.isTransactionActive || !pending.delete(queryRunner)) return;
    for (const wake of relays.get(queryRunner.connection) ?? []) wake();
  },
  afterTransactionRollback({ queryRunner }): void {
    if (!queryRunner.isTransactionActive) pending.delete(queryRunner);
  },
};

/** Registers a running relay of `dataSource`; returns how to unregister it. */
export function registerLocalRelay(dataSource: DataSource, wake: () => void): () => void {
  const wakes = relays.get(dataSource) ?? new Set<() => void>();
  relays.set(dataSource, wakes);
  wakes.add(wake);
  return () => wakes.delete(wake);
}

/**
 * Arranges for the local relays to be woken when the transaction of `manager` commits. False
 * when there is none to wake, or when `manager` is in no transaction TypeORM manages (autocommit,
 * or a BEGIN of the caller's own): the rows then need the NOTIFY.
 */
export function wakeLocalRelaysOnCommit(manager: EntityManager): boolean {
  const runner = manager.queryRunner;
  const dataSource = manager.connection;
  if (!runner?.isTransactionActive || !relays.get(dataSource)?.size) return false;
  // Set up again after the DataSource is initialised anew (TypeORM then rebuilds its subscribers).
  if (!dataSource.subscribers.includes(commits)) dataSource.subscribers.push(commits);
  pending.add(runner);
  return true;
}
