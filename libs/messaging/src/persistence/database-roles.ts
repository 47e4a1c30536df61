import { Client } from 'pg';

/**
 * Least privilege in PostgreSQL: every app instance (the hub, each adapter instance, the partner
 * sandbox) has two login roles of its own —
 * - the **owner** (`cstr_<app>_owner`): owns the app's schema and every table in it, and runs the
 *   migrations (`DATABASE_MIGRATION_URL`); used at boot only;
 * - the **runtime** role (`cstr_<app>`, `DATABASE_URL`): may use that schema and read and write its
 *   tables, as granted by the owner after each migration run ({@link grantRuntimePrivileges}); it
 *   owns nothing, so it cannot alter, truncate or drop a table or disable a trigger, and it reaches
 *   no other app's schema.
 * The runtime role is not a member of the owner (a `SET ROLE` away from its powers would give them back).
 */

/** A SQL identifier this module accepts for schemas and roles: lower-case, never quoted. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Privileges the runtime role may hold on a table. */
export type TablePrivilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

/**
 * Tables whose runtime privileges are narrower than read and write (by table name, in the app's
 * schema): e.g. the audit's append-only tables. Tables not listed get SELECT, INSERT, UPDATE, DELETE.
 */
export type RuntimeTablePrivileges = Readonly<Record<string, readonly TablePrivilege[]>>;

/** The full read-write set every table not listed in {@link RuntimeTablePrivileges} gets. */
const READ_WRITE: readonly TablePrivilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/** The migrations table: the runtime role may read it (what ran), never change it. */
const MIGRATIONS_TABLE = 'typeorm_migrations';

/** The two roles of one app instance, and its schema. */
export interface AppDatabaseRoles {
  readonly schema: string;
  /** Login role the app works as (`DATABASE_URL`). */
  readonly runtimeRole: string;
  /** Login role that owns the schema and runs the migrations (`DATABASE_MIGRATION_URL`). */
  readonly ownerRole: string;
}

/** {@link AppDatabaseRoles} with the passwords to set. */
export interface AppDatabaseLogins extends AppDatabaseRoles {
  readonly runtimePassword: string;
  readonly ownerPassword: string;
}

/**
 * The role names of an app instance: `cstr_<name>` and `cstr_<name>_owner`, `name` in snake case
 * (`hub`, `partner-sandbox`, a partner id such as `croydon-mc` for its adapter instance).
 */
export function appDatabaseRoleNames(name: string): { readonly runtimeRole: string; readonly ownerRole: string } {
  const snake = name.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  const runtimeRole = `cstr_${snake}`;
  checkIdentifier(`${runtimeRole}_owner`, 'role');
  return { runtimeRole, ownerRole: `${runtimeRole}_owner` };
}

/**
 * Creates (or updates) the roles of each app and hands its schema to the owner, as a database
 * administrator (a superuser; a role with CREATEROLE and CREATE on the database does while the
 * schemas are new — handing an existing schema over needs a superuser): idempotent, safe to
 * run at every start and after adding a partner or changing a password. For each app:
 * - both roles exist, LOGIN, with the given passwords, without any attribute beyond LOGIN;
 * - the schema exists and belongs to the owner, and so does everything already in it (a schema an
 *   earlier version migrated as the administrator is taken over);
 * - nobody but the owner may use the schema, except the runtime role (USAGE, not CREATE);
 * - tables and sequences the owner creates later are readable and writable by the runtime role
 *   (default privileges); the owner narrows them after each migration run ({@link grantRuntimePrivileges}).
 * Several provisioners at once (test workers) take turns on an advisory lock.
 */
export async function provisionDatabaseRoles(adminUrl: string, apps: readonly AppDatabaseLogins[]): Promise<void> {
  for (const app of apps) {
    checkIdentifier(app.schema, 'schema');
    checkIdentifier(app.runtimeRole, 'role');
    checkIdentifier(app.ownerRole, 'role');
    if (app.runtimeRole === app.ownerRole) throw new Error(`${app.schema}: the runtime and owner roles must differ`);
  }
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['cstr-database-roles']);
    for (const app of apps) await provisionApp(client, app);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

async function provisionApp(client: Client, app: AppDatabaseLogins): Promise<void> {
  const { schema, runtimeRole: runtime, ownerRole: owner } = app;
  for (const [role, password] of [
    [owner, app.ownerPassword],
    [runtime, app.runtimePassword],
  ] as const) {
    const { rows: existing } = (await client.query(
      'SELECT rolsuper OR rolreplication OR rolbypassrls AS powerful FROM pg_roles WHERE rolname = $1',
      [role],
    )) as { rows: { powerful: boolean }[] };
    // A new role has none of SUPERUSER, REPLICATION, BYPASSRLS; naming them at all needs a superuser.
    if (existing[0]?.powerful)
      throw new Error(
        `Role ${role} exists with SUPERUSER, REPLICATION or BYPASSRLS: not an app's role; drop it or rename`,
      );
    const attributes = `LOGIN NOCREATEDB NOCREATEROLE INHERIT PASSWORD ${literal(password)}`;
    await client.query(`${existing.length ? 'ALTER' : 'CREATE'} ROLE ${role} WITH ${attributes}`);
  }
  // The runtime role must never be able to become the owner (a warning only when it is not a member).
  await client.query(`REVOKE ${owner} FROM ${runtime}`);
  // An administrator without SUPERUSER (CREATEROLE) hands objects to the owner as a member of it.
  const { rows: admin } = (await client.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')) as {
    rows: { rolsuper: boolean }[];
  };
  if (!admin[0]?.rolsuper) await client.query(`GRANT ${owner} TO CURRENT_USER`);

  const { rows } = (await client.query('SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1', [
    schema,
  ])) as { rows: { owner: string }[] };
  if (rows.length === 0) await client.query(`CREATE SCHEMA ${schema} AUTHORIZATION ${owner}`);
  else {
    if (rows[0].owner !== owner) await client.query(`ALTER SCHEMA ${schema} OWNER TO ${owner}`);
    await takeOverObjects(client, schema, owner);
  }
  await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`);
  await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${runtime}`);
  await client.query(`REVOKE CREATE ON SCHEMA ${schema} FROM ${runtime}`);
  await client.query(
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT ${READ_WRITE.join(', ')} ON TABLES TO ${runtime}`,
  );
  await client.query(
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${runtime}`,
  );
}

/**
 * Gives the owner what others own in its schema: tables (with their indexes, and the sequences
 * of their columns), free-standing sequences, views, functions and types.
 */
async function takeOverObjects(client: Client, schema: string, owner: string): Promise<void> {
  const { rows: relations } = (await client.query(
    `SELECT c.relname AS name, c.relkind AS kind
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relowner <> $2::regrole
        AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        AND NOT (c.relkind = 'S' AND EXISTS (
          SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
        AND NOT c.relispartition`,
    [schema, owner],
  )) as { rows: { name: string; kind: string }[] };
  for (const { name, kind } of relations) {
    const what = kind === 'S' ? 'SEQUENCE' : kind === 'v' ? 'VIEW' : kind === 'm' ? 'MATERIALIZED VIEW' : 'TABLE';
    await client.query(`ALTER ${what} ${schema}.${ident(name)} OWNER TO ${owner}`);
  }
  const { rows: functions } = (await client.query(
    `SELECT p.oid::regprocedure::text AS signature, p.prokind AS kind
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND p.proowner <> $2::regrole`,
    [schema, owner],
  )) as { rows: { signature: string; kind: string }[] };
  for (const { signature, kind } of functions) {
    // regprocedure prints the name schema-qualified when the schema is not on the search path.
    const qualified = signature.startsWith(`${schema}.`) ? signature : `${schema}.${signature}`;
    await client.query(`ALTER ${kind === 'p' ? 'PROCEDURE' : 'FUNCTION'} ${qualified} OWNER TO ${owner}`);
  }
  const { rows: types } = (await client.query(
    `SELECT t.typname AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 AND t.typowner <> $2::regrole AND t.typtype IN ('e', 'd', 'c', 'r')
        AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')`,
    [schema, owner],
  )) as { rows: { name: string }[] };
  for (const { name } of types) await client.query(`ALTER TYPE ${schema}.${ident(name)} OWNER TO ${owner}`);
}

/**
 * Run by the owner after its migrations, in the same session: grants the runtime role exactly
 * what the app needs in the schema — USAGE on it; SELECT, INSERT, UPDATE, DELETE on its tables
 * (narrower where `narrowed` says so); sequences; SELECT only on the migrations table — and makes
 * that the default for tables created later.
 */
export async function grantRuntimePrivileges(
  query: (sql: string) => Promise<unknown>,
  schema: string,
  runtimeRole: string,
  narrowed: RuntimeTablePrivileges = {},
): Promise<void> {
  checkIdentifier(schema, 'schema');
  checkIdentifier(runtimeRole, 'role');
  await query(`GRANT USAGE ON SCHEMA ${schema} TO ${runtimeRole}`);
  await query(
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT ${READ_WRITE.join(', ')} ON TABLES TO ${runtimeRole}`,
  );
  await query(
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${runtimeRole}`,
  );
  await query(`GRANT ${READ_WRITE.join(', ')} ON ALL TABLES IN SCHEMA ${schema} TO ${runtimeRole}`);
  await query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${runtimeRole}`);
  const tables: [string, readonly TablePrivilege[]][] = [[MIGRATIONS_TABLE, ['SELECT']], ...Object.entries(narrowed)];
  for (const [table, privileges] of tables) {
    checkIdentifier(table, 'table');
    await query(`REVOKE ALL ON TABLE ${schema}.${table} FROM ${runtimeRole}`);
    if (privileges.length > 0)
      await query(`GRANT ${privileges.join(', ')} ON TABLE ${schema}.${table} TO ${runtimeRole}`);
  }
}

/** Drops roles and everything they own in the current database (tests' throw-away roles). */
export async function dropDatabaseRoles(adminUrl: string, roles: readonly string[]): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const role of roles) {
      checkIdentifier(role, 'role');
      const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if (!rowCount) continue;
      await client.query(`DROP OWNED BY ${role} CASCADE`);
      await client.query(`DROP ROLE ${role}`);
    }
  } finally {
    await client.end();
  }
}

/** The user name of a `postgres://user:password@…` URL (decoded), or undefined. */
export function databaseUrlUser(url: string): string | undefined {
  try {
    const user = decodeURIComponent(new URL(url).username);
    return user || undefined;
  } catch {
    return undefined;
  }
}

/** `postgres://<role>:<password>@<host of adminUrl>/<database of adminUrl><its query>`. */
export function databaseUrlFor(adminUrl: string, role: string, password: string): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(role);
  url.password = encodeURIComponent(password);
  return url.toString();
}

function checkIdentifier(name: string, what: string): void {
  if (!IDENTIFIER.test(name))
    throw new Error(`Invalid ${what} name ${JSON.stringify(name)}: lower-case SQL identifier expected`);
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
