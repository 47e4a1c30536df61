import fc from 'fast-check';
import { advisoryLockKey, sortedAdvisoryLockKeys } from './advisory-lock-keys';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

describe('advisory lock keys', () => {
  it('are deterministic signed 64-bit integers', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const key = BigInt(advisoryLockKey(text));
        expect(key >= INT64_MIN && key <= INT64_MAX).toBe(true);
        expect(advisoryLockKey(text)).toBe(String(key));
      }),
    );
  });

  it('come sorted and distinct whatever the input order, so transactions lock in one order', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 8 }), (texts) => {
        const keys = sortedAdvisoryLockKeys(texts).map(BigInt);
        for (let i = 1; i < keys.length; i++) expect(keys[i - 1] < keys[i]).toBe(true);
        expect(sortedAdvisoryLockKeys([...texts].reverse())).toEqual(sortedAdvisoryLockKeys(texts));
        expect(keys).toHaveLength(new Set(texts).size);
      }),
    );
  });
});
