/**
 * Keys for `pg_advisory_xact_lock`: the person index serialises work on the same identifiers
 * (and the same name + birth date) across hub instances, so two instances resolving one new
 * person at the same moment end with one person.
 */
import { createHash } from 'node:crypto';

const NAMESPACE = 'cstr-person-index';

/** A signed 64-bit lock key (as a decimal string, as `pg` expects for bigint) for `text`. */
export function advisoryLockKey(text: string): string {
  const digest = createHash('sha256').update(`${NAMESPACE}\u0000${text}`).digest();
  return digest.readBigInt64BE(0).toString();
}

/**
 * Lock keys for `texts`, distinct and in ascending numeric order: every transaction takes its
 * locks in the same order, so two of them can never wait for each other in a circle.
 */
export function sortedAdvisoryLockKeys(texts: readonly string[]): string[] {
  const keys = [...new Set(texts.map(advisoryLockKey))].map(BigInt);
  keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.map(String);
}
