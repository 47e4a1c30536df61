import { DataSource, type MigrationInterface } from 'typeorm';
import { DatabaseLogger } from './database-logger';
import { MESSAGING_MIGRATIONS } from './messaging-schema.migration';

/** Options of {@link createAppDataSource}. */
export interface AppDataSourceOptions {
  /** `postgres://user:password@host:port/database`. */
  readonly url: string;
  /** The app's own schema: its tables, migrations table and search_path. */
  readonly schema: string;
  /** Migrations to run at boot (the messaging ones are always first). */
  readonly migrations?: readonly (new () => MigrationInterface)[];
  /** Connection pool size. Default 10. */
  readonly poolSize?: number;
  /** Name shown in `pg_stat_activity`. */
  readonly applicationName: string;
  /** A statement that takes longer is logged (its text only). Default 5 s. */
  readonly slowStatementMs?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * A TypeORM data source on PostgreSQL confined to one schema, created and migrated at boot.
 * Several apps can share one database, each in its own schema. Failed and slow statements are
 * logged by their text only, never with their parameters ({@link DatabaseLogger}).
 */
export async function createAppDataSource(options: AppDataSourceOptions): Promise<DataSource> {
  if (!SCHEMA_NAME.test(options.schema)) throw new Error(`Invalid database schema name: ${options.schema}`);
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    applicationName: options.applicationName,
    poolSize: options.poolSize ?? 10,
    migrations: [...MESSAGING_MIGRATIONS, ...(options.migrations ?? [])],
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    extra: { options: `-c search_path=${options.schema}` },
    logger: new DatabaseLogger(),
    maxQueryExecutionTime: options.slowStatementMs ?? 5_000,
  });
  await dataSource.initialize();
  // Instances booting together take turns: migrations are not safe to run twice at once.
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`cstr-migrations:${options.schema}`]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
    await dataSource.runMigrations();
  } catch (error) {
    await lock.release();
    await dataSource.destroy();
    throw error;
  }
  await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`cstr-migrations:${options.schema}`]);
  await lock.release();
  return dataSource;
}
