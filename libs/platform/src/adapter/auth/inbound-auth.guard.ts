import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { OperationOutcomeError } from '@cstr/contracts';
import type { InboundAuthenticator } from './bearer-token.verifier';

/** DI token of the {@link InboundAuthenticator} guarding an adapter's inbound doors. */
export const INBOUND_AUTHENTICATOR = Symbol('INBOUND_AUTHENTICATOR');

/**
 * Lets a request through an adapter's inbound door only when the partner's authenticator accepts
 * it; otherwise the 401/403 OperationOutcome it gave (a 401 with `WWW-Authenticate: Bearer`).
 * Runs after the body is parsed (a signature over the body can be checked) and before the handler.
 */
@Injectable()
export class InboundAuthGuard implements CanActivate {
  constructor(@Inject(INBOUND_AUTHENTICATOR) private readonly authenticator: InboundAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    try {
      await this.authenticator.authenticate({ headers: request.headers, body: request.body as unknown });
      return true;
    } catch (error) {
      if (error instanceof OperationOutcomeError && error.status === 401)
        context
          .switchToHttp()
          .getResponse<Response>()
          .setHeader('WWW-Authenticate', `${this.authenticator.challenge ?? 'Bearer'} realm="cstr-hub"`);
      throw error;
    }
  }
}
