import type { EntityManager } from 'typeorm';
import { OutgoingMessage } from '../message';

/**
 * The write side of the transactional outbox: `add()` inserts the outgoing event through the
 * caller's transaction, so the event exists if and only if the state change committed.
 * The {@link OutboxRelay} publishes it afterwards.
 */
export class Outbox {
  private readonly listeners = new Set<() => void>();

  /** Queues messages for publishing inside the caller's transaction (`manager`). */
  async add(manager: EntityManager, ...messages: readonly OutgoingMessage[]): Promise<void> {
    // PostgreSQL takes at most 65,535 parameters a statement: insert in slices.
    for (let start = 0; start < messages.length; start += ROWS_PER_INSERT) {
      await insertRows(manager, messages.slice(start, start + ROWS_PER_INSERT));
    }
  }

  /** Tells the relay that new rows have committed (saves it waiting for its next poll). */
  notifyCommitted(): void {
    for (const listener of this.listeners) listener();
  }

  /** Subscribes to {@link notifyCommitted}. */
  onCommitted(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
  await manager.query(
    `INSERT INTO messaging_outbox (event_id, message_type, exchange, routing_key, correlation_id, traceparent, headers, content_type, body)
     VALUES ${rows.join(', ')}`,
    values,
  );
}
