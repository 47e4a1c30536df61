import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { OutboundAuthSettings } from './partner-auth-settings';

/** The token endpoint refused or could not be reached: the call it was for did not go out. */
export class TokenUnavailableError extends Error {
  readonly code = 'token-unavailable';
  constructor(
    readonly tokenUrl: string,
    reason: string,
  ) {
    super(`No access token from ${tokenUrl}: ${reason}`);
    this.name = 'TokenUnavailableError';
  }
}

/** What proves the adapter's identity to the token endpoint. */
export type ClientCredential =
  | { readonly kind: 'secret'; readonly secret: string }
  /** A PEM private key (RSA) signing the client assertion. */
  | { readonly kind: 'private-key'; readonly privateKey: string };

/** Options of {@link ClientCredentialsTokenSource}. */
export interface TokenSourceOptions {
  readonly settings: OutboundAuthSettings;
  readonly credential: ClientCredential;
  readonly timeoutMs?: number;
  /** A token is renewed this long before it expires (default 30 s, at most half its lifetime). */
  readonly refreshBeforeExpiryMs?: number;
  /** Injected in tests. */
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/** Anything that hands out bearer tokens for calls to a partner's system. */
export interface AccessTokenSource {
  /** A valid token: the cached one, or a new one when it is about to expire. */
  token(): Promise<string>;
  /** Forgets `token` (the server answered 401 with it), so the next {@link token} asks for a new one. */
  invalidate(token: string): void;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * OAuth2 client credentials (RFC 6749 §4.4) against a partner's token endpoint: with a client
 * secret (HTTP Basic, as HMPPS Auth takes it) or a private-key JWT client assertion signed RS512
 * (RFC 7523, as NHS England's API platform takes it for application-restricted APIs). The token
 * is cached until shortly before it expires; concurrent callers share one request.
 */
export class ClientCredentialsTokenSource implements AccessTokenSource {
  private cached?: { readonly token: string; readonly renewAt: number };
  private pending?: Promise<string>;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly privateKey?: KeyObject;

  constructor(private readonly options: TokenSourceOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    if (options.credential.kind === 'private-key') this.privateKey = createPrivateKey(options.credential.privateKey);
  }

  async token(): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) return this.cached.token;
    this.pending ??= this.request().finally(() => (this.pending = undefined));
    return this.pending;
  }

  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async request(): Promise<string> {
    const { settings, credential } = this.options;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (settings.scope) form.set('scope', settings.scope);
    if (settings.audience) form.set('audience', settings.audience);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (credential.kind === 'secret') {
      const pair = `${encodeURIComponent(settings.clientId)}:${encodeURIComponent(credential.secret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      form.set('client_assertion_type', ASSERTION_TYPE);
      form.set('client_assertion', await this.clientAssertion());
    }
    const started = this.now();
    let response: Response;
    try {
      response = await this.fetchImpl(settings.tokenUrl, {
        method: 'POST',
        headers,
        body: form.toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new TokenUnavailableError(
        settings.tokenUrl,
        `unreachable (${error instanceof Error ? error.name : 'error'})`,
      );
    }
    const body = (await response.json().catch(() => undefined)) as
      { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
    if (!response.ok || typeof body?.access_token !== 'string') {
      const code = typeof body?.error === 'string' ? ` ${body.error.slice(0, 60)}` : '';
      throw new TokenUnavailableError(settings.tokenUrl, `answered ${response.status}${code}`);
    }
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60) * 1000;
    const early = Math.min(this.options.refreshBeforeExpiryMs ?? 30_000, lifetimeMs / 2);
    this.cached = { token: body.access_token, renewAt: started + lifetimeMs - early };
    return body.access_token;
  }

  /** The signed JWT that authenticates the client (iss = sub = client id, aud = the token endpoint, 5 minutes at most). */
  private clientAssertion(): Promise<string> {
    const { settings } = this.options;
    const issuedAt = Math.floor(this.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS512', typ: 'JWT', ...(settings.keyId ? { kid: settings.keyId } : {}) })
      .setIssuer(settings.clientId)
      .setSubject(settings.clientId)
      .setAudience(settings.tokenUrl)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 300)
      .sign(this.privateKey as KeyObject);
  }
}

/**
 * `fetch` with the source's bearer token on every request; a 401 answer forgets the token and
 * tries once more with a new one. A token that cannot be had rejects like a network failure
 * ({@link TokenUnavailableError}), so callers take it as the partner being unavailable.
 */
export function authorizedFetch(tokens: AccessTokenSource, base: typeof fetch = fetch): typeof fetch {
  return async (input, init = {}) => {
    const attempt = async (): Promise<{ token: string; response: Response }> => {
      const token = await tokens.token();
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token}`);
      return { token, response: await base(input, { ...init, headers }) };
    };
    const first = await attempt();
    if (first.response.status !== 401) return first.response;
    await first.response.arrayBuffer().catch(() => undefined);
    tokens.invalidate(first.token);
    return (await attempt()).response;
  };
}
