import { HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { Authenticator, loginRequired } from './authenticator';
import {
  CSRF_HEADER,
  cookieIsSecure,
  csrfTokenMatches,
  csrfTokenOf,
  isSameOrigin,
  isStateChanging,
  readCookie,
  sessionCookie,
  sessionCookieName,
  type CookieSecurity,
} from './console-session-http';
import type { ConsoleSessionLifetimes, ConsoleSessionStore } from './console-session.store';
import type { Principal, Role } from './roles';

/** The roles the console is for; partners are refused. */
export const CONSOLE_ROLES: readonly Role[] = ['ig-auditor', 'operator', 'admin'];

/** Settings of {@link ConsoleSessions}. */
export interface ConsoleSessionSettings {
  readonly lifetimes: ConsoleSessionLifetimes;
  readonly cookieSecurity: CookieSecurity;
  /** The hub's origin as browsers see it (behind a proxy); unset: the request's `Host`. */
  readonly publicOrigin?: string;
}

/** What the console learns of its session: who, the CSRF token for its state-changing calls, the idle timeout. */
export interface ConsoleSessionView {
  readonly id: string;
  readonly roles: readonly Role[];
  readonly csrfToken: string;
  readonly idleTimeoutSeconds: number;
}

/** A 403 answer. */
export function forbidden(diagnostics: string): OperationOutcomeError {
  return new OperationOutcomeError(HttpStatus.FORBIDDEN, operationOutcome('error', 'forbidden', diagnostics));
}

/**
 * The console's sign-in: the user's id and secret are exchanged, once, for a session cookie
 * (HttpOnly, SameSite=Strict, Secure per `cookieSecurity`, Path=/) whose id is random and stored
 * only hashed ({@link ConsoleSessionStore}); state-changing requests of a session need the
 * session's CSRF token and a same-origin `Origin`. Programs keep HTTP Basic.
 */
export class ConsoleSessions {
  constructor(
    private readonly store: ConsoleSessionStore,
    private readonly authenticator: Authenticator,
    private readonly settings: ConsoleSessionSettings,
  ) {}

  /** The session id in the request's cookie, if any. */
  tokenOf(request: Request): string | undefined {
    const value = readCookie(request.headers.cookie, sessionCookieName(this.settings.cookieSecurity, request));
    return value === undefined || value === '' ? undefined : value;
  }

  /** The request's `Origin` is the hub's own (see `isSameOrigin`). */
  isSameOrigin(request: Request): boolean {
    return isSameOrigin(request.headers, this.settings.publicOrigin);
  }

  /**
   * A state-changing request that names another origin is refused (403) before any
   * authentication: another site's page cannot use credentials a browser attaches by itself.
   */
  refuseForeignOrigin(request: Request): void {
    if (isStateChanging(request.method) && request.headers.origin !== undefined && !this.isSameOrigin(request))
      throw forbidden('A state-changing request must come from the hub’s own pages (its Origin is another site).');
  }

  /**
   * The principal of the request's session cookie; 401 (`login`) when there is none or it has
   * ended. A state-changing request must also carry the session's CSRF token and the hub's own
   * `Origin` (403 otherwise).
   */
  async authenticate(request: Request): Promise<Principal> {
    const token = this.tokenOf(request);
    if (token === undefined)
      throw loginRequired(
        'Authentication required: HTTP Basic with your principal id and secret, or sign in to /console.',
      );
    const principal = await this.store.resolve(token);
    if (!principal) throw loginRequired('Your console session has ended (signed out, idle or too old): sign in again.');
    if (isStateChanging(request.method)) this.checkStateChange(request, token);
    return principal;
  }

  /** Signs in: checks the credentials (throttled, capped), opens a session and sets its cookie. */
  async signIn(request: Request, response: Response, id: string, secret: string): Promise<ConsoleSessionView> {
    if (!this.isSameOrigin(request))
      throw forbidden('Sign in from the hub’s own console page (Origin missing or another site).');
    const principal = await this.authenticator.verify(id, secret, request.ip);
    if (!principal.roles.some((role) => CONSOLE_ROLES.includes(role)))
      throw forbidden('The console is for IG leads, operators and administrators; partner systems use the API.');
    const previous = this.tokenOf(request);
    if (previous !== undefined) await this.store.revoke(previous);
    const { token, expiresAt } = await this.store.create(principal.id);
    const secure = cookieIsSecure(this.settings.cookieSecurity, request);
    const name = sessionCookieName(this.settings.cookieSecurity, request);
    response.setHeader('Set-Cookie', sessionCookie(name, token, (expiresAt.getTime() - Date.now()) / 1000, secure));
    return this.view(principal, token);
  }

  /** The console user of the request's session, with its CSRF token (401 without a live session, 403 for a partner). */
  async current(request: Request): Promise<ConsoleSessionView> {
    const token = this.tokenOf(request);
    const principal = await this.authenticate(request);
    if (!principal.roles.some((role) => CONSOLE_ROLES.includes(role)))
      throw forbidden('The console is for IG leads, operators and administrators; partner systems use the API.');
    return this.view(principal, token as string);
  }

  /** Signs out: ends the session server-side (CSRF token and same origin required) and removes the cookie. */
  async signOut(request: Request, response: Response): Promise<void> {
    const token = this.tokenOf(request);
    if (token !== undefined) {
      this.checkStateChange(request, token);
      await this.store.revoke(token);
    }
    const name = sessionCookieName(this.settings.cookieSecurity, request);
    response.setHeader('Set-Cookie', sessionCookie(name, '', 0, cookieIsSecure(this.settings.cookieSecurity, request)));
  }

  private checkStateChange(request: Request, token: string): void {
    if (!this.isSameOrigin(request))
      throw forbidden(
        'A state-changing console request must come from the hub’s own pages (Origin missing or another site).',
      );
    if (!csrfTokenMatches(token, request.headers[CSRF_HEADER]))
      throw forbidden(`A state-changing console request needs the session’s CSRF token in ${CSRF_HEADER}.`);
  }

  private view(principal: Principal, token: string): ConsoleSessionView {
    return {
      id: principal.id,
      roles: principal.roles,
      csrfToken: csrfTokenOf(token),
      idleTimeoutSeconds: Math.floor(this.settings.lifetimes.idleMs / 1000),
    };
  }
}
