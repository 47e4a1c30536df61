import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { PRINCIPALS, basicAuth, bootHub, type TestHub, type TestPrincipal } from './http-test-kit';

interface Outcome {
  resourceType: 'OperationOutcome';
  issue: { severity: string; code: string; diagnostics?: string }[];
}

/**
 * Console sessions over HTTP against a real hub and database: sign-in sets the cookie, the
 * session is refused once idle, too old or signed out, and a state-changing request of a session
 * needs the hub's own Origin and the session's CSRF token. Programs keep HTTP Basic.
 */
describe('console sessions', () => {
  let hub: TestHub;
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    hub = await bootHub();
    server = hub.app.getHttpServer() as Server;
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await hub?.close();
  });

  function expectOutcome(response: request.Response, status: number, code: string): void {
    expect({ status: response.status, code: (response.body as Outcome).issue?.[0]?.code }).toEqual({ status, code });
    expect((response.body as Outcome).resourceType).toBe('OperationOutcome');
  }

  /** Signs in: the cookie pair to send back (`name=value`), the CSRF token and the whole answer. */
  async function signIn(
    principal: TestPrincipal,
  ): Promise<{ cookie: string; token: string; csrf: string; response: request.Response }> {
    const response = await request(server)
      .post('/console/session')
      .set('Origin', origin)
      .send({ id: principal.id, secret: principal.secret });
    expect(response.status).toBe(200);
    const setCookie = [response.headers['set-cookie'] ?? []].flat()[0] ?? '';
    const cookie = setCookie.split(';')[0];
    return { cookie, token: cookie.split('=')[1], csrf: (response.body as { csrfToken: string }).csrfToken, response };
  }

  it('signs in with id and secret: an HttpOnly, SameSite=Strict session cookie whose id is stored only hashed', async () => {
    const { response, token, cookie } = await signIn(PRINCIPALS.operator);
    const setCookie = [response.headers['set-cookie'] ?? []].flat();
    expect(setCookie).toHaveLength(1);
    // Plain HTTP on 127.0.0.1 outside production: not Secure (CONSOLE_COOKIE_SECURE auto); see the unit tests for on.
    expect(setCookie[0]).toMatch(
      /^cstr-console=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28(799|800); HttpOnly; SameSite=Strict$/,
    );
    expect(response.body).toEqual({
      id: PRINCIPALS.operator.id,
      roles: ['operator'],
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as string,
      idleTimeoutSeconds: 900,
    });
    expect(response.headers['cache-control']).toBe('no-store');
    const rows = (await hub.dataSource.query(
      'SELECT id_hash, principal_id FROM hub_console_session WHERE principal_id = $1',
      [PRINCIPALS.operator.id],
    )) as { id_hash: string }[];
    expect(rows.map((row) => row.id_hash)).toContain(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);

    const who = await request(server).get('/console/session').set('Cookie', cookie);
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({ id: PRINCIPALS.operator.id, csrfToken: response.body.csrfToken as string });
    expect((await request(server).get('/dead-letters').set('Cookie', cookie)).status).toBe(200);
    // The session carries the principal's roles: an operator cannot read the audit.
    expectOutcome(await request(server).get('/audit').set('Cookie', cookie), 403, 'forbidden');
  });

  it('refuses a wrong secret (401 without a Basic challenge), a partner (403, no cookie), another origin and a missing field', async () => {
    const wrong = await request(server)
      .post('/console/session')
      .set('Origin', origin)
      .send({ id: PRINCIPALS.operator.id, secret: 'not the secret' });
    expectOutcome(wrong, 401, 'login');
    expect(wrong.headers['www-authenticate']).toBeUndefined();
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const partner = await request(server)
      .post('/console/session')
      .set('Origin', origin)
      .send({ id: PRINCIPALS.slam.id, secret: PRINCIPALS.slam.secret });
    expectOutcome(partner, 403, 'forbidden');
    expect(partner.headers['set-cookie']).toBeUndefined();

    for (const from of ['https://elsewhere.example', undefined]) {
      const test = request(server).post('/console/session');
      if (from) test.set('Origin', from);
      const response = await test.send({ id: PRINCIPALS.operator.id, secret: PRINCIPALS.operator.secret });
      expectOutcome(response, 403, 'forbidden');
      expect(response.headers['set-cookie']).toBeUndefined();
    }
    expectOutcome(
      await request(server).post('/console/session').set('Origin', origin).send({ id: PRINCIPALS.operator.id }),
      400,
      'required',
    );
    // A form post works as well as JSON.
    const form = await request(server)
      .post('/console/session')
      .set('Origin', origin)
      .type('form')
      .send({ id: PRINCIPALS.auditor.id, secret: PRINCIPALS.auditor.secret });
    expect(form.status).toBe(200);
  });

  it('never challenges the console for Basic credentials, but still challenges programs', async () => {
    const none = await request(server).get('/console/session');
    expectOutcome(none, 401, 'login');
    expect(none.headers['www-authenticate']).toBeUndefined();
    const consoleCall = await request(server).get('/audit/flows').set('X-Requested-With', 'cstr-console');
    expectOutcome(consoleCall, 401, 'login');
    expect(consoleCall.headers['www-authenticate']).toBeUndefined();
    const staleCookie = await request(server)
      .get('/audit/flows')
      .set('Cookie', `cstr-console=${'A'.repeat(43)}`);
    expectOutcome(staleCookie, 401, 'login');
    expect(staleCookie.headers['www-authenticate']).toBeUndefined();
    const program = await request(server).get('/audit/flows');
    expectOutcome(program, 401, 'login');
    expect(program.headers['www-authenticate']).toMatch(/^Basic realm="cstr-hub"/);
    // Programs keep HTTP Basic.
    expect(
      (await request(server).get('/audit/flows').set('Authorization', basicAuth(PRINCIPALS.operator))).status,
    ).toBe(200);
  });

  it('refuses a session idle longer than CONSOLE_SESSION_IDLE_MS, and one older than CONSOLE_SESSION_MAX_MS however used', async () => {
    const idle = await signIn(PRINCIPALS.auditor);
    const old = await signIn(PRINCIPALS.auditor);
    const fresh = await signIn(PRINCIPALS.auditor);
    const hash = (token: string): string => createHash('sha256').update(token).digest('hex');
    await hub.dataSource.query(
      "UPDATE hub_console_session SET last_seen_at = now() - interval '15 minutes 1 second' WHERE id_hash = $1",
      [hash(idle.token)],
    );
    await hub.dataSource.query(
      "UPDATE hub_console_session SET created_at = now() - interval '8 hours', expires_at = now() - interval '1 second' WHERE id_hash = $1",
      [hash(old.token)],
    );
    for (const ended of [idle, old]) {
      const response = await request(server).get('/audit/verify').set('Cookie', ended.cookie);
      expectOutcome(response, 401, 'login');
      expect(response.headers['www-authenticate']).toBeUndefined();
      expectOutcome(await request(server).get('/console/session').set('Cookie', ended.cookie), 401, 'login');
    }
    expect((await request(server).get('/audit/verify').set('Cookie', fresh.cookie)).status).toBe(200);
  });

  it('ends every session of a principal whose secret changes', async () => {
    const { cookie } = await signIn(PRINCIPALS.admin);
    const [{ secret_hash: before }] = (await hub.dataSource.query(
      'SELECT secret_hash FROM hub_principal WHERE id = $1',
      [PRINCIPALS.admin.id],
    )) as { secret_hash: string }[];
    try {
      await hub.dataSource.query("UPDATE hub_principal SET secret_hash = secret_hash || 'x' WHERE id = $1", [
        PRINCIPALS.admin.id,
      ]);
      expectOutcome(await request(server).get('/audit/verify').set('Cookie', cookie), 401, 'login');
    } finally {
      await hub.dataSource.query('UPDATE hub_principal SET secret_hash = $2 WHERE id = $1', [
        PRINCIPALS.admin.id,
        before,
      ]);
    }
  });

  it('signs out server-side: the cookie is removed and the old session id no longer works', async () => {
    const { cookie, csrf, token } = await signIn(PRINCIPALS.operator);
    expectOutcome(
      await request(server).delete('/console/session').set('Cookie', cookie).set('Origin', origin),
      403,
      'forbidden',
    );
    const out = await request(server)
      .delete('/console/session')
      .set('Cookie', cookie)
      .set('Origin', origin)
      .set('X-CSRF-Token', csrf);
    expect(out.status).toBe(204);
    expect([out.headers['set-cookie'] ?? []].flat()[0]).toMatch(
      /^cstr-console=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/,
    );
    expectOutcome(await request(server).get('/dead-letters').set('Cookie', cookie), 401, 'login');
    expectOutcome(await request(server).get('/console/session').set('Cookie', cookie), 401, 'login');
    const rows = (await hub.dataSource.query('SELECT 1 FROM hub_console_session WHERE id_hash = $1', [
      createHash('sha256').update(token).digest('hex'),
    ])) as unknown[];
    expect(rows).toEqual([]);
  });

  it('refuses a state-changing session request from another origin or without the CSRF token (403 OperationOutcome)', async () => {
    const { cookie, csrf } = await signIn(PRINCIPALS.operator);
    const replay = (): request.Test => request(server).post('/dead-letters/999999999/replay').set('Cookie', cookie);
    const refused = [
      ['another origin, right token', replay().set('Origin', 'https://attacker.example').set('X-CSRF-Token', csrf)],
      ['an opaque origin, right token', replay().set('Origin', 'null').set('X-CSRF-Token', csrf)],
      ['no origin, right token', replay().set('X-CSRF-Token', csrf)],
      ['own origin, no token', replay().set('Origin', origin)],
      ['own origin, wrong token', replay().set('Origin', origin).set('X-CSRF-Token', 'A'.repeat(43))],
    ] as const;
    for (const [, test] of refused) {
      const response = await test;
      expectOutcome(response, 403, 'forbidden');
      expect(response.headers['www-authenticate']).toBeUndefined();
    }
    // With both, the request reaches the endpoint (no such dead letter).
    const allowed = await replay().set('Origin', origin).set('X-CSRF-Token', csrf);
    expect([401, 403]).not.toContain(allowed.status);
    expect(allowed.status).toBe(404);
    // A browser's cached Basic credentials do not help another site either; programs send no Origin.
    expectOutcome(
      await request(server)
        .post('/dead-letters/999999999/replay')
        .set('Authorization', basicAuth(PRINCIPALS.operator))
        .set('Origin', 'https://attacker.example'),
      403,
      'forbidden',
    );
    expect(
      (
        await request(server)
          .post('/dead-letters/999999999/replay')
          .set('Authorization', basicAuth(PRINCIPALS.operator))
      ).status,
    ).toBe(404);
  });

  it('with CONSOLE_COOKIE_SECURE=on (the production default) the cookie is Secure and __Host- prefixed, and only that name is read', async () => {
    const secure = await bootHub({ CONSOLE_COOKIE_SECURE: 'on' });
    try {
      const secureServer = secure.app.getHttpServer() as Server;
      const secureOrigin = `http://127.0.0.1:${(secureServer.address() as AddressInfo).port}`;
      const response = await request(secureServer)
        .post('/console/session')
        .set('Origin', secureOrigin)
        .send({ id: PRINCIPALS.auditor.id, secret: PRINCIPALS.auditor.secret });
      expect(response.status).toBe(200);
      const [setCookie] = [response.headers['set-cookie'] ?? []].flat();
      expect(setCookie).toMatch(
        /^__Host-cstr-console=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure$/,
      );
      const value = setCookie.split(';')[0].split('=')[1];
      expect(
        (await request(secureServer).get('/audit/verify').set('Cookie', `__Host-cstr-console=${value}`)).status,
      ).toBe(200);
      expectOutcome(
        await request(secureServer).get('/audit/verify').set('Cookie', `cstr-console=${value}`),
        401,
        'login',
      );
    } finally {
      await secure.close();
    }
  }, 60_000);
});
