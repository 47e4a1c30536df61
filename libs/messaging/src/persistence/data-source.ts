import { DataSource, type MigrationInterface } from 'typeorm';
import { DatabaseLogger } from './database-logger';
import { databaseUrlUser, grantRuntimePrivileges, type RuntimeTablePrivileges } from './database-roles';
import { MESSAGING_MIGRATIONS } from './messaging-schema.migration';

/** Options of {@link createAppDataSource}. */
export interface AppDataSourceOptions {
  /** `postgres://user:password@host:port/database`: the role the app works as. */
  readonly url: string;
  /**
   * The schema owner's URL (`DATABASE_MIGRATION_URL`): when given, the migrations run as that role
   * in a connection of their own, which then grants the role of `url` what it needs
   * ({@link grantRuntimePrivileges}, narrowed by `runtimePrivileges`) and closes; the app works as
   * the role of `url` only. Without it, `url` runs the migrations itself (one role for both).
   */
  readonly migrationUrl?: string;
  /** Tables the runtime role gets less on than read and write (e.g. the append-only audit). */
  readonly runtimePrivileges?: RuntimeTablePrivileges;
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
 * A TypeORM data source on PostgreSQL confined to one schema, created and migrated at boot —
 * by the schema's owner (`migrationUrl`) when given, the app then working as the runtime role of
 * `url`, granted what it needs. Several apps share one database, each in its own schema. Failed and slow statements are
 * logged by their text only, never with their parameters ({@link DatabaseLogger}).
 */
export async function createAppDataSource(options: AppDataSourceOptions): Promise<DataSource> {
  if (!SCHEMA_NAME.test(options.schema)) throw new Error(`Invalid database schema name: ${options.schema}`);
  const migrator = options.migrationUrl && options.migrationUrl !== options.url ? options.migrationUrl : undefined;
  if (migrator) {
    // Two connections: one holds the advisory lock while the migrations run on the other.
    const owner = newDataSource(options, migrator, 2);
    await owner.initialize();
    try {
      await migrate(owner, options, databaseUrlUser(options.url));
    } finally {
      await owner.destroy();
    }
  }
  const dataSource = newDataSource(options, options.url, options.poolSize ?? 10);
  await dataSource.initialize();
  if (!migrator) {
    try {
      await migrate(dataSource, options, undefined);
    } catch (error) {
      await dataSource.destroy();
      throw error;
    }
  }
  return dataSource;
}

function newDataSource(options: AppDataSourceOptions, url: string, poolSize: number): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    schema: options.schema,
    applicationName: options.applicationName,
    poolSize,
    migrations: [...MESSAGING_MIGRATIONS, ...(options.migrations ?? [])],
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    extra: { options: `-c search_path=${options.schema}` },
    logger: new DatabaseLogger(),
    maxQueryExecutionTime: options.slowStatementMs ?? 5_000,
  });
}

/**
 * Runs the pending migrations under an advisory lock (instances booting together take turns:
 * migrations are not safe to run twice at once); then, when the app works as another role,
 * grants that role its privileges. The schema is created when missing — as the schema's owner
 * that needs CREATE on the database, which provisioning does not give: it creates the schema.
 */
async function migrate(
  dataSource: DataSource,
  options: AppDataSourceOptions,
  runtimeRole: string | undefined,
): Promise<void> {
  const lock = dataSource.createQueryRunner();
  const key = `cstr-migrations:${options.schema}`;
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    const exists = (await lock.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [options.schema])) as unknown[];
    if (exists.length === 0) await lock.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
    await dataSource.runMigrations();
    const user = (await lock.query('SELECT current_user AS name')) as { name: string }[];
    if (runtimeRole && runtimeRole !== user[0]?.name) {
      await lock.startTransaction();
      await grantRuntimePrivileges((sql) => lock.query(sql), options.schema, runtimeRole, options.runtimePrivileges);
      await lock.commitTransaction();
    }
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
  } catch (error) {
    if (lock.isTransactionActive) await lock.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    // After a failure the caller destroys the data source: closing the session drops a lock still held.
    await lock.release();
  }
}
