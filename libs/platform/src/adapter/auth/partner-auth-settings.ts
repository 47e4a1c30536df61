import { ConfigError } from '../../config/load-config';

/**
 * How an adapter gets tokens for its calls to the partner's system (OAuth2 client credentials):
 * from the partners file `outboundTokenUrl`, `outboundClientId`, `outboundClientAuth`,
 * `outboundKeyId`, `outboundScope`, `outboundAudience`; the secret or private key from the adapter's environment.
 */
export interface OutboundAuthSettings {
  readonly tokenUrl: string;
  readonly clientId: string;
  /** `client_secret_basic` (a shared secret, e.g. HMPPS Auth) or `private_key_jwt` (a signed client assertion, e.g. NHS England APIM). */
  readonly clientAuth: 'client_secret_basic' | 'private_key_jwt';
  /** The `kid` of the signing key (private_key_jwt). */
  readonly keyId?: string;
  readonly scope?: string;
  readonly audience?: string;
}

/**
 * Who may call the adapter's inbound endpoints: OAuth2 bearer tokens (JWT) from the partner's
 * issuer. From the partners file `inboundTokenIssuer`, `inboundTokenJwksUrl` or
 * `inboundTokenPublicKey`, `inboundTokenAudience`, `inboundTokenClientIds`.
 */
export interface InboundTokenSettings {
  readonly issuer: string;
  readonly jwksUrl?: string;
  /** A PEM public key (SPKI) instead of a JWKS URL. */
  readonly publicKey?: string;
  readonly audience: string;
  /** The client ids of the partner's own system: a token of any other client is refused (403). */
  readonly clientIds: readonly string[];
}

const HTTP_URL = /^https?:\/\/\S+$/;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The outbound token settings of a partner's adapter settings (`partner.adapter`); a
 * {@link ConfigError} naming the key when they are missing or wrong.
 */
export function readOutboundAuthSettings(
  partnerId: string,
  settings: Readonly<Record<string, unknown>> | undefined,
): OutboundAuthSettings {
  const problems: { key: string; problem: string }[] = [];
  const tokenUrl = text(settings?.outboundTokenUrl);
  const clientId = text(settings?.outboundClientId);
  const clientAuth = settings?.outboundClientAuth ?? 'client_secret_basic';
  if (!tokenUrl || !HTTP_URL.test(tokenUrl))
    problems.push({ key: 'PARTNERS_FILE', problem: `partner ${partnerId} needs outboundTokenUrl (an http(s) URL)` });
  if (!clientId) problems.push({ key: 'PARTNERS_FILE', problem: `partner ${partnerId} needs outboundClientId` });
  if (clientAuth !== 'client_secret_basic' && clientAuth !== 'private_key_jwt')
    problems.push({
      key: 'PARTNERS_FILE',
      problem: `partner ${partnerId}: outboundClientAuth must be client_secret_basic or private_key_jwt`,
    });
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    tokenUrl: tokenUrl as string,
    clientId: clientId as string,
    clientAuth: clientAuth as OutboundAuthSettings['clientAuth'],
    ...(text(settings?.outboundKeyId) ? { keyId: text(settings?.outboundKeyId) } : {}),
    ...(text(settings?.outboundScope) ? { scope: text(settings?.outboundScope) } : {}),
    ...(text(settings?.outboundAudience) ? { audience: text(settings?.outboundAudience) } : {}),
  };
}

/**
 * The inbound bearer-token settings of a partner's adapter settings; a {@link ConfigError}
 * naming the key when they are missing or wrong (every door is authenticated: none is optional).
 */
export function readInboundTokenSettings(
  partnerId: string,
  settings: Readonly<Record<string, unknown>> | undefined,
): InboundTokenSettings {
  const problems: { key: string; problem: string }[] = [];
  const issuer = text(settings?.inboundTokenIssuer);
  const jwksUrl = text(settings?.inboundTokenJwksUrl);
  const publicKey = text(settings?.inboundTokenPublicKey);
  const audience = text(settings?.inboundTokenAudience);
  const clientIds = settings?.inboundTokenClientIds;
  if (!issuer) problems.push({ key: 'PARTNERS_FILE', problem: `partner ${partnerId} needs inboundTokenIssuer` });
  if (!audience) problems.push({ key: 'PARTNERS_FILE', problem: `partner ${partnerId} needs inboundTokenAudience` });
  if ((jwksUrl === undefined) === (publicKey === undefined))
    problems.push({
      key: 'PARTNERS_FILE',
      problem: `partner ${partnerId} needs one of inboundTokenJwksUrl (an http(s) URL) or inboundTokenPublicKey (PEM)`,
    });
  else if (jwksUrl !== undefined && !HTTP_URL.test(jwksUrl))
    problems.push({
      key: 'PARTNERS_FILE',
      problem: `partner ${partnerId}: inboundTokenJwksUrl must be an http(s) URL`,
    });
  if (
    !Array.isArray(clientIds) ||
    clientIds.length === 0 ||
    !clientIds.every((id) => typeof id === 'string' && id.trim() !== '')
  )
    problems.push({
      key: 'PARTNERS_FILE',
      problem: `partner ${partnerId} needs inboundTokenClientIds: the client ids of its own system`,
    });
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    issuer: issuer as string,
    audience: audience as string,
    clientIds: (clientIds as string[]).map((id) => id.trim()),
    ...(jwksUrl ? { jwksUrl } : {}),
    ...(publicKey ? { publicKey } : {}),
  };
}
