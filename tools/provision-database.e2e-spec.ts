import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createAppDataSource, databaseUrlFor, dropDatabaseRoles } from '@cstr/messaging';
import { dropSchemas, testEnvironment } from '@cstr/testing';

/**
 * tools/provision-database.ts against the real database, as an operator runs it on a database of
 * their own: one partner of a partners file of its own (roles and schema nobody else uses).
 */
describe('tools/provision-database.ts (real PostgreSQL)', () => {
  const env = testEnvironment();
  const ROOT = join(__dirname, '..');
  const folder = mkdtempSync(join(tmpdir(), 'provision-database-'));
  const suffix = randomBytes(3).toString('hex');
  const partner = `roles-probe-${suffix}`;
  const variable = `ROLES_PROBE_${suffix.toUpperCase()}`;
  const runtimeRole = `cstr_roles_probe_${suffix}`;
  const ownerRole = `${runtimeRole}_owner`;
  const schema = `hmcts_listings_adapter_roles_probe_${suffix}`;
  const partnersFile = join(folder, 'partners.yaml');
  writeFileSync(
    partnersFile,
    `partners:\n  - id: ${partner}\n    kind: hmcts\n    name: Probe court\n    courtCode: B01PR00\n`,
  );

  afterAll(async () => {
    await dropSchemas(env.databaseUrl, schema);
    await dropDatabaseRoles(env.databaseUrl, [ownerRole, runtimeRole]);
    rmSync(folder, { recursive: true, force: true });
  });

  function provision(passwords: Record<string, string>): { status: number | null; output: string } {
    const result = spawnSync(
      process.execPath,
      [join(ROOT, 'tools/run-ts.js'), join(ROOT, 'tools/provision-database.ts'), '--apps', partner],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
        env: { PATH: process.env.PATH, DATABASE_ADMIN_URL: env.databaseUrl, PARTNERS_FILE: partnersFile, ...passwords },
      },
    );
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  async function login(role: string, password: string): Promise<string> {
    const client = new Client({ connectionString: databaseUrlFor(env.databaseUrl, role, password) });
    await client.connect();
    try {
      return ((await client.query('SELECT current_user AS name')).rows as { name: string }[])[0].name;
    } finally {
      await client.end();
    }
  }

  it('refuses to run without every password it needs, naming each', () => {
    const { status, output } = provision({ [`DATABASE_PASSWORD_${variable}`]: 'only-this-one' });
    expect(status).toBe(1);
    expect(output).toContain(`DATABASE_OWNER_PASSWORD_${variable} is not set`);
    expect(output).not.toContain('only-this-one');
  });

  it("creates the runtime role and the schema's owner, the schema owned by the owner; again with a new password", async () => {
    const first = { runtime: randomBytes(12).toString('hex'), owner: randomBytes(12).toString('hex') };
    const run = provision({
      [`DATABASE_PASSWORD_${variable}`]: first.runtime,
      [`DATABASE_OWNER_PASSWORD_${variable}`]: first.owner,
    });
    expect(run).toEqual({ status: 0, output: expect.stringContaining(`${partner} (${schema})`) as string });
    expect(run.output).not.toContain(first.runtime);
    expect(await login(runtimeRole, first.runtime)).toBe(runtimeRole);

    // The owner migrates; the runtime role works in the schema and creates nothing there.
    const dataSource = await createAppDataSource({
      url: databaseUrlFor(env.databaseUrl, runtimeRole, first.runtime),
      migrationUrl: databaseUrlFor(env.databaseUrl, ownerRole, first.owner),
      schema,
      applicationName: 'test:provision-database',
    });
    try {
      await expect(dataSource.query('SELECT count(*) FROM messaging_outbox')).resolves.toHaveLength(1);
      await expect(dataSource.query('CREATE TABLE intruder (id int)')).rejects.toMatchObject({
        driverError: { code: '42501' },
      });
    } finally {
      await dataSource.destroy();
    }

    // Idempotent: run again with a new runtime password; the old one no longer logs in.
    const second = randomBytes(12).toString('hex');
    expect(
      provision({ [`DATABASE_PASSWORD_${variable}`]: second, [`DATABASE_OWNER_PASSWORD_${variable}`]: first.owner })
        .status,
    ).toBe(0);
    expect(await login(runtimeRole, second)).toBe(runtimeRole);
    await expect(login(runtimeRole, first.runtime)).rejects.toMatchObject({ code: '28P01' });
  }, 240_000);
});
