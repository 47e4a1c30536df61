import { Client } from 'pg';

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
