import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { Authenticator, WWW_AUTHENTICATE } from './authenticator';
import { PRINCIPAL_PROPERTY, ROLES_KEY } from './roles.decorator';
import type { Role } from './roles';

/**
 * Authenticates every request to the controller it guards (HTTP Basic, see {@link Authenticator})
 * and checks the endpoint's {@link Roles}: 401 with `WWW-Authenticate` when not authenticated,
 * 403 (`forbidden`) when the principal has none of the roles. An endpoint without `@Roles` is
 * refused to everyone, so a forgotten decorator fails closed.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & Record<string, unknown>>();
    const response = context.switchToHttp().getResponse<Response>();
    try {
      const principal = await this.authenticator.authenticate(request.headers.authorization);
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
      if (error instanceof OperationOutcomeError && error.status === HttpStatus.UNAUTHORIZED)
        response.setHeader('WWW-Authenticate', WWW_AUTHENTICATE);
      throw error;
    }
  }
}
