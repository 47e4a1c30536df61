import { ConcurrencyLimitFullError } from './concurrency-limit';
import {
  DEFAULT_SCRYPT_CONCURRENCY,
  DEFAULT_SCRYPT_QUEUE,
  hashSecret,
  isSecretHash,
  limitScrypt,
  scryptLimit,
  verifySecret,
  verifySecretSync,
} from './secret-hash';

// Low cost keeps the tests quick; the format and the comparison are the same at any cost.
const CHEAP = { N: 1024, r: 8, p: 1 };

describe('secret hashes', () => {
  it('verifies the secret it was made from, and nothing else', async () => {
    const hash = await hashSecret('correct horse battery staple', CHEAP);
    expect(isSecretHash(hash)).toBe(true);
    expect(hash).not.toContain('correct horse');
    await expect(verifySecret('correct horse battery staple', hash)).resolves.toBe(true);
    await expect(verifySecret('correct horse battery stapl', hash)).resolves.toBe(false);
    await expect(verifySecret('', hash)).resolves.toBe(false);
  });

  it('salts every hash, so equal secrets do not give equal hashes', async () => {
    const [first, second] = await Promise.all([
      hashSecret('same secret value', CHEAP),
      hashSecret('same secret value', CHEAP),
    ]);
    expect(first).not.toBe(second);
    await expect(verifySecret('same secret value', second)).resolves.toBe(true);
  });

  it('uses the default cost written into the hash', async () => {
    expect(await hashSecret('a secret of sixteen+')).toMatch(/^scrypt\$32768\$8\$3\$/);
  });

  it('refuses malformed hashes and hostile cost parameters without throwing', async () => {
    const good = await hashSecret('x'.repeat(20), CHEAP);
    for (const bad of [
      '',
      'plain-text-secret',
      good.replace('scrypt$1024', 'scrypt$1000'),
      good.replace('scrypt$1024', 'scrypt$2147483648'),
      `${good}x`,
      good.replace('$8$1$', '$0$1$'),
    ]) {
      expect(isSecretHash(bad)).toBe(false);
      await expect(verifySecret('x'.repeat(20), bad)).resolves.toBe(false);
    }
    expect(isSecretHash(42)).toBe(false);
  });

  it('verifies synchronously too (boot checks), with the same answers', async () => {
    const hash = await hashSecret('a boot-time secret value', CHEAP);
    expect(verifySecretSync('a boot-time secret value', hash)).toBe(true);
    expect(verifySecretSync('another secret value', hash)).toBe(false);
    expect(verifySecretSync('a boot-time secret value', 'not-a-hash')).toBe(false);
  });
});

describe('the scrypt cap', () => {
  afterEach(() => limitScrypt(DEFAULT_SCRYPT_CONCURRENCY, DEFAULT_SCRYPT_QUEUE));

  it('runs at most the configured number of scrypt computations at once', async () => {
    limitScrypt(2, 100);
    const hash = await hashSecret('x'.repeat(20), CHEAP);
    let peak = 0;
    const all = Array.from({ length: 20 }, () => verifySecret('x'.repeat(20), hash));
    const sampler = setInterval(() => (peak = Math.max(peak, scryptLimit().active)), 0);
    peak = Math.max(peak, scryptLimit().active);
    expect(scryptLimit().queued).toBe(18);
    await expect(Promise.all(all)).resolves.toEqual(all.map(() => true));
    clearInterval(sampler);
    expect(peak).toBe(2);
    expect(scryptLimit().active).toBe(0);
  });

  it('refuses at once, without computing, when the waiting list is full', async () => {
    limitScrypt(1, 1);
    const hash = await hashSecret('x'.repeat(20), CHEAP);
    const first = verifySecret('x'.repeat(20), hash);
    const second = verifySecret('x'.repeat(20), hash);
    await expect(verifySecret('x'.repeat(20), hash)).rejects.toBeInstanceOf(ConcurrencyLimitFullError);
    await expect(Promise.all([first, second])).resolves.toEqual([true, true]);
  });
});
