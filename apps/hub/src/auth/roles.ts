/** The roles of the HTTP API (SPEC §7). */
export const ROLES = ['partner', 'ig-auditor', 'operator', 'admin'] as const;

/** One role of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** The roles a user (a person, not a partner system) may hold. */
export const USER_ROLES: readonly Role[] = ['ig-auditor', 'operator', 'admin'];

/** True when `value` names a role of {@link ROLES}. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Who made a request: a partner system (role `partner`, bound to its partner id) or a user with
 * one or more of the user roles.
 */
export type Principal =
  | { readonly kind: 'partner'; readonly id: string; readonly roles: readonly ['partner']; readonly partnerId: string }
  | { readonly kind: 'user'; readonly id: string; readonly roles: readonly Role[] };

/** A principal as configured and stored: with the hash of its secret (never the secret). */
export type StoredPrincipal = Principal & { readonly secretHash: string };
