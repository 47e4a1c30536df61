import { ADAPTER_APP_BY_PARTNER_KIND, isPartnerKind } from '@cstr/contracts';
import { appDatabaseRoleNames, type AppDatabaseRoles } from '@cstr/messaging';
import { instanceSchema } from '@cstr/platform';

/** The hub's name among the database apps (its URLs are `DATABASE_URL` / `DATABASE_MIGRATION_URL`). */
export const HUB_DATABASE_APP = 'hub';
/** The partner sandbox's name among the database apps. */
export const SANDBOX_DATABASE_APP = 'partner-sandbox';

/** An app instance with roles of its own: `name` is `hub`, `partner-sandbox` or the partner id of an adapter instance. */
export interface DatabaseApp extends AppDatabaseRoles {
  readonly name: string;
}

/**
 * The app instances of the whole system, each with its schema (as the app derives it) and its two
 * roles (`cstr_<name>`, `cstr_<name>_owner`): the hub, the partner sandbox and one adapter
 * instance per partner, named after the partner.
 */
export function systemDatabaseApps(partners: readonly { readonly id: string; readonly kind: string }[]): DatabaseApp[] {
  const app = (name: string, instance: string): DatabaseApp => ({
    name,
    schema: instanceSchema(instance),
    ...appDatabaseRoleNames(name),
  });
  const apps = [app(HUB_DATABASE_APP, 'hub'), app(SANDBOX_DATABASE_APP, 'partner-sandbox')];
  for (const partner of partners) {
    if (partner.id === HUB_DATABASE_APP || partner.id === SANDBOX_DATABASE_APP)
      throw new Error(`Partner id ${partner.id} collides with the database roles of the ${partner.id}`);
    if (!isPartnerKind(partner.kind)) throw new Error(`Partner ${partner.id} has an unknown kind ${partner.kind}`);
    apps.push(app(partner.id, `${ADAPTER_APP_BY_PARTNER_KIND[partner.kind]}:${partner.id}`));
  }
  return apps;
}

/**
 * `DATABASE_URL_<NAME>` / `DATABASE_MIGRATION_URL_<NAME>` (upper snake case): the variables of an
 * app's runtime and owner URLs in `stack.env`; the hub's are also `DATABASE_URL` and `DATABASE_MIGRATION_URL`.
 */
export function databaseUrlVariables(name: string): { readonly url: string; readonly migrationUrl: string } {
  const suffix = name.toUpperCase().replace(/-/g, '_');
  return { url: `DATABASE_URL_${suffix}`, migrationUrl: `DATABASE_MIGRATION_URL_${suffix}` };
}
