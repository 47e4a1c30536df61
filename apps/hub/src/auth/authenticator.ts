import { createHmac, randomBytes } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { ConcurrencyLimitFullError } from './concurrency-limit';
import { LoginThrottles } from './login-throttle';
import type { PrincipalStore } from './principal-store';
import type { Principal, StoredPrincipal } from './roles';
import { hashSecret, verifySecret } from './secret-hash';

/** The challenge sent with a 401 of the API for programs (never on the console's routes). */
export const WWW_AUTHENTICATE = 'Basic realm="cstr-hub", charset="UTF-8"';

const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 1_000;

/** A 401 answer: the credentials are missing or wrong. */
export function loginRequired(diagnostics: string): OperationOutcomeError {
  return new OperationOutcomeError(HttpStatus.UNAUTHORIZED, operationOutcome('error', 'login', diagnostics));
}

/** A 503 answer: too many logins are being checked at once; the caller should retry shortly. */
export function loginBusy(): OperationOutcomeError {
  return new OperationOutcomeError(
    HttpStatus.SERVICE_UNAVAILABLE,
    operationOutcome('error', 'transient', 'Too many logins are being checked at once; try again in a few seconds.'),
  );
}

/**
 * Checks a principal id and secret against the stored scrypt hashes: for HTTP Basic (the API for
 * programs) and for the console's sign-in. Throttled per id and per source address
 * ({@link LoginThrottles}); scrypt runs under the process's cap (`limitScrypt`). An unknown id is
 * checked against a decoy hash of the default cost, so it costs what a wrong secret costs.
 * scrypt is slow on purpose, so a verified credential is remembered for a minute — as an HMAC
 * under a key that exists only in this process's memory, never the secret itself.
 */
export class Authenticator {
  private readonly cacheKey = randomBytes(32);
  private readonly verified = new Map<string, number>();
  /** Checked against when the id is unknown, so an unknown id takes as long as a wrong secret. */
  private decoy: Promise<string> | undefined;

  constructor(
    private readonly store: PrincipalStore,
    private readonly throttles: LoginThrottles,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The principal of an `Authorization` header value (HTTP Basic), `source` the caller's address.
   * Throws an {@link OperationOutcomeError}: 401 (`login`) when missing or wrong, 429 when the id
   * or the address has failed too often lately, 503 when too many logins are being checked.
   */
  async authenticate(authorization: string | undefined, source?: string): Promise<Principal> {
    const credentials = parseBasic(authorization);
    if (!credentials) throw loginRequired('Authentication required: HTTP Basic with your principal id and secret.');
    return this.verify(credentials.id, credentials.secret, source);
  }

  /** The principal of an id and secret (see {@link authenticate} for the errors). */
  async verify(id: string, secret: string, source?: string): Promise<Principal> {
    const wait = this.throttles.retryAfter(id, source);
    if (wait.ms > 0) {
      throw new OperationOutcomeError(
        HttpStatus.TOO_MANY_REQUESTS,
        operationOutcome(
          'error',
          'transient',
          `Too many failed logins ${wait.what === 'address' ? 'from this address' : 'for this id'}; try again in ${Math.ceil(wait.ms / 1000)} s.`,
        ),
      );
    }
    try {
      const principal = await this.store.find(id);
      if (!principal) await verifySecret(secret, await (this.decoy ??= hashSecret(randomBytes(16).toString('hex'))));
      if (!principal || !(await this.secretMatches(principal, secret))) {
        this.throttles.failed(id, source);
        throw loginRequired('Unknown principal or wrong secret.');
      }
      this.throttles.succeeded(id);
      return withoutHash(principal);
    } catch (error) {
      if (error instanceof ConcurrencyLimitFullError) throw loginBusy();
      throw error;
    }
  }

  private async secretMatches(principal: StoredPrincipal, secret: string): Promise<boolean> {
    // The stored hash is part of the key: a changed secret invalidates what was remembered.
    const digest = createHmac('sha256', this.cacheKey)
      .update(`${principal.id}\0${principal.secretHash}\0${secret}`)
      .digest('base64url');
    const until = this.verified.get(digest);
    if (until !== undefined && until > this.now()) return true;
    this.verified.delete(digest);
    if (!(await verifySecret(secret, principal.secretHash))) return false;
    if (this.verified.size >= CACHE_MAX) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(digest, this.now() + CACHE_TTL_MS);
    return true;
  }
}

/** `{ id, secret }` of a `Basic` header, or undefined when absent or malformed. */
export function parseBasic(authorization: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon > 200) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function withoutHash(principal: StoredPrincipal): Principal {
  return principal.kind === 'partner'
    ? { kind: 'partner', id: principal.id, roles: principal.roles, partnerId: principal.partnerId }
    : { kind: 'user', id: principal.id, roles: principal.roles };
}
