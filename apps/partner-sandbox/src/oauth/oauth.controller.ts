import { timingSafeEqual } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { decodeJwt, jwtVerify } from 'jose';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { setBounded } from '../shared/bounded';
import { publicBaseUrl } from '../shared/public-url';
import { SandboxPartners } from '../shared/sandbox-partners';
import { SandboxTokenIssuer, type RegisteredClient } from './sandbox-token-issuer';
import { SANDBOX_SETTINGS, type SandboxSettings } from '../shared/sandbox-settings';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refuse(status: number, diagnostics: string): OperationOutcomeError {
  return new OperationOutcomeError(
    status,
    operationOutcome('error', status === 401 ? 'login' : 'invalid', diagnostics),
  );
}

/**
 * The token endpoint and JWKS of the sandbox's token issuer (`/sandbox/oauth`): OAuth2 client
 * credentials with a client secret (HTTP Basic or form) or a private-key JWT client assertion
 * (RS512, 5 minutes at most, each `jti` once), as the partners' issuers take them.
 */
@Controller('sandbox/oauth')
export class OAuthController {
  /** `jti`s of client assertions already used (replays are refused). */
  private readonly usedAssertions = new Map<string, number>();

  constructor(
    private readonly issuer: SandboxTokenIssuer,
    private readonly partners: SandboxPartners,
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
  ) {}

  /** `POST token` (`application/x-www-form-urlencoded`): `{ access_token, token_type, expires_in }`. */
  @Post('token')
  @HttpCode(200)
  async token(@Body() body: unknown, @Req() request: Request, @Res() response: Response): Promise<void> {
    const form = isRecord(body) ? body : {};
    if (form.grant_type !== 'client_credentials') throw refuse(400, 'grant_type must be client_credentials.');
    const client = await this.authenticate(form, request);
    const audience = this.issuer.audienceOf(client.clientId);
    if (!audience) throw refuse(401, 'The client is registered for no partner system of the sandbox.');
    const accessToken = await this.issuer.issue(client.clientId, audience);
    response
      .status(200)
      .setHeader('Cache-Control', 'no-store')
      .json({ access_token: accessToken, token_type: 'Bearer', expires_in: this.issuer.lifetimeSeconds });
  }

  /** `GET jwks`: the issuer's public key, for the adapters that check partner systems' tokens. */
  @Get('jwks')
  jwks(): Promise<unknown> {
    return this.issuer.jwks();
  }

  /**
   * `POST partner-token` `{ "partnerId" }`: the token that partner's own system (court, L&D
   * service, PDS) sends to its adapter — for tests and onboarding, like the `send` requests.
   */
  @Post('partner-token')
  @HttpCode(200)
  async partnerToken(@Body() body: unknown): Promise<{ access_token: string }> {
    const partnerId = isRecord(body) ? body.partnerId : undefined;
    const partner = this.partners.all().find((candidate) => candidate.id === partnerId);
    const token = partner ? this.issuer.partnerSystemToken(partner) : undefined;
    if (!token) throw refuse(404, 'No partner with inbound token settings by that id.');
    return { access_token: await token };
  }

  private async authenticate(form: Record<string, unknown>, request: Request): Promise<RegisteredClient> {
    if (form.client_assertion_type !== undefined || form.client_assertion !== undefined) {
      if (form.client_assertion_type !== ASSERTION_TYPE || typeof form.client_assertion !== 'string')
        throw refuse(400, `client_assertion_type must be ${ASSERTION_TYPE}, with a client_assertion.`);
      return this.byAssertion(form.client_assertion, `${publicBaseUrl(request, this.settings)}/sandbox/oauth/token`);
    }
    let clientId = typeof form.client_id === 'string' ? form.client_id : undefined;
    let secret = typeof form.client_secret === 'string' ? form.client_secret : undefined;
    const basic = /^Basic\s+(\S+)$/i.exec(request.get('authorization') ?? '')?.[1];
    if (basic) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        clientId = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      }
    }
    const client = clientId ? this.issuer.client(clientId) : undefined;
    if (!client || !('secret' in client) || secret === undefined || !sameText(secret, client.secret))
      throw refuse(401, 'Unknown client or wrong client secret.');
    return client;
  }

  private async byAssertion(assertion: string, tokenUrl: string): Promise<RegisteredClient> {
    let clientId: unknown;
    try {
      clientId = decodeJwt(assertion).iss;
    } catch {
      throw refuse(401, 'The client assertion is not a JWT.');
    }
    const client = typeof clientId === 'string' ? this.issuer.client(clientId) : undefined;
    if (!client || !('publicKey' in client)) throw refuse(401, 'No public key registered for the assertion’s client.');
    try {
      const { payload } = await jwtVerify(assertion, client.publicKey, {
        issuer: client.clientId,
        subject: client.clientId,
        audience: tokenUrl,
        algorithms: ['RS512'],
        requiredClaims: ['exp', 'jti'],
      });
      const now = Date.now();
      if (typeof payload.exp !== 'number' || payload.exp * 1000 > now + 300_000)
        throw new Error('expires more than 5 minutes ahead');
      const jti = String(payload.jti);
      if (this.usedAssertions.has(jti)) throw new Error('jti used before');
      setBounded(this.usedAssertions, jti, now, 10_000);
    } catch {
      throw refuse(
        401,
        'The client assertion does not verify (RS512, iss = sub = client id, aud = this endpoint, exp within 5 minutes, a new jti).',
      );
    }
    return client;
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
