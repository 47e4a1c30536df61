import { hashSecret, isSecretHash, verifySecret } from './secret-hash';

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
});
