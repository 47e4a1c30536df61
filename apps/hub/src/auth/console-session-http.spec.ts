import 'reflect-metadata';
import { consoleCookieSecurity } from '../hub.config';
import {
  PLAIN_SESSION_COOKIE,
  SECURE_SESSION_COOKIE,
  cookieIsSecure,
  csrfTokenMatches,
  csrfTokenOf,
  isSameOrigin,
  isStateChanging,
  mayChallenge,
  readCookie,
  sessionCookie,
  sessionCookieName,
} from './console-session-http';

const TOKEN = 'A'.repeat(43);

describe('console session cookies', () => {
  it('is Secure by default in production, and when the request came over HTTPS elsewhere', () => {
    expect(consoleCookieSecurity({ NODE_ENV: 'production' })).toBe('on');
    expect(consoleCookieSecurity({ NODE_ENV: 'development' })).toBe('auto');
    expect(consoleCookieSecurity({ NODE_ENV: 'production', CONSOLE_COOKIE_SECURE: 'off' })).toBe('off');
    expect(cookieIsSecure('on', { secure: false })).toBe(true);
    expect(cookieIsSecure('auto', { secure: true })).toBe(true);
    expect(cookieIsSecure('auto', { secure: false })).toBe(false);
    expect(cookieIsSecure('off', { secure: true })).toBe(false);
    expect(sessionCookieName('on', { secure: false })).toBe(SECURE_SESSION_COOKIE);
    expect(sessionCookieName('auto', { secure: false })).toBe(PLAIN_SESSION_COOKIE);
  });

  it('sets HttpOnly, SameSite=Strict and Path=/ always, Secure when asked, and removes with Max-Age=0', () => {
    expect(sessionCookie(SECURE_SESSION_COOKIE, TOKEN, 28_800.7, true)).toBe(
      `__Host-cstr-console=${TOKEN}; Path=/; Max-Age=28800; HttpOnly; SameSite=Strict; Secure`,
    );
    expect(sessionCookie(PLAIN_SESSION_COOKIE, '', -5, false)).toBe(
      'cstr-console=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict',
    );
  });

  it('reads one cookie of a Cookie header', () => {
    expect(readCookie(`a=1; cstr-console=${TOKEN}; b=2`, PLAIN_SESSION_COOKIE)).toBe(TOKEN);
    expect(readCookie(`x-cstr-console=${TOKEN}`, PLAIN_SESSION_COOKIE)).toBeUndefined();
    expect(readCookie(undefined, PLAIN_SESSION_COOKIE)).toBeUndefined();
  });

  it('binds the CSRF token to the session', () => {
    const other = 'B'.repeat(43);
    expect(csrfTokenOf(TOKEN)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrfTokenOf(TOKEN)).not.toBe(csrfTokenOf(other));
    expect(csrfTokenMatches(TOKEN, csrfTokenOf(TOKEN))).toBe(true);
    expect(csrfTokenMatches(TOKEN, csrfTokenOf(other))).toBe(false);
    expect(csrfTokenMatches(TOKEN, undefined)).toBe(false);
    expect(csrfTokenMatches(TOKEN, [csrfTokenOf(TOKEN)])).toBe(false);
  });

  it("knows the hub's own origin: the Host, or HUB_PUBLIC_ORIGIN behind a proxy", () => {
    expect(isSameOrigin({ origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' })).toBe(true);
    expect(isSameOrigin({ origin: 'http://127.0.0.1:3001', host: '127.0.0.1:3000' })).toBe(false);
    expect(isSameOrigin({ origin: 'http://localhost:3000', host: '127.0.0.1:3000' })).toBe(false);
    expect(isSameOrigin({ origin: 'null', host: '127.0.0.1:3000' })).toBe(false);
    expect(isSameOrigin({ host: '127.0.0.1:3000' })).toBe(false);
    expect(isSameOrigin({ origin: 'file://x', host: 'x' })).toBe(false);
    const proxied = { origin: 'https://hub.example.org', host: '10.0.0.5:3000' };
    expect(isSameOrigin(proxied, 'https://hub.example.org')).toBe(true);
    expect(isSameOrigin({ ...proxied, origin: 'http://hub.example.org' }, 'https://hub.example.org')).toBe(false);
  });

  it('challenges programs for Basic credentials, never the console', () => {
    const request = (path: string, headers: Record<string, string> = {}): Parameters<typeof mayChallenge>[0] => ({
      method: 'GET',
      path,
      secure: false,
      headers,
    });
    expect(mayChallenge(request('/audit'))).toBe(true);
    expect(mayChallenge(request('/console/session'))).toBe(false);
    expect(mayChallenge(request('/console'))).toBe(false);
    expect(mayChallenge(request('/audit', { 'x-requested-with': 'cstr-console' }))).toBe(false);
    expect(mayChallenge(request('/audit', { cookie: `cstr-console=${TOKEN}` }))).toBe(false);
    expect(mayChallenge(request('/audit', { cookie: `__Host-cstr-console=${TOKEN}` }))).toBe(false);
    expect(mayChallenge(request('/consoles'))).toBe(true);
    expect(isStateChanging('post')).toBe(true);
    expect(isStateChanging('GET')).toBe(false);
  });
});
