import fc from 'fast-check';
import { formatNhsNumber, isNhsNumber, NhsNumber, parseNhsNumber } from './nhs-number';

/** Modulus 11 written out from the NHS Data Dictionary, independently of the code under test. */
function referenceCheckDigit(firstNine: string): string | null {
  const sum = [...firstNine].reduce((total, digit, i) => total + Number(digit) * (10 - i), 0);
  const check = 11 - (sum % 11);
  if (check === 10) return null;
  return String(check % 11);
}

const nineDigits = fc.stringMatching(/^[0-9]{9}$/);
/** Valid NHS numbers, built with the reference check digit (placeholders left out). */
const validNhsNumber = nineDigits
  .filter((nine) => referenceCheckDigit(nine) !== null)
  .map((nine) => nine + referenceCheckDigit(nine))
  .filter((n) => !/^(\d)\1{9}$/.test(n));

const CODES = ['nhs-number-format', 'nhs-number-placeholder', 'nhs-number-check-digit'];

describe('parseNhsNumber', () => {
  it.each(['9434765919', '9000000009', '4010232137', '9449304130', '9449306613', '9876543210'])(
    'accepts the known valid NHS number %s',
    (nhsNumber) => {
      expect(parseNhsNumber(nhsNumber)).toEqual({ ok: true, kind: 'nhs-number', value: nhsNumber });
    },
  );

  it.each([
    ['943 476 5919', 'nhs-number-format'],
    ['943-476-5919', 'nhs-number-format'],
    [' 9434765919', 'nhs-number-format'],
    ['9434765919\n', 'nhs-number-format'],
    ['943476591', 'nhs-number-format'],
    ['94347659190', 'nhs-number-format'],
    ['943476591O', 'nhs-number-format'],
    ['９４３４７６５９１９', 'nhs-number-format'],
    ['', 'nhs-number-format'],
    ['0000000000', 'nhs-number-placeholder'],
    ['1111111111', 'nhs-number-placeholder'],
    ['9999999999', 'nhs-number-placeholder'],
    ['9434765918', 'nhs-number-check-digit'],
    ['9434765991', 'nhs-number-check-digit'],
    // 1234567890 is the usual dummy: Modulus 11 gives 10 for 123456789, so no such number exists.
    ['1234567890', 'nhs-number-check-digit'],
  ])('refuses %j with %s', (input, code) => {
    const result = parseNhsNumber(input);
    expect(result).toMatchObject({ ok: false, kind: 'nhs-number', code });
  });

  it('treats 1111111111 as a placeholder although it passes Modulus 11', () => {
    expect(referenceCheckDigit('111111111')).toBe('1');
    expect(parseNhsNumber('1111111111')).toMatchObject({ ok: false, code: 'nhs-number-placeholder' });
  });

  it('refuses values that are not strings', () => {
    for (const input of [9434765919, null, undefined, {}, ['9434765919']]) {
      expect(parseNhsNumber(input)).toMatchObject({ ok: false, code: 'nhs-number-format' });
    }
  });

  it('names the problem without repeating the number', () => {
    const result = parseNhsNumber('9434765918');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(/check digit/);
      expect(result.reason).not.toContain('9434765918');
    }
    expect(parseNhsNumber('943 476 5919')).toMatchObject({ reason: expect.stringMatching(/space.*position 4/) });
  });

  it('isNhsNumber is true only for valid bare numbers', () => {
    expect(isNhsNumber('9434765919')).toBe(true);
    expect(isNhsNumber('943 476 5919')).toBe(false);
    expect(isNhsNumber('9434765918')).toBe(false);
    expect(isNhsNumber(9434765919)).toBe(false);
  });

  it('formats 943 476 5919', () => {
    expect(formatNhsNumber('9434765919' as NhsNumber)).toBe('943 476 5919');
  });

  describe('properties', () => {
    it('the Modulus 11 check digit makes any nine digits valid (unless a placeholder)', () => {
      fc.assert(
        fc.property(validNhsNumber, (nhsNumber) =>
          expect(parseNhsNumber(nhsNumber)).toEqual({ ok: true, kind: 'nhs-number', value: nhsNumber }),
        ),
      );
    });

    it('nine digits whose check digit would be 10 are refused whatever the last digit', () => {
      const noSuchNumber = nineDigits.filter((nine) => referenceCheckDigit(nine) === null);
      fc.assert(
        fc.property(noSuchNumber, fc.integer({ min: 0, max: 9 }), (nine, last) => {
          expect(parseNhsNumber(nine + last)).toMatchObject({ ok: false, code: 'nhs-number-check-digit' });
        }),
      );
    });

    it('detects every single-digit substitution, in any of the ten positions', () => {
      fc.assert(
        fc.property(validNhsNumber, (nhsNumber) => {
          for (let i = 0; i < 10; i++) {
            for (const digit of '0123456789') {
              if (digit === nhsNumber[i]) continue;
              const changed = nhsNumber.slice(0, i) + digit + nhsNumber.slice(i + 1);
              expect(parseNhsNumber(changed).ok).toBe(false);
            }
          }
        }),
      );
    });

    it('detects every transposition of two different adjacent digits among the first nine', () => {
      fc.assert(
        fc.property(validNhsNumber, fc.integer({ min: 0, max: 7 }), (nhsNumber, i) => {
          fc.pre(nhsNumber[i] !== nhsNumber[i + 1]);
          const swapped = nhsNumber.slice(0, i) + nhsNumber[i + 1] + nhsNumber[i] + nhsNumber.slice(i + 2);
          expect(parseNhsNumber(swapped).ok).toBe(false);
        }),
      );
    });

    it('is idempotent: a valid number parses to itself (nothing to normalise)', () => {
      fc.assert(
        fc.property(fc.oneof(validNhsNumber, fc.stringMatching(/^[0-9]{10}$/)), (input) => {
          const first = parseNhsNumber(input);
          if (!first.ok) return;
          expect(first.value).toBe(input);
          expect(parseNhsNumber(first.value)).toEqual(first);
        }),
      );
    });

    it('the display form is refused by the parser, and gives the number back once the spaces are removed', () => {
      fc.assert(
        fc.property(validNhsNumber, (nhsNumber) => {
          const display = formatNhsNumber(nhsNumber as NhsNumber);
          expect(display).toMatch(/^\d{3} \d{3} \d{4}$/);
          expect(parseNhsNumber(display)).toMatchObject({ ok: false, code: 'nhs-number-format' });
          expect(parseNhsNumber(display.replace(/ /g, ''))).toMatchObject({ ok: true, value: nhsNumber });
        }),
      );
    });

    it('junk never throws and is always refused with a code', () => {
      const junk = fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        fc.stringMatching(/^[0-9 -]{0,14}$/),
        fc.anything(),
      );
      fc.assert(
        fc.property(
          junk.filter((input) => !(typeof input === 'string' && /^[0-9]{10}$/.test(input))),
          (input) => {
            const result = parseNhsNumber(input);
            expect(result.ok).toBe(false);
            if (!result.ok) expect(CODES).toContain(result.code);
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});
