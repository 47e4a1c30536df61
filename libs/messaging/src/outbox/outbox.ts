import type { EntityManager } from 'typeorm';
import { OutgoingMessage } from '../message';
import { OUTBOX_CHANNEL_SQL } from './outbox-commit-listener';
import { wakeLocalRelaysOnCommit } from './outbox-local-relays';

/**
 * The write side of the transactional outbox: `add()` inserts the outgoing event through the
 * caller's transaction, so the event exists if and only if the state change committed.
 * The {@link OutboxRelay} publishes it afterwards, woken by the commit itself, so no caller has
 * to tell the relay anything: a relay running in this process on the same DataSource is woken
 * in-process once the transaction commits; otherwise the same statement issues a PostgreSQL
 * NOTIFY, which the database delivers to the relays only when (and if) the transaction commits.
 */
export class Outbox {
  /** Queues messages for publishing inside the caller's transaction (`manager`). */
  async add(manager: EntityManager, ...messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    // A NOTIFY serialises the commits of every notifying transaction: issued only when no local relay will hear the commit.
    const notify = !wakeLocalRelaysOnCommit(manager);
    // PostgreSQL takes at most 65,535 parameters a statement: insert in slices.
    for (let start = 0; start < messages.length; start += ROWS_PER_INSERT) {
      await insertRows(manager, messages.slice(start, start + ROWS_PER_INSERT), notify);
    }
  }
}

const ROWS_PER_INSERT = 1_000;
const COLUMNS = 9;
const INSERT = `INSERT INTO messaging_outbox (event_id, message_type, exchange, routing_key, correlation_id, traceparent, headers, content_type, body)`;

async function insertRows(
  manager: EntityManager,
  messages: readonly OutgoingMessage[],
  notify: boolean,
): Promise<void> {
  const values: unknown[] = [];
  const rows = messages.map((message, index) => {
    values.push(
      message.eventId,
      message.type,
      message.exchange,
      message.routingKey,
      message.correlationId ?? null,
      message.traceparent ?? null,
      JSON.stringify(message.headers ?? {}),
      message.contentType ?? 'application/fhir+json',
      message.body,
    );
    return `(${Array.from({ length: COLUMNS }, (_, column) => `$${index * COLUMNS + column + 1}`).join(', ')})`;
  });
  // With the NOTIFY, still one round trip: PostgreSQL holds it back until commit (and collapses
  // it to one per transaction however many slices there are).
  await manager.query(
    notify
      ? `WITH queued AS (${INSERT} VALUES ${rows.join(', ')}) SELECT pg_notify(${OUTBOX_CHANNEL_SQL}, '')`
      : `${INSERT} VALUES ${rows.join(', ')}`,
    values,
  );
}
