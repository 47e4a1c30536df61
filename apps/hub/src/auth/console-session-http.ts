import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The cookie's name when `Secure`: the `__Host-` prefix makes the browser refuse it unless Secure, Path=/ and host-only. */
export const SECURE_SESSION_COOKIE = '__Host-cstr-console';
/** The cookie's name over plain HTTP (the local stack on 127.0.0.1). */
export const PLAIN_SESSION_COOKIE = 'cstr-console';
/** The request header carrying the CSRF token of a state-changing console request. */
export const CSRF_HEADER = 'x-csrf-token';
/**
 * A request header the console sends with each call: its 401s then carry no `WWW-Authenticate`,
 * so the browser never opens its own Basic prompt.
 */
export const CONSOLE_REQUEST_HEADER = 'x-requested-with';

/** Whether the session cookie is `Secure`: always, never, or when the request came over HTTPS. */
export type CookieSecurity = 'on' | 'off' | 'auto';

/** What a request looks like to these helpers (an Express request fits). */
export interface RequestLike {
  readonly method: string;
  readonly path: string;
  readonly secure: boolean;
  readonly headers: IncomingHttpHeaders;
}

/** True for methods that change state (everything but GET, HEAD and OPTIONS). */
export function isStateChanging(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/** Whether this request's session cookie is (to be) `Secure`. */
export function cookieIsSecure(security: CookieSecurity, request: Pick<RequestLike, 'secure'>): boolean {
  return security === 'on' || (security === 'auto' && request.secure);
}

/** The session cookie's name for this request. */
export function sessionCookieName(security: CookieSecurity, request: Pick<RequestLike, 'secure'>): string {
  return cookieIsSecure(security, request) ? SECURE_SESSION_COOKIE : PLAIN_SESSION_COOKIE;
}

/** The value of cookie `name` in a `Cookie` header, or undefined (the first one wins, as browsers order them). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const equals = part.indexOf('=');
    if (equals < 0) continue;
    if (part.slice(0, equals).trim() === name) return part.slice(equals + 1).trim();
  }
  return undefined;
}

/** The `Set-Cookie` value of a session: HttpOnly, SameSite=Strict, Path=/, Secure when asked; `maxAgeSeconds` 0 removes it. */
export function sessionCookie(name: string, value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${name}=${value}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/**
 * The CSRF token of a session (a synchroniser token bound to it): an HMAC of a fixed label under
 * the session id, so only who holds the session id — the hub, from the HttpOnly cookie — can
 * compute it, and the page gets it only from a same-origin answer. Nothing more to store.
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('cstr-console-csrf').digest('base64url');
}

/** True when `given` is the CSRF token of the session (constant-time comparison). */
export function csrfTokenMatches(sessionToken: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(csrfTokenOf(sessionToken));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * True when the request's `Origin` is the hub's own: `publicOrigin` exactly when configured
 * (behind a proxy), else the same host and port as the `Host` the request was sent to. A missing
 * or `null` Origin is not the hub's.
 */
export function isSameOrigin(headers: IncomingHttpHeaders, publicOrigin?: string): boolean {
  const origin = headers.origin;
  if (typeof origin !== 'string' || origin === 'null') return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (publicOrigin) return parsed.origin === new URL(publicOrigin).origin;
  const host = headers.host;
  return typeof host === 'string' && parsed.host === host.toLowerCase();
}

/**
 * Whether a 401 to this request may carry `WWW-Authenticate` (a program's HTTP Basic call): never
 * for the console — its routes, its calls (marked with {@link CONSOLE_REQUEST_HEADER}) and any
 * request carrying a session cookie — so a browser never shows its Basic prompt.
 */
export function mayChallenge(request: RequestLike): boolean {
  if (request.path === '/console' || request.path.startsWith('/console/')) return false;
  if (request.headers[CONSOLE_REQUEST_HEADER] !== undefined) return false;
  const cookies = request.headers.cookie;
  return (
    readCookie(cookies, SECURE_SESSION_COOKIE) === undefined && readCookie(cookies, PLAIN_SESSION_COOKIE) === undefined
  );
}
