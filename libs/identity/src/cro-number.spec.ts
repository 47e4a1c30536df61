import fc from 'fast-check';
import { isCroNumber, parseCroNumber } from './cro-number';

/** The check letter, written independently of the code under test. */
const LETTERS = 'ZABCDEFGHJKLMNPQRTUVWXY';
const referenceCheck = (digits: string): string => LETTERS[Number(BigInt(digits) % 23n)];

const twoDigitYear = fc.integer({ min: 0, max: 99 }).map((year) => String(year).padStart(2, '0'));
const serialNumber = fc.integer({ min: 0, max: 999_999 });

/** Valid standard CRO numbers in canonical form `NNNNNN/YYA`. */
const validStandard = fc.tuple(serialNumber, twoDigitYear).map(([serial, yy]) => {
  const serial6 = String(serial).padStart(6, '0');
  return `${serial6}/${yy}${referenceCheck(yy + serial6)}`;
});

/** Valid SF CRO numbers in canonical form `SFYY/N…A` (serial without leading zeros, padded to five for the check). */
const validSf = fc
  .tuple(serialNumber, twoDigitYear)
  .map(([serial, yy]) => `SF${yy}/${serial}${referenceCheck(yy + String(serial).padStart(5, '0'))}`);

const CODES = ['cro-number-format', 'cro-number-check-character'];

/** Every value made by changing one digit of `value` (letters and the slash left alone). */
function singleDigitSubstitutions(value: string): { changed: string; index: number; from: string; to: string }[] {
  const out = [];
  for (let index = 0; index < value.length; index++) {
    if (!/[0-9]/.test(value[index])) continue;
    for (const to of '0123456789') {
      if (to !== value[index])
        out.push({ changed: value.slice(0, index) + to + value.slice(index + 1), index, from: value[index], to });
    }
  }
  return out;
}

describe('parseCroNumber', () => {
  // Examples from ministryofjustice/hmpps-person-record CROIdentifierTest.kt and valid_cros.csv.
  it.each([
    ['265416/21G', '265416/21G'],
    ['65656/91H', '065656/91H'],
    ['288242/01M', '288242/01M'],
    ['742031/07A', '742031/07A'],
    ['826/65W', '000826/65W'],
    ['046960/58W', '046960/58W'],
    ['SF05/482703J', 'SF05/482703J'],
    ['SF83/50058Z', 'SF83/50058Z'],
    ['SF74/27111W', 'SF74/27111W'],
    // Four-digit SF serials: valid only with the serial padded to five digits for the check.
    ['SF83/4661E', 'SF83/4661E'],
    ['SF93/2294N', 'SF93/2294N'],
    ['SF94/5431U', 'SF94/5431U'],
    // Our own normalisation.
    ['SF 05/482703J', 'SF05/482703J'],
    ['sf83/04661e', 'SF83/4661E'],
    [' 65656/91h ', '065656/91H'],
  ])('accepts %j as %s', (input, value) => {
    expect(parseCroNumber(input)).toEqual({ ok: true, kind: 'cro-number', value });
  });

  it.each([
    ['85227/65G', 'cro-number-check-character'],
    ['265416/21O', 'cro-number-check-character'],
    // In valid_cros.csv, but no rule makes it check out (D would): taken to be a typing error there.
    ['SF83/94613C', 'cro-number-check-character'],
    ['45183/712', 'cro-number-format'],
    ['1234567/21G', 'cro-number-format'],
    ['265416/2021G', 'cro-number-format'],
    ['/21G', 'cro-number-format'],
    ['26541621G', 'cro-number-format'],
    ['265416 /21G', 'cro-number-format'],
    ['SF  05/482703J', 'cro-number-format'],
    ['SF05/4827031J', 'cro-number-format'],
    ['SF5/482703J', 'cro-number-format'],
    ['XX05/482703J', 'cro-number-format'],
    ['CTOJ', 'cro-number-format'],
    ['', 'cro-number-format'],
  ])('refuses %j with %s', (input, code) => {
    expect(parseCroNumber(input)).toMatchObject({ ok: false, kind: 'cro-number', code });
  });

  it('refuses values that are not strings', () => {
    expect(parseCroNumber(26541621)).toMatchObject({ ok: false, code: 'cro-number-format' });
  });

  it('cannot tell a six-digit SF serial from the same serial with its leading digit zeroed when 9 × YY + digit is a multiple of 23', () => {
    // 9 × 05 + 1 = 46: SF05/123456Y and SF05/023456Y (= SF05/23456Y) both check out.
    expect(parseCroNumber('SF05/123456Y')).toMatchObject({ ok: true, value: 'SF05/123456Y' });
    expect(parseCroNumber('SF05/023456Y')).toMatchObject({ ok: true, value: 'SF05/23456Y' });
  });

  it('isCroNumber is true only for the canonical form', () => {
    expect(isCroNumber('065656/91H')).toBe(true);
    expect(isCroNumber('65656/91H')).toBe(false);
    expect(isCroNumber('SF05/482703J')).toBe(true);
    expect(isCroNumber('SF 05/482703J')).toBe(false);
  });

  describe('properties', () => {
    it('the computed check letter makes any standard or SF number valid', () => {
      fc.assert(
        fc.property(fc.oneof(validStandard, validSf), (cro) =>
          expect(parseCroNumber(cro)).toEqual({ ok: true, kind: 'cro-number', value: cro }),
        ),
      );
    });

    it('standard form: detects every single-digit substitution and every other check letter', () => {
      fc.assert(
        fc.property(validStandard, (cro) => {
          for (const { changed } of singleDigitSubstitutions(cro))
            expect(parseCroNumber(changed)).toMatchObject({ ok: false, code: 'cro-number-check-character' });
          for (const letter of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
            if (letter !== cro.slice(-1)) expect(parseCroNumber(cro.slice(0, -1) + letter).ok).toBe(false);
          }
        }),
      );
    });

    it('SF form: detects every single-digit substitution except zeroing the first digit of a six-digit serial, which is missed exactly when 9 × YY + digit ≡ 0 (mod 23)', () => {
      fc.assert(
        fc.property(validSf, (cro) => {
          const yy = Number(cro.slice(2, 4));
          const serial = cro.slice(5, -1);
          for (const { changed, index, from, to } of singleDigitSubstitutions(cro)) {
            const zeroesLongSerial = index === 5 && serial.length === 6 && to === '0';
            const result = parseCroNumber(changed);
            if (zeroesLongSerial) expect(result.ok).toBe((9 * yy + Number(from)) % 23 === 0);
            else expect(result).toMatchObject({ ok: false, code: 'cro-number-check-character' });
          }
          for (const letter of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
            if (letter !== cro.slice(-1)) expect(parseCroNumber(cro.slice(0, -1) + letter).ok).toBe(false);
          }
        }),
        { numRuns: 300 },
      );
    });

    it('normalisation is idempotent, whichever accepted form the value arrives in', () => {
      const variant = fc.tuple(
        fc.oneof(validStandard, validSf),
        fc.constantFrom('as-is', 'lower', 'trimmed', 'unpadded', 'sf-space', 'sf-zero-padded'),
      );
      fc.assert(
        fc.property(variant, ([cro, form]) => {
          const sf = cro.startsWith('SF');
          const input = {
            'as-is': cro,
            lower: cro.toLowerCase(),
            trimmed: `  ${cro}\t`,
            unpadded: sf ? cro : cro.replace(/^0+(?=\d)/, ''),
            'sf-space': sf ? `SF ${cro.slice(2)}` : cro,
            'sf-zero-padded': sf && cro.length < 12 ? cro.replace('/', '/0') : cro,
          }[form];
          const first = parseCroNumber(input);
          expect(first).toMatchObject({ ok: true, value: cro });
          if (first.ok) expect(parseCroNumber(first.value)).toEqual(first);
        }),
      );
    });

    it('junk never throws and is always refused with a code', () => {
      const junk = fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        fc.stringMatching(/^(SF|sf)?[0-9/ A-Za-z]{0,14}$/),
        fc.anything(),
      );
      const plausible = /^\s*(SF ?\d{2}\/\d{1,6}|\d{1,6}\/\d{2})[A-Z]\s*$/i;
      fc.assert(
        fc.property(
          junk.filter((input) => !(typeof input === 'string' && plausible.test(input))),
          (input) => {
            const result = parseCroNumber(input);
            expect(result.ok).toBe(false);
            if (!result.ok) expect(CODES).toContain(result.code);
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});
