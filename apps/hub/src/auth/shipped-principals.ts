import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadPrincipalsFile, PrincipalsConfigError, type ConfiguredPrincipal } from './principals.loader';
import { verifySecretSync } from './secret-hash';

/** The documented demo secrets are `dev-only-<id>` (apps/hub/README.md). */
const DEV_ONLY_MARKER = 'dev-only-';

/** The principals file shipped with the project: the demo principals (`demo: true`), from the project root. */
export const SHIPPED_PRINCIPALS_FILE = 'config/principals.yaml';

/**
 * What makes a principals file unfit for production, one line per problem (empty: fit): a
 * principal marked `demo: true`; one with the secret hash of a shipped demo principal (a copied
 * entry); one whose secret is the documented demo secret `dev-only-<id>`; or a file that does not
 * load. `shippedFile` is the project's own principals file, whose demo hashes are known; the
 * demo-secret check runs scrypt once per principal (at boot, in production only).
 */
export function shippedPrincipalProblems(file: string, shippedFile?: string): string[] {
  let principals: ConfiguredPrincipal[];
  try {
    principals = loadPrincipalsFile(file, () => true);
  } catch (error) {
    if (error instanceof PrincipalsConfigError) return [...error.problems];
    throw error;
  }
  const shippedHashes = new Set<string>();
  if (shippedFile && resolve(shippedFile) !== resolve(file) && existsSync(shippedFile)) {
    try {
      for (const principal of loadPrincipalsFile(shippedFile, () => true))
        if (principal.demo) shippedHashes.add(principal.secretHash);
    } catch (error) {
      if (!(error instanceof PrincipalsConfigError)) throw error;
    }
  }
  const problems: string[] = [];
  for (const principal of principals) {
    if (principal.demo) problems.push(`${principal.id} is a shipped demo principal (demo: true)`);
    else if (shippedHashes.has(principal.secretHash))
      problems.push(`${principal.id} has the secret hash of a shipped demo principal`);
    else if (verifySecretSync(`${DEV_ONLY_MARKER}${principal.id}`, principal.secretHash))
      problems.push(`${principal.id} has the documented demo secret ${DEV_ONLY_MARKER}${principal.id}`);
  }
  return problems;
}
