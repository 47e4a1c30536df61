import { randomBytes } from 'node:crypto';

/** Where the integration tests' broker and database are (set by the Jest global set-up). */
export interface TestEnvironment {
  /** Admin user on vhost `cstr`: declares and inspects test topology. */
  readonly rabbitAdminUrl: string;
  readonly rabbitManagementUrl: string;
  readonly databaseUrl: string;
  /** The hub's own (least-privilege) user on vhost `cstr`. */
  readonly hubUrl: string;
  /** Each partner's own user on vhost `cstr`, by partner id (config/partners.yaml). */
  readonly partnerUrls: Readonly<Record<string, string>>;
}

/** Environment variables the global set-up exports to test workers. */
export const TEST_ENV_KEYS = {
  rabbitAdminUrl: 'CSTR_TEST_RABBITMQ_ADMIN_URL',
  rabbitManagementUrl: 'CSTR_TEST_RABBITMQ_MANAGEMENT_URL',
  databaseUrl: 'CSTR_TEST_DATABASE_URL',
  hubUrl: 'CSTR_TEST_RABBITMQ_HUB_URL',
  partnerUrls: 'CSTR_TEST_RABBITMQ_PARTNER_URLS',
} as const;

/** The integration test environment; fails loudly when the global set-up did not run. */
export function testEnvironment(): TestEnvironment {
  const read = (key: string): string => {
    const value = process.env[key];
    if (!value)
      throw new Error(`${key} is not set: run integration tests through Jest's integration project (global set-up)`);
    return value;
  };
  return {
    rabbitAdminUrl: read(TEST_ENV_KEYS.rabbitAdminUrl),
    rabbitManagementUrl: read(TEST_ENV_KEYS.rabbitManagementUrl),
    databaseUrl: read(TEST_ENV_KEYS.databaseUrl),
    hubUrl: read(TEST_ENV_KEYS.hubUrl),
    partnerUrls: JSON.parse(read(TEST_ENV_KEYS.partnerUrls)) as Record<string, string>,
  };
}

/** A name no other test uses, for queues and schemas: `<prefix>_<hex>` (safe as an SQL identifier). */
export function uniqueName(prefix: string): string {
  return `${prefix.replace(/[^a-z0-9]+/g, '_')}_${randomBytes(4).toString('hex')}`;
}
