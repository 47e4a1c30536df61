import fc from 'fast-check';
import { MOD23_CHECK_LETTERS, mod23CheckLetter, nhsNumberCheckDigit } from './check-characters';

describe('check characters', () => {
  it('the mod-23 alphabet has 23 distinct letters, Z first, without I, O or S', () => {
    expect(MOD23_CHECK_LETTERS).toHaveLength(23);
    expect(new Set(MOD23_CHECK_LETTERS).size).toBe(23);
    expect(MOD23_CHECK_LETTERS[0]).toBe('Z');
    expect(MOD23_CHECK_LETTERS).not.toMatch(/[IOS]/);
  });

  it('mod23CheckLetter agrees with BigInt arithmetic for numbers of any length', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,30}$/), (digits) => {
        expect(mod23CheckLetter(digits)).toBe(MOD23_CHECK_LETTERS[Number(BigInt(digits) % 23n)]);
      }),
    );
  });

  it('nhsNumberCheckDigit gives 9 for 943476591 and 0 where 11 − remainder is 11', () => {
    expect(nhsNumberCheckDigit('943476591')).toBe(9);
    expect(nhsNumberCheckDigit('987654321')).toBe(0);
    expect(nhsNumberCheckDigit('123456789')).toBeUndefined();
  });
});
