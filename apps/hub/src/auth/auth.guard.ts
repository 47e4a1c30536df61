import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { Authenticator, WWW_AUTHENTICATE } from './authenticator';
import { mayChallenge } from './console-session-http';
import { ConsoleSessions } from './console-sessions';
import { PRINCIPAL_PROPERTY, ROLES_KEY } from './roles.decorator';
import type { Principal, Role } from './roles';

/**
 * Authenticates every request to the controller it guards and checks the endpoint's
 * {@link Roles}. Credentials: HTTP Basic (programs: partners and tools; see {@link Authenticator})
 * or, without an `Authorization` header, the console's session cookie (see {@link ConsoleSessions}:
 * a state-changing request also needs the session's CSRF token and the hub's own `Origin`).
 * A state-changing request whose `Origin` is another site is refused (403) whatever it carries.
 * 401 when not authenticated — with `WWW-Authenticate` only for programs, never for the console —
 * 403 (`forbidden`) when the principal has none of the roles. An endpoint without `@Roles` is
 * refused to everyone, so a forgotten decorator fails closed.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(ConsoleSessions) private readonly sessions: ConsoleSessions,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & Record<string, unknown>>();
    const response = context.switchToHttp().getResponse<Response>();
    try {
      this.sessions.refuseForeignOrigin(request);
      const principal: Principal =
        request.headers.authorization !== undefined
          ? await this.authenticator.authenticate(request.headers.authorization, request.ip)
          : await this.sessions.authenticate(request);
      request[PRINCIPAL_PROPERTY] = principal;
      const allowed =
        this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]) ??
        [];
      if (!principal.roles.some((role) => allowed.includes(role))) {
        throw new OperationOutcomeError(
          HttpStatus.FORBIDDEN,
          operationOutcome(
            'error',
            'forbidden',
            `This endpoint is for ${allowed.join(', ') || 'nobody'}; you are ${principal.roles.join(', ')}.`,
          ),
        );
      }
      return true;
    } catch (error) {
      if (error instanceof OperationOutcomeError && error.status === HttpStatus.UNAUTHORIZED && mayChallenge(request))
        response.setHeader('WWW-Authenticate', WWW_AUTHENTICATE);
      throw error;
    }
  }
}
