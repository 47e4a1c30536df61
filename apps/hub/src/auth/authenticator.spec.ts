import type { ScryptOptions } from 'node:crypto';
import { OperationOutcomeError } from '@cstr/contracts';
import { Authenticator, parseBasic } from './authenticator';
import { LoginThrottles } from './login-throttle';
import type { PrincipalStore } from './principal-store';
import type { StoredPrincipal } from './roles';
import { DEFAULT_SCRYPT_CONCURRENCY, DEFAULT_SCRYPT_QUEUE, hashSecret, limitScrypt } from './secret-hash';

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('Authenticator', () => {
  let principals: Map<string, StoredPrincipal>;
  let subject: Authenticator;

  beforeAll(async () => {
    const secretHash = await hashSecret('slam-secret-0123456789', { N: 1024, r: 8, p: 1 });
    principals = new Map([
      ['slam-mhtr', { kind: 'partner', id: 'slam-mhtr', roles: ['partner'], partnerId: 'slam-mhtr', secretHash }],
    ]);
  });

  beforeEach(() => {
    const store = { find: (id: string) => Promise.resolve(principals.get(id)) } as unknown as PrincipalStore;
    subject = new Authenticator(
      store,
      new LoginThrottles({ maxFailuresPerId: 2, maxFailuresPerAddress: 3, windowMs: 60_000 }),
    );
  });

  afterEach(() => limitScrypt(DEFAULT_SCRYPT_CONCURRENCY, DEFAULT_SCRYPT_QUEUE));

  async function status(header: string | undefined, source?: string): Promise<number> {
    try {
      await subject.authenticate(header, source);
      return 200;
    } catch (error) {
      expect(error).toBeInstanceOf(OperationOutcomeError);
      return (error as OperationOutcomeError).status;
    }
  }

  it('gives the principal, without its hash, for the right secret', async () => {
    const principal = await subject.authenticate(basic('slam-mhtr', 'slam-secret-0123456789'));
    expect(principal).toEqual({ kind: 'partner', id: 'slam-mhtr', roles: ['partner'], partnerId: 'slam-mhtr' });
  });

  it('answers 401 for missing, malformed or wrong credentials, and 429 once an id failed too often', async () => {
    expect(await status(undefined)).toBe(401);
    expect(await status('Bearer abc')).toBe(401);
    expect(await status('Basic !!!')).toBe(401);
    expect(await status(basic('nobody', 'whatever'))).toBe(401);
    expect(await status(basic('slam-mhtr', 'wrong'))).toBe(401);
    expect(await status(basic('slam-mhtr', 'wrong again'))).toBe(401);
    expect(await status(basic('slam-mhtr', 'slam-secret-0123456789'))).toBe(429);
  });

  it('answers 429 once an address failed too often, whichever ids it tries', async () => {
    expect(await status(basic('a', 'x'), '192.0.2.7')).toBe(401);
    expect(await status(basic('b', 'x'), '192.0.2.7')).toBe(401);
    expect(await status(basic('c', 'x'), '192.0.2.7')).toBe(401);
    expect(await status(basic('slam-mhtr', 'slam-secret-0123456789'), '192.0.2.7')).toBe(429);
    expect(await status(basic('slam-mhtr', 'slam-secret-0123456789'), '192.0.2.8')).toBe(200);
  });

  it('costs one scrypt of the same cost for an unknown id as for a wrong secret', async () => {
    const original = principals.get('slam-mhtr') as StoredPrincipal;
    principals.set('slam-mhtr', { ...original, secretHash: await hashSecret('slam-secret-0123456789') });
    await subject.verify('nobody', 'warm the decoy up').catch(() => undefined);
    // The module object itself (an import binding cannot be spied on): secret-hash reads it live.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const spy = jest.spyOn(require('node:crypto') as typeof import('node:crypto'), 'scrypt');
    try {
      await expect(subject.verify('nobody', 'some guess')).rejects.toMatchObject({ status: 401 });
      await expect(subject.verify('slam-mhtr', 'some guess')).rejects.toMatchObject({ status: 401 });
      const costs = spy.mock.calls.map((call) => (call[3] as ScryptOptions).N);
      expect(costs).toEqual([2 ** 15, 2 ** 15]);
    } finally {
      spy.mockRestore();
      principals.set('slam-mhtr', original);
    }
  });

  it('answers 503 when more logins arrive than the scrypt cap lets wait', async () => {
    limitScrypt(1, 1);
    const answers = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        subject.verify(`p${n}`, 'guess', `198.51.100.${n}`).then(
          () => 200,
          (error: OperationOutcomeError) => error.status,
        ),
      ),
    );
    expect(answers.filter((answer) => answer === 503).length).toBeGreaterThan(0);
    expect(answers.filter((answer) => answer === 401).length).toBeGreaterThan(0);
  });

  it('still checks the stored hash after a success: a changed secret stops the old one', async () => {
    await subject.authenticate(basic('slam-mhtr', 'slam-secret-0123456789'));
    const before = principals.get('slam-mhtr') as StoredPrincipal;
    principals.set('slam-mhtr', {
      ...before,
      secretHash: await hashSecret('a new secret 0123456789', { N: 1024, r: 8, p: 1 }),
    });
    expect(await status(basic('slam-mhtr', 'slam-secret-0123456789'))).toBe(401);
    expect(await status(basic('slam-mhtr', 'a new secret 0123456789'))).toBe(200);
    principals.set('slam-mhtr', before);
  });

  it('parses Basic credentials: the id ends at the first colon', () => {
    expect(parseBasic(basic('a', 'b:c'))).toEqual({ id: 'a', secret: 'b:c' });
    expect(parseBasic(basic('', 'b'))).toBeUndefined();
    expect(parseBasic(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBeUndefined();
  });
});
