/**
 * Provisions a PostgreSQL database that someone else runs (docker compose, a user's own) for
 * cstr-hub, with least privilege: for the hub, every adapter instance (one per partner of the
 * partners file, named after the partner) and, when asked, the partner sandbox — a runtime login
 * role (`cstr_<app>`, the app's DATABASE_URL) and a schema owner (`cstr_<app>_owner`, its
 * DATABASE_MIGRATION_URL), the app's schema owned by the owner, the runtime role allowed to use
 * it and nothing else. Idempotent: run it again after adding a partner or changing a password; a
 * schema an earlier version migrated as the administrator is handed over to its owner.
 *
 *   node tools/run-ts.js tools/provision-database.ts [--apps hub,croydon-mc,partner-sandbox]
 *   node dist/tools/provision-database.js [--apps …]        (after `npm run build`; compose's provision-database)
 *
 * Without --apps: the hub and every partner's adapter instance (not the sandbox, a test double).
 *
 * Environment:
 *   DATABASE_ADMIN_URL                 postgres://admin:secret@host:5432/cstr — a superuser (a role with
 *                                      CREATEROLE and CREATE on the database does while the apps'
 *                                      schemas are new); the database in it is the one provisioned
 *   PARTNERS_FILE                      partners; default config/partners.yaml of the project
 *   DATABASE_PASSWORD_<APP>            each app's runtime role password, <APP> = HUB, PARTNER_SANDBOX,
 *                                      or a partner id in upper snake case (croydon-mc → CROYDON_MC)
 *   DATABASE_OWNER_PASSWORD_<APP>      each app's schema owner password
 *
 * Waits (bounded) for the database to answer, prints a one-line summary, exits 0; on failure
 * prints why and exits 1. Never prints a password.
 */
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { provisionDatabaseRoles, type AppDatabaseLogins } from '@cstr/messaging';
import {
  HUB_DATABASE_APP,
  SANDBOX_DATABASE_APP,
  projectRoot,
  readPartnersFile,
  systemDatabaseApps,
} from '@cstr/testing';
import { maskSecrets, parseUrl, redact, runCommand, seconds } from './provision-kit';

/** How long to wait for the database to come up, and how often to try. */
const WAIT_MS = 90_000;
const RETRY_EVERY_MS = 2_000;

/** `DATABASE_PASSWORD_<APP>` / `DATABASE_OWNER_PASSWORD_<APP>`: the variables of an app's passwords. */
function databasePasswordVariables(name: string): { readonly runtime: string; readonly owner: string } {
  const suffix = name.toUpperCase().replace(/-/g, '_');
  return { runtime: `DATABASE_PASSWORD_${suffix}`, owner: `DATABASE_OWNER_PASSWORD_${suffix}` };
}

interface Settings {
  readonly adminUrl: string;
  readonly partnersFile: string;
  readonly apps: readonly (AppDatabaseLogins & { readonly name: string })[];
}

/** Reads and checks the arguments and environment; names every missing or wrong variable at once. */
function readSettings(argv: readonly string[], env: NodeJS.ProcessEnv): Settings {
  const { values } = parseArgs({ args: [...argv], options: { apps: { type: 'string' } }, strict: true });
  const problems: string[] = [];
  const required = (key: string): string => {
    const value = env[key]?.trim();
    if (!value) problems.push(`${key} is not set`);
    return value ?? '';
  };

  const adminUrl = required('DATABASE_ADMIN_URL');
  if (adminUrl) {
    const url = parseUrl(adminUrl);
    if (!url || !/^postgres(ql)?:$/.test(url.protocol) || !url.username)
      problems.push("DATABASE_ADMIN_URL must be a postgres:// URL with the administrator's user name");
  }

  const partnersFile = env.PARTNERS_FILE ? resolve(env.PARTNERS_FILE) : join(projectRoot(), 'config', 'partners.yaml');
  const all = systemDatabaseApps(readPartnersFile(partnersFile));
  const wanted = values.apps
    ? values.apps
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean)
    : all.map(({ name }) => name).filter((name) => name !== SANDBOX_DATABASE_APP);
  for (const name of wanted)
    if (!all.some((app) => app.name === name))
      problems.push(
        `--apps: ${name} is neither ${HUB_DATABASE_APP}, ${SANDBOX_DATABASE_APP} nor a partner of ${partnersFile}`,
      );
  const apps = all
    .filter((app) => wanted.includes(app.name))
    .map((app) => {
      const variables = databasePasswordVariables(app.name);
      return { ...app, runtimePassword: required(variables.runtime), ownerPassword: required(variables.owner) };
    });
  for (const app of apps)
    if (app.runtimePassword && app.runtimePassword === app.ownerPassword)
      problems.push(`${databasePasswordVariables(app.name).owner} must differ from the runtime role's password`);

  if (problems.length > 0)
    throw new Error(`Cannot provision the database:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  return { adminUrl, partnersFile, apps };
}

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2), process.env);
  maskSecrets(
    decodeURIComponent(new URL(settings.adminUrl).password),
    ...settings.apps.flatMap((app) => [app.runtimePassword, app.ownerPassword]),
  );
  const startedAt = Date.now();
  const deadline = startedAt + WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await provisionDatabaseRoles(settings.adminUrl, settings.apps);
      break;
    } catch (error) {
      if (!isTransient(error) || Date.now() + RETRY_EVERY_MS > deadline) {
        const waited = attempt > 1 ? ` (gave up after ${attempt} attempts in ${seconds(Date.now() - startedAt)})` : '';
        throw new Error(`Provisioning the database failed${waited}: ${(error as Error).message}`);
      }
      if (attempt === 1)
        console.log(redact(`Waiting for the database (up to ${seconds(WAIT_MS)}): ${(error as Error).message}`));
      await new Promise((done) => setTimeout(done, RETRY_EVERY_MS));
    }
  }
  const url = new URL(settings.adminUrl);
  console.log(
    `Provisioned database ${url.pathname.slice(1)} at ${url.host}: a runtime role and a schema owner for ` +
      `${settings.apps.map((app) => `${app.name} (${app.schema})`).join(', ')} ` +
      `from ${relative(process.cwd(), settings.partnersFile) || settings.partnersFile}, in ${seconds(Date.now() - startedAt)}`,
  );
}

/** The server is not (fully) up yet: refused, reset, DNS not ready, starting up or shutting down. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|57P03|57P01)$/.test(code)
  );
}

runCommand(main);
