import { OperationOutcomeError } from '@cstr/contracts';
import { Authenticator, parseBasic } from './authenticator';
import { LoginThrottle } from './login-throttle';
import type { PrincipalStore } from './principal-store';
import type { StoredPrincipal } from './roles';
import { hashSecret } from './secret-hash';

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
    subject = new Authenticator(store, new LoginThrottle({ maxFailures: 2, windowMs: 60_000 }));
  });

  async function status(header: string | undefined): Promise<number> {
    try {
      await subject.authenticate(header);
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
