import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tables of the messaging layer, in the app's own schema (search_path):
 * - `messaging_outbox`: events committed with the state change that caused them, until the relay
 *   has published them with a broker confirm (then the row is deleted: a row here is unsent);
 * - `messaging_processed_event`: (consumer, event id) of every event a consumer applied, written
 *   in the same transaction as the handler's effects.
 */
export class MessagingSchema1732262400000 implements MigrationInterface {
  name = 'MessagingSchema1732262400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS messaging_outbox (
        id              bigserial PRIMARY KEY,
        event_id        uuid        NOT NULL,
        message_type    text        NOT NULL,
        exchange        text        NOT NULL,
        routing_key     text        NOT NULL,
        correlation_id  text,
        traceparent     text,
        headers         jsonb       NOT NULL DEFAULT '{}'::jsonb,
        content_type    text        NOT NULL,
        body            bytea       NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        attempts        integer     NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error      text
      )`);
    await runner.query(`
      CREATE TABLE IF NOT EXISTS messaging_processed_event (
        consumer     text        NOT NULL,
        event_id     uuid        NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS messaging_processed_event');
    await runner.query('DROP TABLE IF EXISTS messaging_outbox');
  }
}

/** The migrations an app using `libs/messaging` runs at boot, before its own. */
export const MESSAGING_MIGRATIONS = [MessagingSchema1732262400000];
