import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { loadPartnersFile } from '@cstr/policy';
import { projectRoot } from '../local-stack/project-root';

/** The client id of the sandbox's operator (tests, the demo): its tokens are good at every stand-in. */
export const SANDBOX_OPERATOR_CLIENT = 'sandbox-operator';

/**
 * Credentials made for one run of the system (never written to a file): each adapter's client
 * secret or private key for its partner's token endpoint, the matching registrations of the
 * sandbox's token issuer, and the operator's secret.
 */
export class SandboxCredentials {
  private constructor(
    private readonly byPartner: ReadonlyMap<string, Readonly<Record<string, string>>>,
    /** `SANDBOX_CLIENT_SECRETS`, `SANDBOX_CLIENT_KEYS` and `SANDBOX_OPERATOR_SECRET` for the sandbox. */
    readonly sandboxEnv: Readonly<Record<string, string>>,
    readonly operatorSecret: string,
  ) {}

  /** New credentials for every partner of `partnersFile` with an `outboundClientId`. */
  static generate(partnersFile: string = path.join(projectRoot(), 'config', 'partners.yaml')): SandboxCredentials {
    const secrets: Record<string, string> = {};
    const keys: Record<string, string> = {};
    const byPartner = new Map<string, Record<string, string>>();
    for (const partner of loadPartnersFile(partnersFile)) {
      const clientId = partner.adapter?.outboundClientId;
      if (typeof clientId !== 'string') continue;
      if (partner.adapter?.outboundClientAuth === 'private_key_jwt') {
        const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
        keys[clientId] = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
        byPartner.set(partner.id, {
          PARTNER_CLIENT_PRIVATE_KEY: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        });
      } else {
        secrets[clientId] = randomBytes(24).toString('base64url');
        byPartner.set(partner.id, { PARTNER_CLIENT_SECRET: secrets[clientId] });
      }
    }
    const operatorSecret = randomBytes(24).toString('base64url');
    return new SandboxCredentials(
      byPartner,
      {
        SANDBOX_CLIENT_SECRETS: JSON.stringify(secrets),
        SANDBOX_CLIENT_KEYS: JSON.stringify(keys),
        SANDBOX_OPERATOR_SECRET: operatorSecret,
      },
      operatorSecret,
    );
  }

  /** The keys of `partnerId`'s adapter (`PARTNER_CLIENT_SECRET` or `PARTNER_CLIENT_PRIVATE_KEY`); none for partners it does not call. */
  adapterEnv(partnerId: string): Readonly<Record<string, string>> {
    return this.byPartner.get(partnerId) ?? {};
  }
}

/**
 * The operator's bearer token from a sandbox (`POST /sandbox/oauth/token`), cached until a
 * minute before it expires: for tests that act as a partner's staff on its system.
 */
export class OperatorToken {
  private cached?: { readonly token: string; readonly renewAt: number };

  constructor(
    private readonly sandboxUrl: string,
    private readonly secret: string,
  ) {}

  /** The `authorization` header value. */
  async header(): Promise<string> {
    if (!this.cached || Date.now() >= this.cached.renewAt) {
      const response = await fetch(`${this.sandboxUrl}/sandbox/oauth/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${SANDBOX_OPERATOR_CLIENT}:${this.secret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      });
      const body = (await response.json()) as { access_token?: string; expires_in?: number };
      if (!response.ok || !body.access_token)
        throw new Error(`The sandbox refused the operator token: ${response.status}`);
      this.cached = { token: body.access_token, renewAt: Date.now() + ((body.expires_in ?? 60) - 60) * 1000 };
    }
    return `Bearer ${this.cached.token}`;
  }
}
