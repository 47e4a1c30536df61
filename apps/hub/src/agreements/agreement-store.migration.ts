import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The agreement store: every version of every agreement, kept.
 * - `hub_agreement_version`: one row per agreement id + version, with the checked document, the
 *   YAML it came from, where it came from (an import of `config/agreements`, or a proposal), who
 *   proposed and who decided it, and its state (`proposed` → `approved` → `in-force` →
 *   `superseded`, or `rejected`); at most one version of an agreement is in force;
 * - `hub_agreement_revision`: one counter, moved by every change, which each hub polls to pick
 *   up a change made by another.
 */
export class HubAgreementStore1765500000000 implements MigrationInterface {
  name = 'HubAgreementStore1765500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS hub_agreement_version (
        agreement_id  text        NOT NULL,
        version       integer     NOT NULL,
        state         text        NOT NULL
                      CHECK (state IN ('proposed', 'approved', 'rejected', 'in-force', 'superseded')),
        origin        text        NOT NULL CHECK (origin IN ('import', 'proposal')),
        origin_file   text,
        document      jsonb       NOT NULL,
        source_text   text        NOT NULL,
        proposed_by   text        NOT NULL,
        proposed_at   timestamptz NOT NULL DEFAULT now(),
        note          text,
        decided_by    text,
        decided_at    timestamptz,
        decision_note text,
        effective_at  timestamptz,
        superseded_at timestamptz,
        PRIMARY KEY (agreement_id, version)
      )`);
    await runner.query(
      `CREATE UNIQUE INDEX IF NOT EXISTS hub_agreement_one_in_force ON hub_agreement_version (agreement_id) WHERE state = 'in-force'`,
    );
    await runner.query(`
      CREATE TABLE IF NOT EXISTS hub_agreement_revision (
        id       integer PRIMARY KEY CHECK (id = 1),
        revision bigint  NOT NULL
      )`);
    await runner.query('INSERT INTO hub_agreement_revision (id, revision) VALUES (1, 0) ON CONFLICT DO NOTHING');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS hub_agreement_revision');
    await runner.query('DROP TABLE IF EXISTS hub_agreement_version');
  }
}

/** The migrations of the agreement store, for `hubApp.migrations`. */
export const HUB_AGREEMENT_MIGRATIONS = [HubAgreementStore1765500000000];
