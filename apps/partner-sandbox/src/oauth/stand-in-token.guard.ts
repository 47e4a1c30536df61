import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { SandboxPartners } from '../shared/sandbox-partners';
import { SANDBOX_OPERATOR_CLIENT, SandboxTokenIssuer, standInAudience } from './sandbox-token-issuer';

/** The sandbox's own control routes of a stand-in: not part of the partner's API, never token-checked. */
const CONTROL_ROUTE = /\/(control|send\/[^/]+)\/?$/;

/**
 * The partner APIs the adapters call (Delius API, FHIR server, PDS) require an access token from
 * the sandbox's token endpoint, as the real ones require HMPPS Auth, SMART backend-services or
 * NHS England API platform tokens: issued to the partner's adapter client (`outboundClientId` in
 * the partners file) for that stand-in, or to the sandbox operator. Otherwise 401.
 */
@Injectable()
export class StandInTokenGuard implements CanActivate {
  constructor(
    private readonly issuer: SandboxTokenIssuer,
    private readonly partners: SandboxPartners,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    if (CONTROL_ROUTE.test(request.path)) return true;
    const partnerId = String(request.params.partnerId ?? '');
    const partner = this.partners.all().find((candidate) => candidate.id === partnerId);
    const header = request.get('authorization') ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1];
    const caller = token ? await this.issuer.verify(token, [standInAudience(partnerId), standInAudience()]) : undefined;
    const allowed =
      caller !== undefined &&
      (caller.clientId === SANDBOX_OPERATOR_CLIENT ||
        (partner !== undefined && caller.clientId === partner.adapter?.outboundClientId));
    if (allowed) return true;
    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="partner-sandbox"');
    throw new OperationOutcomeError(
      401,
      operationOutcome(
        'error',
        'login',
        token
          ? 'The access token is not valid for this partner system.'
          : 'An access token from the token endpoint (POST /sandbox/oauth/token) is required.',
      ),
    );
  }
}
