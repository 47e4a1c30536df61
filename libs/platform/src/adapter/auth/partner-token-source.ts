import { ConfigError } from '../../config/load-config';
import {
  ClientCredentialsTokenSource,
  TokenUnavailableError,
  type AccessTokenSource,
  type TokenSourceOptions,
} from './client-credentials.token-source';
import { readOutboundAuthSettings } from './partner-auth-settings';

/** The adapter's own credential for its partner's token endpoint, from its environment. */
export interface PartnerClientCredential {
  /** `PARTNER_CLIENT_SECRET` (client_secret_basic). */
  readonly secret?: string;
  /** `PARTNER_CLIENT_PRIVATE_KEY`: a PEM private key (private_key_jwt); `\n` escapes are taken as line breaks. */
  readonly privateKey?: string;
}

/** A source that has no credential: every token request fails, so every call counts as the partner unavailable. */
class NoCredentialTokenSource implements AccessTokenSource {
  constructor(
    private readonly tokenUrl: string,
    private readonly key: string,
  ) {}

  token(): Promise<string> {
    return Promise.reject(new TokenUnavailableError(this.tokenUrl, `${this.key} is not set`));
  }

  invalidate(): void {}
}

/**
 * The token source of an adapter for its partner's system: the partners file's `outbound*` keys
 * and the credential from the environment. Under `NODE_ENV=production` a missing credential
 * stops the boot (ConfigError naming the key); elsewhere the adapter starts, and calls to the
 * partner fail as unavailable until it is set (so a test of something else can boot it without one).
 */
export function partnerTokenSource(
  partnerId: string,
  adapterSettings: Readonly<Record<string, unknown>> | undefined,
  credential: PartnerClientCredential,
  nodeEnv: string,
  options: Pick<TokenSourceOptions, 'timeoutMs' | 'fetch' | 'now'> = {},
): AccessTokenSource {
  const settings = readOutboundAuthSettings(partnerId, adapterSettings);
  const key = settings.clientAuth === 'private_key_jwt' ? 'PARTNER_CLIENT_PRIVATE_KEY' : 'PARTNER_CLIENT_SECRET';
  const value = settings.clientAuth === 'private_key_jwt' ? credential.privateKey : credential.secret;
  if (!value) {
    if (nodeEnv === 'production')
      throw new ConfigError([
        { key, problem: `is required: partner ${partnerId}'s ${settings.clientAuth} credential` },
      ]);
    return new NoCredentialTokenSource(settings.tokenUrl, key);
  }
  try {
    return new ClientCredentialsTokenSource({
      ...options,
      settings,
      credential:
        settings.clientAuth === 'private_key_jwt'
          ? { kind: 'private-key', privateKey: value.replace(/\\n/g, '\n') }
          : { kind: 'secret', secret: value },
    });
  } catch {
    throw new ConfigError([{ key, problem: 'is not a PEM private key' }]);
  }
}
