import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hub's own tables, in its schema:
 * - `hub_person_state`: per person (person index id), who is connected to them and their consents,
 *   as the policy reducers left them (jsonb), updated in the transaction that handles each event;
 * - `ingress_refusal`: every event refused at ingress with its full OperationOutcome (the
 *   dead-letter headers carry only a short reason without personal data).
 */
export class HubIngressState1764633600000 implements MigrationInterface {
  name = 'HubIngressState1764633600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS hub_person_state (
        person_id     uuid        PRIMARY KEY,
        relationships jsonb       NOT NULL,
        consent       jsonb       NOT NULL,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        last_event_id uuid
      )`);
    await runner.query(`
      CREATE TABLE IF NOT EXISTS ingress_refusal (
        event_id    uuid        PRIMARY KEY,
        received_at timestamptz NOT NULL DEFAULT now(),
        event_type  text        NOT NULL,
        sender      text,
        code        text        NOT NULL,
        reason      text        NOT NULL,
        outcome     jsonb       NOT NULL
      )`);
    await runner.query('CREATE INDEX IF NOT EXISTS ingress_refusal_received_at ON ingress_refusal (received_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS ingress_refusal');
    await runner.query('DROP TABLE IF EXISTS hub_person_state');
  }
}

/**
 * `hub_outcome_score`: clinical outcome scores (CORE-34, PHQ-9, GAD-7) of `treatment.progress.reported`,
 * kept by the hub for its reporting only (the agreements share no score with any partner).
 */
export class HubOutcomeScores1764637200000 implements MigrationInterface {
  name = 'HubOutcomeScores1764637200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS hub_outcome_score (
        event_id    uuid        NOT NULL,
        ordinal     integer     NOT NULL,
        person_id   uuid        NOT NULL,
        sender      text        NOT NULL,
        instrument  text        NOT NULL,
        score       numeric     NOT NULL,
        effective   text,
        stage       text,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, ordinal)
      )`);
    await runner.query('CREATE INDEX IF NOT EXISTS hub_outcome_score_person ON hub_outcome_score (person_id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS hub_outcome_score');
  }
}

/**
 * `hub_person_state.restriction`: whether the person is restricted (PDS label `R` or `V`), since
 * which event — a fact about the person, remembered across senders (SPEC §5).
 */
export class HubPersonRestriction1765065600000 implements MigrationInterface {
  name = 'HubPersonRestriction1765065600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE hub_person_state ADD COLUMN IF NOT EXISTS restriction jsonb NOT NULL DEFAULT '{}'::jsonb`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE hub_person_state DROP COLUMN IF EXISTS restriction');
  }
}

/** The migrations of the ingress pipeline's tables. */
export const HUB_INGRESS_MIGRATIONS = [
  HubIngressState1764633600000,
  HubOutcomeScores1764637200000,
  HubPersonRestriction1765065600000,
];
