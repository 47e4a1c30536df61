import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `hmcts_raw_payload`: every payload the court systems sent, kept as received (bytes, SHA-256,
 * size, route) before it is parsed, with what became of it — so an unparseable or refused payload
 * is never lost and can be looked at and replayed.
 */
export class HmctsRawPayload1764460800000 implements MigrationInterface {
  name = 'HmctsRawPayload1764460800000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS hmcts_raw_payload (
        id            bigserial   PRIMARY KEY,
        received_at   timestamptz NOT NULL,
        method        text        NOT NULL,
        route         text        NOT NULL,
        content_type  text,
        size_bytes    integer     NOT NULL,
        sha256        text        NOT NULL,
        body          bytea       NOT NULL,
        status        text        NOT NULL,
        event_count   integer     NOT NULL DEFAULT 0,
        outcome       jsonb
      )`);
    await runner.query(
      'CREATE INDEX IF NOT EXISTS hmcts_raw_payload_status ON hmcts_raw_payload (status, received_at)',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS hmcts_raw_payload');
  }
}

/** The adapter's migrations, in order. */
export const HMCTS_LISTINGS_MIGRATIONS = [HmctsRawPayload1764460800000];
