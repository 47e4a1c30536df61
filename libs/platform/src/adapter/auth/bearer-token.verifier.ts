import { createPublicKey } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey, type KeyLike } from 'jose';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import type { InboundTokenSettings } from './partner-auth-settings';

/** Signature algorithms a partner's token may use (never `none`, never HMAC with a shared key). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384'];

/** The caller an inbound door let in. */
export interface AuthenticatedCaller {
  readonly clientId: string;
}

/** Checks one inbound request: resolves with the caller, or throws a 401/403 {@link OperationOutcomeError}. */
export interface InboundAuthenticator {
  /** The `WWW-Authenticate` scheme of a 401 (default `Bearer`). */
  readonly challenge?: string;
  authenticate(request: InboundRequest): Promise<AuthenticatedCaller>;
}

/** What an authenticator may read of a request. */
export interface InboundRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: unknown;
}

/** A 401 OperationOutcome: no credentials, or credentials that do not verify. */
export function unauthenticated(diagnostics: string): OperationOutcomeError {
  return new OperationOutcomeError(401, operationOutcome('error', 'login', diagnostics));
}

/** A 403 OperationOutcome: valid credentials of someone who may not use this door. */
export function forbidden(diagnostics: string): OperationOutcomeError {
  return new OperationOutcomeError(403, operationOutcome('error', 'forbidden', diagnostics));
}

/** The value of a header (the first, when repeated). */
export function headerValue(request: InboundRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * OAuth2 bearer tokens (RFC 6750) issued to the partner's own system by the partner's token
 * issuer (client credentials): a JWT whose signature verifies with a key the adapter trusts (the
 * issuer's JWKS, fetched and cached by `jose`, or a configured public key), whose `iss` and `aud`
 * are the configured ones, which has not expired, and whose client (`client_id`, else `azp`,
 * else `appid`, else `sub`) is one of the partner's. A missing or unverifiable token is 401; a
 * valid token of another client is 403.
 */
export class BearerTokenVerifier implements InboundAuthenticator {
  private readonly key: JWTVerifyGetKey | KeyLike;

  constructor(private readonly settings: InboundTokenSettings) {
    this.key = settings.jwksUrl
      ? createRemoteJWKSet(new URL(settings.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 })
      : createPublicKey(settings.publicKey as string);
  }

  async authenticate(request: InboundRequest): Promise<AuthenticatedCaller> {
    const header = headerValue(request, 'authorization');
    const match = header ? /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim()) : null;
    if (!match) throw unauthenticated('A bearer token from the partner’s token issuer is required.');
    let payload: Record<string, unknown>;
    try {
      const verified = await jwtVerify(match[1], this.key as JWTVerifyGetKey, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
        clockTolerance: 30,
      });
      payload = verified.payload as Record<string, unknown>;
    } catch (error) {
      throw unauthenticated(`The bearer token is not valid (${reasonOf(error)}).`);
    }
    const clientId = [payload.client_id, payload.azp, payload.appid, payload.sub].find(
      (value): value is string => typeof value === 'string' && value !== '',
    );
    if (!clientId || !this.settings.clientIds.includes(clientId))
      throw forbidden('The token was issued to a client that is not this partner’s system.');
    return { clientId };
  }
}

/** Why jose refused a token, in words that never echo the token. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} not as expected`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'signed by a key the issuer does not publish';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JOSEError) return error.code;
  return 'keys of the issuer unavailable';
}
