import type { EntityManager } from 'typeorm';
import { OutgoingMessage } from '../message';
import { OUTBOX_CHANNEL_SQL } from './outbox-commit-listener';

/**
 * The write side of the transactional outbox: `add()` inserts the outgoing event through the
 * caller's transaction, so the event exists if and only if the state change committed.
 * The {@link OutboxRelay} publishes it afterwards: the same statement issues a PostgreSQL NOTIFY,
 * which the database delivers to the relays only when (and if) the transaction commits, so no
 * caller has to tell the relay anything.
 */
export class Outbox {
  /** Queues messages for publishing inside the caller's transaction (`manager`). */
  async add(manager: EntityManager, ...messages: readonly OutgoingMessage[]): Promise<void> {
    // PostgreSQL takes at most 65,535 parameters a statement: insert in slices.
    for (let start = 0; start < messages.length; start += ROWS_PER_INSERT) {
      await insertRows(manager, messages.slice(start, start + ROWS_PER_INSERT));
    }
  }
}

const ROWS_PER_INSERT = 1_000;
const COLUMNS = 9;

async function insertRows(manager: EntityManager, messages: readonly OutgoingMessage[]): Promise<void> {
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
  // One round trip: the insert, and the NOTIFY that PostgreSQL holds back until commit (and
  // collapses to one per transaction however many slices there are).
  await manager.query(
    `WITH queued AS (
       INSERT INTO messaging_outbox (event_id, message_type, exchange, routing_key, correlation_id, traceparent, headers, content_type, body)
       VALUES ${rows.join(', ')}
     )
     SELECT pg_notify(${OUTBOX_CHANNEL_SQL}, '')`,
    values,
  );
}
