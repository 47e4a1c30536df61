import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { appDatabaseRoleNames, databaseUrlFor, dropDatabaseRoles, provisionDatabaseRoles } from '@cstr/messaging';

/** Drops test schemas (those that exist), in one connection. */
export async function dropSchemas(databaseUrl: string, ...schemas: readonly (string | undefined)[]): Promise<void> {
  const names = schemas.filter((schema): schema is string => Boolean(schema));
  if (names.length === 0) return;
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const schema of names) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** An app's own throw-away database roles for one test schema ({@link provisionTestDatabase}). */
export interface TestDatabase {
  readonly schema: string;
  readonly runtimeRole: string;
  readonly ownerRole: string;
  /** `DATABASE_URL` (the runtime role) and `DATABASE_MIGRATION_URL` (the schema's owner) of the app. */
  readonly env: { readonly DATABASE_URL: string; readonly DATABASE_MIGRATION_URL: string };
}

/**
 * Gives a test schema the roles an app has in a real deployment — a runtime role and an owner
 * that runs the migrations (`cstr_<schema>`, `cstr_<schema>_owner`, new passwords) — so apps under
 * test work with least privilege, as `npm start` runs them. {@link dropTestDatabase} removes them.
 */
export async function provisionTestDatabase(adminUrl: string, schema: string): Promise<TestDatabase> {
  const roles = appDatabaseRoleNames(schema);
  const runtimePassword = randomBytes(18).toString('hex');
  const ownerPassword = randomBytes(18).toString('hex');
  await provisionDatabaseRoles(adminUrl, [{ schema, ...roles, runtimePassword, ownerPassword }]);
  return {
    schema,
    ...roles,
    env: {
      DATABASE_URL: databaseUrlFor(adminUrl, roles.runtimeRole, runtimePassword),
      DATABASE_MIGRATION_URL: databaseUrlFor(adminUrl, roles.ownerRole, ownerPassword),
    },
  };
}

/** Drops a test schema and its roles (the owner's objects with it). */
export async function dropTestDatabase(adminUrl: string, database: TestDatabase): Promise<void> {
  await dropSchemas(adminUrl, database.schema);
  await dropDatabaseRoles(adminUrl, [database.ownerRole, database.runtimeRole]);
}
