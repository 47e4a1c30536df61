import fc from 'fast-check';
import { nameBirthDateKey, normaliseBirthDate, normaliseNamePart } from './demographics';

describe('normaliseNamePart', () => {
  it.each([
    ['Smith-Jones', 'smithjones'],
    ['  SMITH JONES ', 'smithjones'],
    ['smith\u2013jones', 'smithjones'],
    ['Ｓｍｉｔｈ', 'smith'],
    ["O'Brien", "o'brien"],
  ])('%j → %j', (input, expected) => {
    expect(normaliseNamePart(input)).toBe(expected);
  });
});

describe('normaliseBirthDate', () => {
  it('keeps real full dates and refuses partial, impossible or non-string ones', () => {
    expect(normaliseBirthDate(' 1980-02-29 ')).toBe('1980-02-29');
    for (const bad of ['1981-02-29', '1980-13-01', '1980-02', '1980', '03/02/1980', '', 19800203, undefined])
      expect(normaliseBirthDate(bad)).toBeUndefined();
  });
});

describe('nameBirthDateKey', () => {
  const base = { family: 'Smith-Jones', given: ['Mary', 'Ann'], birthDate: '1980-02-03' };

  it('is equal across case, whitespace and hyphens, and given as a string or a list', () => {
    const key = nameBirthDateKey(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(nameBirthDateKey({ family: 'SMITH JONES', given: 'mary-ann', birthDate: '1980-02-03' })).toBe(key);
  });

  it('differs when any part differs, and is absent when a part is missing or unusable', () => {
    const key = nameBirthDateKey(base);
    expect(nameBirthDateKey({ ...base, birthDate: '1980-02-04' })).not.toBe(key);
    expect(nameBirthDateKey({ ...base, family: 'Smith' })).not.toBe(key);
    expect(nameBirthDateKey({ ...base, given: ['Mary'] })).not.toBe(key);
    expect(nameBirthDateKey({ ...base, family: undefined })).toBeUndefined();
    expect(nameBirthDateKey({ ...base, given: [] })).toBeUndefined();
    expect(nameBirthDateKey({ ...base, family: ' - ' })).toBeUndefined();
    expect(nameBirthDateKey({ ...base, birthDate: '1980' })).toBeUndefined();
    expect(nameBirthDateKey({ family: 42, given: {}, birthDate: null })).toBeUndefined();
  });

  it('does not contain the name (only a hash is stored)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z]{3,12}$/), fc.stringMatching(/^[A-Za-z]{3,12}$/), (family, given) => {
        const key = nameBirthDateKey({ family, given, birthDate: '1990-01-01' }) as string;
        expect(key).not.toContain(family.toLowerCase());
        expect(key).toBe(
          nameBirthDateKey({ family: family.toUpperCase(), given: ` ${given} `, birthDate: '1990-01-01' }),
        );
      }),
    );
  });
});
