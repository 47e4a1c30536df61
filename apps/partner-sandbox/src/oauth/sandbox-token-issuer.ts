import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT, exportJWK, jwtVerify, type JWK } from 'jose';
import type { Partner } from '@cstr/policy';
import { SANDBOX_SETTINGS, type SandboxSettings } from '../shared/sandbox-settings';

/** The client id the sandbox's operator (tests, the demo) uses: its token is good at every stand-in. */
export const SANDBOX_OPERATOR_CLIENT = 'sandbox-operator';

/** What a verified stand-in token says. */
export interface StandInCaller {
  readonly clientId: string;
}

/** A registered client of the token endpoint. */
export type RegisteredClient =
  { readonly clientId: string; readonly secret: string } | { readonly clientId: string; readonly publicKey: KeyObject };

/**
 * The sandbox's token issuer, standing in for each partner's (HMPPS Auth, a trust's SMART
 * backend-services server, NHS England's API platform, the courts' and L&D service's identity
 * providers): an RSA key made at boot (never written anywhere), short-lived RS256 JWTs, its JWKS.
 */
@Injectable()
export class SandboxTokenIssuer {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  readonly keyId = `sandbox-${randomUUID().slice(0, 8)}`;

  constructor(@Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  /** The `iss` of every token it issues. */
  get issuer(): string {
    return this.settings.tokenIssuer;
  }

  /** Seconds a token lives. */
  get lifetimeSeconds(): number {
    return this.settings.tokenLifetimeSeconds;
  }

  /** The JWKS (`keys` with the one public key). */
  async jwks(): Promise<{ keys: JWK[] }> {
    const jwk = await exportJWK(this.publicKey);
    return { keys: [{ ...jwk, kid: this.keyId, alg: 'RS256', use: 'sig' }] };
  }

  /** A signed access token for `clientId`, for the resource `audience`. */
  issue(clientId: string, audience: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ client_id: clientId, scope: 'cstr' })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: this.keyId })
      .setIssuer(this.issuer)
      .setSubject(clientId)
      .setAudience(audience)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + this.lifetimeSeconds)
      .sign(this.privateKey);
  }

  /** Verifies a token this issuer made for `audience`; undefined when it does not verify or has expired. */
  async verify(token: string, audience: string | string[]): Promise<StandInCaller | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer: this.issuer,
        audience,
        algorithms: ['RS256'],
      });
      return typeof payload.client_id === 'string' ? { clientId: payload.client_id } : undefined;
    } catch {
      return undefined;
    }
  }

  /** The registered client `clientId` (secrets and public keys from the sandbox's config), if any. */
  client(clientId: string): RegisteredClient | undefined {
    const secret = this.settings.clientSecrets[clientId];
    if (secret !== undefined) return { clientId, secret };
    const publicKey = this.settings.clientKeys[clientId];
    if (publicKey !== undefined) return { clientId, publicKey: createPublicKey(publicKey) };
    return undefined;
  }

  /** The audience of the tokens a client gets: its partner's stand-in, or (the operator) every stand-in. */
  audienceOf(clientId: string): string | undefined {
    if (clientId === SANDBOX_OPERATOR_CLIENT) return standInAudience();
    const partner = this.settings.partners.find((candidate) => candidate.adapter?.outboundClientId === clientId);
    return partner ? standInAudience(partner.id) : undefined;
  }

  /**
   * The token a partner's own system (court, L&D service, PDS) sends to its adapter: its first
   * `inboundTokenClientIds`, for its `inboundTokenAudience`. Undefined when the partners file
   * gives the partner no inbound token settings.
   */
  partnerSystemToken(partner: Partner): Promise<string> | undefined {
    const clientIds = partner.adapter?.inboundTokenClientIds;
    const audience = partner.adapter?.inboundTokenAudience;
    if (!Array.isArray(clientIds) || typeof clientIds[0] !== 'string' || typeof audience !== 'string') return undefined;
    return this.issue(clientIds[0], audience);
  }
}

/** The audience of tokens for a partner's stand-in (`urn:cstr-hub:partner-sandbox:{partnerId}`), or of the operator's. */
export function standInAudience(partnerId?: string): string {
  return partnerId ? `urn:cstr-hub:partner-sandbox:${partnerId}` : 'urn:cstr-hub:partner-sandbox';
}
