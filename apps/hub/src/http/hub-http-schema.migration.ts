import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tables of the hub's HTTP API, in the hub's schema:
 * - `hub_principal`: partners and users who may call the API, seeded from `config/principals.yaml`
 *   at boot; secrets only as scrypt hashes;
 * - `hub_http_submission`: every event accepted by `POST /fhir/$process-message`, keyed by event
 *   id, so a resubmission is answered without publishing twice;
 * - `hub_dead_letter`: the durable view of dead-lettered messages drained from the DLQs.
 */
export class HubHttpSchema1764633600000 implements MigrationInterface {
  name = 'HubHttpSchema1764633600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS hub_principal (
        id           text PRIMARY KEY,
        kind         text        NOT NULL CHECK (kind IN ('partner', 'user')),
        roles        text[]      NOT NULL,
        partner_id   text,
        secret_hash  text        NOT NULL,
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE IF NOT EXISTS hub_http_submission (
        event_id     uuid PRIMARY KEY,
        partner_id   text        NOT NULL,
        principal_id text        NOT NULL,
        event_type   text        NOT NULL,
        body_sha256  text        NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE IF NOT EXISTS hub_dead_letter (
        id               bigserial PRIMARY KEY,
        queue            text        NOT NULL,
        failed_queue     text,
        event_id         text,
        event_type       text,
        failure_code     text,
        failure_reason   text,
        attempts         integer,
        dead_lettered_at timestamptz,
        received_at      timestamptz NOT NULL DEFAULT now(),
        headers          jsonb       NOT NULL DEFAULT '{}'::jsonb,
        content_type     text,
        correlation_id   text,
        body             bytea       NOT NULL,
        replayed_at      timestamptz,
        replayed_by      text
      )`);
    await runner.query('CREATE INDEX IF NOT EXISTS hub_dead_letter_event_id ON hub_dead_letter (event_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS hub_dead_letter');
    await runner.query('DROP TABLE IF EXISTS hub_http_submission');
    await runner.query('DROP TABLE IF EXISTS hub_principal');
  }
}

/** Migrations of the hub's HTTP API, for `hubApp.migrations`. */
export const HUB_HTTP_MIGRATIONS = [HubHttpSchema1764633600000];
