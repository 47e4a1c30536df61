import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `hub_report_fact`: one row per accepted event the CSTR minimum dataset uses, with only what the
 * dataset needs (type, month, requirement types, coded outcome, gender, age band, scores) and the
 * hub's internal person id to count distinct people — no name, no identifier, no free text.
 */
export class HubReportFacts1764640800000 implements MigrationInterface {
  name = 'HubReportFacts1764640800000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS hub_report_fact (
        event_id          uuid        PRIMARY KEY,
        event_type        text        NOT NULL,
        occurred_at       timestamptz NOT NULL,
        month             text        NOT NULL,
        person_id         uuid        NOT NULL,
        sender_kind       text        NOT NULL,
        requirement_types text[]      NOT NULL,
        types_carried     boolean     NOT NULL,
        outcome           text,
        gender            text,
        age_band          text,
        scores            jsonb       NOT NULL DEFAULT '[]'::jsonb,
        recorded_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query('CREATE INDEX IF NOT EXISTS hub_report_fact_month ON hub_report_fact (month)');
    await runner.query('CREATE INDEX IF NOT EXISTS hub_report_fact_person ON hub_report_fact (person_id, occurred_at)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS hub_report_fact');
  }
}

/**
 * `hub_report_fact.fact_date`: the date a measure needs of an event (a treatment start, a drug
 * test's sample, a court review's hearing, a sentence), for the DRR and ATR measures.
 */
export class HubReportFactDate1765200000000 implements MigrationInterface {
  name = 'HubReportFactDate1765200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE hub_report_fact ADD COLUMN IF NOT EXISTS fact_date date');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE hub_report_fact DROP COLUMN IF EXISTS fact_date');
  }
}

/**
 * The equality characteristics of `hub_report_fact`, as reporting categories only (an ethnic
 * group, whether a disability was declared): the minimum dataset's equality breakdowns.
 */
export class HubReportFactEquality1796558400000 implements MigrationInterface {
  name = 'HubReportFactEquality1796558400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE hub_report_fact
        ADD COLUMN IF NOT EXISTS ethnic_group        text,
        ADD COLUMN IF NOT EXISTS gender_identity     text,
        ADD COLUMN IF NOT EXISTS disability          text,
        ADD COLUMN IF NOT EXISTS communication_needs text`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE hub_report_fact
        DROP COLUMN IF EXISTS ethnic_group,
        DROP COLUMN IF EXISTS gender_identity,
        DROP COLUMN IF EXISTS disability,
        DROP COLUMN IF EXISTS communication_needs`);
  }
}

/** Migrations of the hub's reporting tables, for `hubApp.migrations`. */
export const HUB_REPORTING_MIGRATIONS = [
  HubReportFacts1764640800000,
  HubReportFactDate1765200000000,
  HubReportFactEquality1796558400000,
];
