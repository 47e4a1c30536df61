import { generateKeyPairSync } from 'node:crypto';
import { jwtVerify } from 'jose';
import {
  ClientCredentialsTokenSource,
  TokenUnavailableError,
  authorizedFetch,
} from './client-credentials.token-source';
import type { OutboundAuthSettings } from './partner-auth-settings';

const SETTINGS: OutboundAuthSettings = {
  tokenUrl: 'https://auth.partner.test/oauth/token',
  clientId: 'cstr-hub-test',
  clientAuth: 'client_secret_basic',
};

/** A token endpoint that hands out `token-1`, `token-2`, … living `expiresIn` seconds, and records each request. */
function tokenEndpoint(expiresIn = 300) {
  const requests: { headers: Headers; body: URLSearchParams }[] = [];
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    requests.push({ headers: new Headers(init.headers), body: new URLSearchParams(String(init.body)) });
    return new Response(JSON.stringify({ access_token: `token-${requests.length}`, expires_in: expiresIn }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as unknown as typeof fetch;
  return { fetchImpl, requests };
}

describe('ClientCredentialsTokenSource', () => {
  it('asks once with HTTP Basic client credentials and keeps the token until shortly before it expires, then refreshes', async () => {
    let now = 1_000_000;
    const { fetchImpl, requests } = tokenEndpoint(300);
    const tokens = new ClientCredentialsTokenSource({
      settings: SETTINGS,
      credential: { kind: 'secret', secret: 's3cret/with:colon' },
      fetch: fetchImpl,
      now: () => now,
    });
    await expect(Promise.all([tokens.token(), tokens.token()])).resolves.toEqual(['token-1', 'token-1']);
    expect(requests).toHaveLength(1);
    expect(requests[0].body.get('grant_type')).toBe('client_credentials');
    expect(requests[0].headers.get('authorization')).toBe(
      `Basic ${Buffer.from('cstr-hub-test:s3cret%2Fwith%3Acolon').toString('base64')}`,
    );

    now += 269_000; // 31 s before expiry: still the same token
    await expect(tokens.token()).resolves.toBe('token-1');
    now += 2_000; // 29 s before expiry: renewed
    await expect(tokens.token()).resolves.toBe('token-2');
    expect(requests).toHaveLength(2);
  });

  it('authenticates with an RS512 private-key JWT assertion (iss = sub = client id, aud = the token endpoint, 5 minutes)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { fetchImpl, requests } = tokenEndpoint();
    const tokens = new ClientCredentialsTokenSource({
      settings: { ...SETTINGS, clientAuth: 'private_key_jwt', keyId: 'key-1' },
      credential: { kind: 'private-key', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      fetch: fetchImpl,
    });
    await tokens.token();
    const { body, headers } = requests[0];
    expect(headers.get('authorization')).toBeNull();
    expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const { payload, protectedHeader } = await jwtVerify(body.get('client_assertion') as string, publicKey, {
      issuer: 'cstr-hub-test',
      subject: 'cstr-hub-test',
      audience: SETTINGS.tokenUrl,
      algorithms: ['RS512'],
    });
    expect(protectedHeader.kid).toBe('key-1');
    expect((payload.exp as number) - (payload.iat as number)).toBeLessThanOrEqual(300);
    expect(typeof payload.jti).toBe('string');
  });

  it('fails with TokenUnavailableError when the endpoint refuses the client', async () => {
    const tokens = new ClientCredentialsTokenSource({
      settings: SETTINGS,
      credential: { kind: 'secret', secret: 'wrong' },
      fetch: (async () =>
        new Response(JSON.stringify({ error: 'invalid_client' }), { status: 401 })) as unknown as typeof fetch,
    });
    await expect(tokens.token()).rejects.toBeInstanceOf(TokenUnavailableError);
  });
});

describe('authorizedFetch', () => {
  it('sends the bearer token, and on a 401 forgets it and tries once more with a new one', async () => {
    const { fetchImpl, requests } = tokenEndpoint();
    const tokens = new ClientCredentialsTokenSource({
      settings: SETTINGS,
      credential: { kind: 'secret', secret: 's' },
      fetch: fetchImpl,
    });
    const seen: (string | null)[] = [];
    const api = (async (_url: string, init: RequestInit) => {
      const authorization = new Headers(init.headers).get('authorization');
      seen.push(authorization);
      return new Response('{}', { status: authorization === 'Bearer token-1' ? 401 : 200 });
    }) as unknown as typeof fetch;
    const call = authorizedFetch(tokens, api);
    expect((await call('https://api.partner.test/x', { headers: { accept: 'application/json' } })).status).toBe(200);
    expect(seen).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(requests).toHaveLength(2);
    // The new token is kept: the next call asks the token endpoint nothing.
    await call('https://api.partner.test/y');
    expect(requests).toHaveLength(2);
  });

  it('retries a 401 only once', async () => {
    const { fetchImpl } = tokenEndpoint();
    const tokens = new ClientCredentialsTokenSource({
      settings: SETTINGS,
      credential: { kind: 'secret', secret: 's' },
      fetch: fetchImpl,
    });
    let calls = 0;
    const api = (async () => {
      calls += 1;
      return new Response('{}', { status: 401 });
    }) as unknown as typeof fetch;
    expect((await authorizedFetch(tokens, api)('https://api.partner.test/x')).status).toBe(401);
    expect(calls).toBe(2);
  });
});
