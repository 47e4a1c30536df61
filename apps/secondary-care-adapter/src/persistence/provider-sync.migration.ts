import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tables of the secondary-care-adapter, in its own schema:
 * - `provider_resource_version`: every (resource type, id, versionId) of the provider already
 *   turned into events, so a repeated notification or an overlapping poll publishes nothing twice;
 * - `provider_poll_cursor`: per resource type, the last `meta.lastUpdated` taken in by polling
 *   (for servers without Subscriptions), so a restart resumes where it stopped.
 */
export class ProviderSync1764489600000 implements MigrationInterface {
  name = 'ProviderSync1764489600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS provider_resource_version (
        resource_type text        NOT NULL,
        resource_id   text        NOT NULL,
        version_id    text        NOT NULL,
        seen_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (resource_type, resource_id, version_id)
      )`);
    await runner.query(`
      CREATE TABLE IF NOT EXISTS provider_poll_cursor (
        resource_type text PRIMARY KEY,
        last_updated  text NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS provider_poll_cursor');
    await runner.query('DROP TABLE IF EXISTS provider_resource_version');
  }
}

/**
 * `provider_subscription_secret`: the secret the adapter set in each of its Subscriptions'
 * `channel.header` (SHA-256 only: a notification proves it knows the secret; the table cannot
 * be used to forge one).
 */
export class SubscriptionSecrets1765000000000 implements MigrationInterface {
  name = 'SubscriptionSecrets1765000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS provider_subscription_secret (
        subscription_id text        PRIMARY KEY,
        criteria        text        NOT NULL,
        endpoint        text        NOT NULL,
        secret_sha256   text        NOT NULL UNIQUE,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS provider_subscription_secret');
  }
}

/** The migrations of the secondary-care-adapter, in order. */
export const SECONDARY_CARE_MIGRATIONS = [ProviderSync1764489600000, SubscriptionSecrets1765000000000];
