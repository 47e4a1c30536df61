import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `gp_known_registration`: the last GP practice PDS gave for an NHS number, so a change-of-GP
 * signal can say which practice the person left (`gp.registration.changed.previous`).
 */
export class GpKnownRegistration1764460900000 implements MigrationInterface {
  name = 'GpKnownRegistration1764460900000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS gp_known_registration (
        nhs_number  text        PRIMARY KEY,
        ods_code    text,
        start_date  text,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS gp_known_registration');
  }
}

/** The retention purge finds rows by `updated_at` (known-gp-registrations, config/retention.yaml). */
export class GpKnownRegistrationUpdatedAt1796601600000 implements MigrationInterface {
  name = 'GpKnownRegistrationUpdatedAt1796601600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'CREATE INDEX IF NOT EXISTS gp_known_registration_updated_at ON gp_known_registration (updated_at)',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX IF EXISTS gp_known_registration_updated_at');
  }
}

/** The adapter's migrations, in order. */
export const GP_REGISTRATION_MIGRATIONS = [GpKnownRegistration1764460900000, GpKnownRegistrationUpdatedAt1796601600000];
