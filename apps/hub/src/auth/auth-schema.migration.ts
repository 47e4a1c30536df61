import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `hub_console_session`: the console's sign-ins, kept server-side. A row holds only the SHA-256
 * of the random session id the browser has in its cookie (a copy of the table opens no session),
 * the principal, a fingerprint of the principal's secret hash at sign-in (a changed secret ends
 * the sessions opened with the old one), and the times that end it (idle, absolute). A principal
 * removed from the principals file loses its sessions with it.
 */
export class HubConsoleSession1765152000000 implements MigrationInterface {
  name = 'HubConsoleSession1765152000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS hub_console_session (
        id_hash            text PRIMARY KEY,
        principal_id       text        NOT NULL REFERENCES hub_principal (id) ON DELETE CASCADE,
        secret_fingerprint text        NOT NULL,
        created_at         timestamptz NOT NULL DEFAULT now(),
        last_seen_at       timestamptz NOT NULL DEFAULT now(),
        expires_at         timestamptz NOT NULL
      )`);
    await runner.query(
      'CREATE INDEX IF NOT EXISTS hub_console_session_principal ON hub_console_session (principal_id)',
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS hub_console_session');
  }
}

/** Migrations of the hub's authentication (after `HUB_HTTP_MIGRATIONS`), for `hubApp.migrations`. */
export const HUB_AUTH_MIGRATIONS = [HubConsoleSession1765152000000];
