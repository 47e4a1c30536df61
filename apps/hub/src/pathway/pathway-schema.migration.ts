import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hub's pathway tables (SPEC §8), in its schema:
 * - `hub_pathway_event`: every accepted event per person (type, sender, when) and the facts later
 *   rules need (an L&D screening's needs, whether a GP is registered): the person's timeline;
 * - `hub_pathway_deadline`: deadlines per person — kind, due, who owes the step, the event that
 *   opened it, and how it closed (met, missed with the event the hub sent, replaced, or — see
 *   {@link HubPathwayCancelled1767916800000} — cancelled with its requirement). Stored,
 *   so deadlines survive a restart; the scheduler claims due ones with `FOR UPDATE SKIP LOCKED`;
 * - `hub_pathway_candidate`: `pathway.candidate.identified` events to send (a listing matched an
 *   earlier screening), sent by the scheduler through the ingress pipeline.
 */
export class HubPathway1764720000000 implements MigrationInterface {
  name = 'HubPathway1764720000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS hub_pathway_event (
        event_id    uuid        PRIMARY KEY,
        person_id   uuid        NOT NULL,
        event_type  text        NOT NULL,
        sender      text        NOT NULL,
        occurred_at timestamptz,
        received_at timestamptz NOT NULL,
        facts       jsonb       NOT NULL DEFAULT '{}'::jsonb
      )`);
    await runner.query(
      'CREATE INDEX IF NOT EXISTS hub_pathway_event_person ON hub_pathway_event (person_id, received_at)',
    );
    await runner.query(`
      CREATE TABLE IF NOT EXISTS hub_pathway_deadline (
        id               uuid        PRIMARY KEY,
        opening_key      text        NOT NULL UNIQUE,
        person_id        uuid        NOT NULL,
        kind             text        NOT NULL,
        due_at           timestamptz NOT NULL,
        owed_by          text        NOT NULL,
        description      text        NOT NULL,
        match_key        text,
        opened_by_event  uuid        NOT NULL,
        opened_at        timestamptz NOT NULL,
        subject          jsonb       NOT NULL,
        status           text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'met', 'missed', 'replaced')),
        closed_by_event  uuid,
        closed_at        timestamptz,
        missed_event_id  uuid
      )`);
    await runner.query(
      `CREATE INDEX IF NOT EXISTS hub_pathway_deadline_due ON hub_pathway_deadline (due_at) WHERE status = 'open'`,
    );
    await runner.query('CREATE INDEX IF NOT EXISTS hub_pathway_deadline_person ON hub_pathway_deadline (person_id)');
    await runner.query(`
      CREATE TABLE IF NOT EXISTS hub_pathway_candidate (
        listing_event_id uuid        PRIMARY KEY,
        person_id        uuid        NOT NULL,
        candidate        jsonb       NOT NULL,
        subject          jsonb       NOT NULL,
        created_at       timestamptz NOT NULL,
        sent_event_id    uuid,
        sent_at          timestamptz
      )`);
    await runner.query(
      'CREATE INDEX IF NOT EXISTS hub_pathway_candidate_unsent ON hub_pathway_candidate (created_at) WHERE sent_at IS NULL',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS hub_pathway_candidate');
    await runner.query('DROP TABLE IF EXISTS hub_pathway_deadline');
    await runner.query('DROP TABLE IF EXISTS hub_pathway_event');
  }
}

/**
 * Deadlines cancelled with their requirement: each deadline names the treatment requirements it
 * serves (`requirements`: mhtr, drr, atr; `requirement_ids`: their identifiers) and those that have
 * ended (`requirements_ended`); once all have ended it is `cancelled`, with `closed_reason`.
 * Deadlines opened before this migration serve no named requirement and are never cancelled.
 */
export class HubPathwayCancelled1767916800000 implements MigrationInterface {
  name = 'HubPathwayCancelled1767916800000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE hub_pathway_deadline
        ADD COLUMN IF NOT EXISTS requirements       text[] NOT NULL DEFAULT '{}',
        ADD COLUMN IF NOT EXISTS requirement_ids    text[] NOT NULL DEFAULT '{}',
        ADD COLUMN IF NOT EXISTS requirements_ended text[] NOT NULL DEFAULT '{}',
        ADD COLUMN IF NOT EXISTS closed_reason      text`);
    await runner.query(statusCheck(['open', 'met', 'missed', 'replaced', 'cancelled']));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`UPDATE hub_pathway_deadline SET status = 'replaced' WHERE status = 'cancelled'`);
    await runner.query(statusCheck(['open', 'met', 'missed', 'replaced']));
    await runner.query(`
      ALTER TABLE hub_pathway_deadline
        DROP COLUMN IF EXISTS requirements, DROP COLUMN IF EXISTS requirement_ids,
        DROP COLUMN IF EXISTS requirements_ended, DROP COLUMN IF EXISTS closed_reason`);
  }
}

/** Replaces the deadline status check (PostgreSQL's name for the column's inline CHECK). */
function statusCheck(statuses: readonly string[]): string {
  return `ALTER TABLE hub_pathway_deadline DROP CONSTRAINT IF EXISTS hub_pathway_deadline_status_check,
    ADD CONSTRAINT hub_pathway_deadline_status_check CHECK (status IN (${statuses.map((status) => `'${status}'`).join(', ')}))`;
}

/** The migrations of the pathway's tables. */
export const HUB_PATHWAY_MIGRATIONS = [HubPathway1764720000000, HubPathwayCancelled1767916800000];
