import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { AuditLog } from '@cstr/audit';
import { createAppDataSource } from '@cstr/messaging';
import { dropTestDatabase, provisionTestDatabase, testEnvironment, uniqueName, type TestDatabase } from '@cstr/testing';
import { hubApp } from '../apps/hub/src/hub.app';
import { secondaryCareAdapterApp } from '../apps/secondary-care-adapter/src/secondary-care-adapter.app';
import { delivered, refused } from '../libs/audit/test/fixtures/audit-records';

/**
 * Least privilege in PostgreSQL, against the real server: each app works as a runtime role of its
 * own that owns nothing; its schema's owner runs the migrations and grants the runtime role what
 * it needs — for the hub's audit, appending and reading only.
 */
describe('database roles (real PostgreSQL)', () => {
  const env = testEnvironment();
  const KEY = 'database-roles-test-key-0123456789abcdef';
  const databases: TestDatabase[] = [];
  const dataSources: DataSource[] = [];

  let hub: TestDatabase;
  let adapter: TestDatabase;
  let hubData: DataSource;

  async function provision(prefix: string): Promise<TestDatabase> {
    const database = await provisionTestDatabase(env.databaseUrl, uniqueName(prefix));
    databases.push(database);
    return database;
  }

  /** The hub's data source as the app opens it: migrations as the owner, then the runtime role. */
  async function openHub(database: TestDatabase): Promise<DataSource> {
    const dataSource = await createAppDataSource({
      url: database.env.DATABASE_URL,
      migrationUrl: database.env.DATABASE_MIGRATION_URL,
      schema: database.schema,
      applicationName: 'test:roles-hub',
      migrations: hubApp.migrations,
      runtimePrivileges: hubApp.runtimePrivileges,
    });
    dataSources.push(dataSource);
    return dataSource;
  }

  /** One statement in a session of its own, as `url`'s role, with the schema on the search path. */
  async function asRole(url: string, schema: string, sql: string): Promise<unknown[]> {
    const client = new Client({ connectionString: url, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      return (await client.query(sql)).rows as unknown[];
    } finally {
      await client.end();
    }
  }

  function permissionDenied(): Record<string, unknown> {
    return expect.objectContaining({ code: '42501' }) as Record<string, unknown>;
  }

  beforeAll(async () => {
    hub = await provision('roles_hub');
    adapter = await provision('roles_adapter');
    hubData = await openHub(hub);
    const adapterData = await createAppDataSource({
      url: adapter.env.DATABASE_URL,
      migrationUrl: adapter.env.DATABASE_MIGRATION_URL,
      schema: adapter.schema,
      applicationName: 'test:roles-adapter',
      migrations: secondaryCareAdapterApp.migrations,
    });
    dataSources.push(adapterData);
  });

  afterAll(async () => {
    for (const dataSource of dataSources) await dataSource.destroy().catch(() => undefined);
    for (const database of databases) await dropTestDatabase(env.databaseUrl, database);
  });

  it("runs the migrations as the schema's owner on a fresh schema: every table belongs to the owner, none to the runtime role", async () => {
    const owners = (await asRole(
      env.databaseUrl,
      hub.schema,
      `SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = '${hub.schema}'`,
    )) as { owner: string }[];
    expect(owners).toEqual([{ owner: hub.ownerRole }]);
    const tables = (await asRole(
      env.databaseUrl,
      hub.schema,
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = '${hub.schema}'`,
    )) as { n: number }[];
    expect(tables[0].n).toBeGreaterThan(5);
  });

  it("an adapter's runtime role cannot read the hub's schema (permission denied)", async () => {
    for (const sql of [
      `SELECT * FROM ${hub.schema}.audit_record`,
      `SELECT * FROM ${hub.schema}.messaging_outbox`,
      `CREATE TABLE ${hub.schema}.intruder (id int)`,
    ])
      await expect(asRole(adapter.env.DATABASE_URL, adapter.schema, sql)).rejects.toEqual(permissionDenied());
    // Nor can the adapter's owner, nor the hub's runtime role read the adapter's tables.
    await expect(
      asRole(adapter.env.DATABASE_MIGRATION_URL, adapter.schema, `SELECT * FROM ${hub.schema}.audit_record`),
    ).rejects.toEqual(permissionDenied());
    await expect(
      asRole(hub.env.DATABASE_URL, hub.schema, `SELECT * FROM ${adapter.schema}.messaging_outbox`),
    ).rejects.toEqual(permissionDenied());
    // Its own tables it reads and writes.
    await expect(
      asRole(adapter.env.DATABASE_URL, adapter.schema, 'SELECT count(*) FROM messaging_outbox'),
    ).resolves.toHaveLength(1);
  });

  it('each role logs in with its own password only (the local stack and compose check passwords of every role but the superuser)', async () => {
    const wrong = new URL(hub.env.DATABASE_URL);
    wrong.password = 'not-the-password';
    await expect(asRole(wrong.toString(), hub.schema, 'SELECT 1')).rejects.toEqual(
      expect.objectContaining({ code: '28P01' }),
    );
    const [who] = (await asRole(hub.env.DATABASE_URL, hub.schema, 'SELECT current_user AS name')) as { name: string }[];
    expect(who.name).toBe(hub.runtimeRole);
  });

  it("the hub's runtime role cannot disable, truncate, update or delete the audit, nor alter or drop it", async () => {
    const audit = new AuditLog(hubData, { key: KEY });
    await hubData.transaction((tx) => audit.append(tx, [delivered(), refused()]));
    const denied = [
      'ALTER TABLE audit_record DISABLE TRIGGER USER',
      'ALTER TABLE audit_record DISABLE TRIGGER audit_record_append_only',
      'ALTER TABLE audit_chain_head DISABLE TRIGGER ALL',
      'TRUNCATE audit_record',
      'TRUNCATE audit_chain_head',
      "UPDATE audit_record SET reason = 'rewritten' WHERE seq = 1",
      'DELETE FROM audit_record WHERE seq = 2',
      'DELETE FROM audit_chain_head',
      'ALTER TABLE audit_record DROP CONSTRAINT audit_record_recorded_at_millis',
      'DROP TABLE audit_record',
      'CREATE TABLE scratch (id int)',
      `SET ROLE ${hub.ownerRole}`,
      "UPDATE typeorm_migrations SET name = 'x'",
    ];
    const outcomes: Record<string, string> = {};
    for (const sql of denied) outcomes[sql] = await outcomeOf(hub.env.DATABASE_URL, hub.schema, sql);
    expect(outcomes).toEqual(Object.fromEntries(denied.map((sql) => [sql, 'permission denied'])));
    expect(await audit.verify()).toEqual({ ok: true, checked: 2, headSeq: 2 });
  });

  it("the hub's runtime role still appends to the audit and reads it", async () => {
    const audit = new AuditLog(hubData, { key: KEY });
    const before = (await audit.verify()).headSeq;
    const appended = await hubData.transaction((tx) => audit.append(tx, [delivered()]));
    expect(appended.map((record) => record.seq)).toEqual([before + 1]);
    expect(await audit.verify()).toEqual({ ok: true, checked: before + 1, headSeq: before + 1 });
    const [user] = (await hubData.query('SELECT current_user AS name')) as { name: string }[];
    expect(user.name).toBe(hub.runtimeRole);
  });

  it('runs the migrations again on an existing schema (nothing pending), and the runtime role keeps its grants', async () => {
    const count = async (): Promise<number> =>
      (
        (await asRole(env.databaseUrl, hub.schema, 'SELECT count(*)::int AS n FROM typeorm_migrations')) as {
          n: number;
        }[]
      )[0].n;
    const ran = await count();
    const again = await openHub(hub);
    expect(await count()).toBe(ran);
    const audit = new AuditLog(again, { key: KEY });
    await again.transaction((tx) => audit.append(tx, [refused()]));
    expect((await audit.verify()).ok).toBe(true);
    expect(await outcomeOf(hub.env.DATABASE_URL, hub.schema, 'DELETE FROM audit_record')).toBe('permission denied');
  });

  it('takes over a schema an earlier version migrated as the administrator, then works with the roles', async () => {
    const schema = uniqueName('roles_legacy');
    // Before roles: one superuser URL ran the migrations and the app.
    const legacy = await createAppDataSource({
      url: env.databaseUrl,
      schema,
      applicationName: 'test:roles-legacy',
      migrations: hubApp.migrations,
    });
    await legacy.transaction((tx) => new AuditLog(legacy, { key: KEY }).append(tx, [delivered(), refused()]));
    await legacy.destroy();

    const database = await provisionTestDatabase(env.databaseUrl, schema);
    databases.push(database);
    const dataSource = await openHub(database);
    const audit = new AuditLog(dataSource, { key: KEY });
    await dataSource.transaction((tx) => audit.append(tx, [delivered()]));
    expect(await audit.verify()).toEqual({ ok: true, checked: 3, headSeq: 3 });
    const owners = (await asRole(
      env.databaseUrl,
      schema,
      `SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = '${schema}'`,
    )) as { owner: string }[];
    expect(owners).toEqual([{ owner: database.ownerRole }]);
    expect(await outcomeOf(database.env.DATABASE_URL, schema, 'TRUNCATE audit_record')).toBe('permission denied');
  });

  it('the runtime role alone cannot run the migrations: it creates nothing in its schema', async () => {
    const database = await provision('roles_runtime_only');
    await expect(
      createAppDataSource({
        url: database.env.DATABASE_URL,
        schema: database.schema,
        applicationName: 'test:roles-runtime-only',
        migrations: hubApp.migrations,
      }),
    ).rejects.toEqual(permissionDenied());
  });

  /** `ok`, `permission denied` (SQLSTATE 42501), or the other error's code and message. */
  async function outcomeOf(url: string, schema: string, sql: string): Promise<string> {
    try {
      await asRole(url, schema, sql);
      return 'ok';
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      return code === '42501' ? 'permission denied' : `${code}: ${message}`;
    }
  }
});
