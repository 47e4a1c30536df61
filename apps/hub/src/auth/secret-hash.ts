import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ConcurrencyLimit } from './concurrency-limit';

/** Cost parameters of new hashes (one of OWASP's scrypt settings: N = 2^15, r = 8, p = 3; 32 MiB a hash). */
export const DEFAULT_SCRYPT_COST = { N: 2 ** 15, r: 8, p: 3 } as const;

const KEY_LENGTH = 32;
const SALT_BYTES = 16;
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{43})$/;

/** scrypt computations run at once by default: libuv has 4 threads, so file and DNS work keeps at least 2. */
export const DEFAULT_SCRYPT_CONCURRENCY = 2;
/** scrypt computations that may wait for a place by default; more are refused at once (ConcurrencyLimitFullError). */
export const DEFAULT_SCRYPT_QUEUE = 128;

let limit = new ConcurrencyLimit(DEFAULT_SCRYPT_CONCURRENCY, DEFAULT_SCRYPT_QUEUE);

/**
 * Caps the scrypt computations of this process (hashing and verifying): at most `concurrency`
 * at once (each holds a libuv thread and 32 MiB at the default cost), at most `maxQueued`
 * waiting; beyond that {@link hashSecret} and {@link verifySecret} reject with
 * `ConcurrencyLimitFullError` at once. A flood of logins then cannot take every libuv thread
 * (file, DNS and other crypto work) or unbounded memory. The hub sets it from its config at boot.
 */
export function limitScrypt(concurrency: number, maxQueued: number): void {
  limit = new ConcurrencyLimit(concurrency, maxQueued);
}

/** The scrypt cap in force (see {@link limitScrypt}). */
export function scryptLimit(): ConcurrencyLimit {
  return limit;
}

function scryptOptions(cost: { N: number; r: number; p: number }): ScryptOptions {
  return { ...cost, maxmem: 256 * cost.N * cost.r };
}

function derive(secret: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  return limit.run(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(secret.normalize('NFC'), salt, KEY_LENGTH, scryptOptions(cost), (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      ),
  );
}

/**
 * Hashes a secret with scrypt and a fresh random salt:
 * `scrypt$N$r$p$<salt base64url>$<key base64url>` (the cost travels with the hash, so it can be
 * raised later without invalidating stored hashes).
 */
export async function hashSecret(
  secret: string,
  cost: { N: number; r: number; p: number } = DEFAULT_SCRYPT_COST,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(secret, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** True when `hash` is in the format {@link hashSecret} writes, with sane cost parameters. */
export function isSecretHash(hash: unknown): hash is string {
  if (typeof hash !== 'string') return false;
  const match = FORMAT.exec(hash);
  if (!match) return false;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // N a power of two; bounds keep a hostile file from making each login cost gigabytes.
  return N >= 2 ** 10 && N <= 2 ** 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16;
}

/**
 * True when `secret` hashes to `hash` (constant-time comparison); false for a malformed hash.
 * Runs under the process's scrypt cap ({@link limitScrypt}).
 */
export async function verifySecret(secret: string, hash: string): Promise<boolean> {
  if (!isSecretHash(hash)) return false;
  const [, N, r, p, salt, key] = FORMAT.exec(hash) as RegExpExecArray;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(secret, Buffer.from(salt, 'base64url'), { N: Number(N), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * {@link verifySecret}, synchronously and outside the cap: for checks at boot only (the
 * production check of the principals file), never on a request path.
 */
export function verifySecretSync(secret: string, hash: string): boolean {
  if (!isSecretHash(hash)) return false;
  const [, N, r, p, salt, key] = FORMAT.exec(hash) as RegExpExecArray;
  const cost = { N: Number(N), r: Number(r), p: Number(p) };
  const expected = Buffer.from(key, 'base64url');
  const actual = scryptSync(secret.normalize('NFC'), Buffer.from(salt, 'base64url'), KEY_LENGTH, scryptOptions(cost));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
