import { DataSource, type MigrationInterface } from 'typeorm';
import { createAppDataSource } from '@cstr/messaging';

/** A migrated data source in a schema of its own (dropped at {@link close}). */
export class DatabaseFixture {
  private constructor(
    readonly dataSource: DataSource,
    readonly schema: string,
  ) {}

  /** Opens (creating and migrating) `schema`; `migrations` run after the messaging ones. */
  static async open(
    databaseUrl: string,
    schema: string,
    migrations: readonly (new () => MigrationInterface)[] = [],
  ): Promise<DatabaseFixture> {
    const dataSource = await createAppDataSource({
      url: databaseUrl,
      schema,
      applicationName: `test:${schema}`,
      migrations,
    });
    return new DatabaseFixture(dataSource, schema);
  }

  async count(sql: string, parameters: unknown[] = []): Promise<number> {
    const [row] = (await this.dataSource.query(sql, parameters)) as { n: number | string }[];
    return Number(row.n);
  }

  async close(dropSchema = true): Promise<void> {
    if (dropSchema) await this.dataSource.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`).catch(() => undefined);
    await this.dataSource.destroy();
  }
}
