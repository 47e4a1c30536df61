import fc from 'fast-check';
import { formatPncIdShort, isPncId, parsePncId, PncId } from './pnc-id';

/** The check letter as MoJ computes it, written independently of the code under test. */
const LETTERS = 'ZABCDEFGHJKLMNPQRTUVWXY';
const referenceCheck = (digits: string): string => LETTERS[Number(BigInt(digits) % 23n)];

const REFERENCE_YEAR = 2025;
const options = { referenceYear: REFERENCE_YEAR };

/** A valid canonical PNC ID from a year and a serial, with its parts for the tests to play with. */
const validPnc = fc
  .record({ year: fc.integer({ min: 1900, max: 2099 }), serial: fc.integer({ min: 0, max: 9_999_999 }) })
  .map(({ year, serial }) => {
    const serial7 = String(serial).padStart(7, '0');
    const yyyy = String(year);
    const check = referenceCheck(yyyy.slice(2) + serial7);
    return { yyyy, serial7, check, value: `${yyyy}/${serial7}${check}` };
  });

const CODES = ['pnc-id-format', 'pnc-id-check-character'];

describe('parsePncId', () => {
  // Examples from ministryofjustice/hmpps-person-record PNCIdentifierTest.kt and valid_pncs.csv.
  it.each([
    ['2008/0056560Z', '2008/0056560Z'],
    ['20030011985X', '2003/0011985X'],
    ['20120052494Q', '2012/0052494Q'],
    ['2011/0275516Q', '2011/0275516Q'],
    ['1981/0154257C', '1981/0154257C'],
    ['2007/1607611J', '2007/1607611J'],
    ['1979/0163001B', '1979/0163001B'],
    ['19790163001B', '1979/0163001B'],
    ['79/163001B', '1979/0163001B'],
    ['81/34U', '1981/0000034U'],
    ['02/73319Z', '2002/0073319Z'],
    ['00/223R', '2000/0000223R'],
    ['0273319Z', '2002/0073319Z'],
    ['79163001B', '1979/0163001B'],
    ['033Y', '2003/0000003Y'],
    // Our own normalisation: trimmed, check letter upper-cased.
    ['  2008/0056560z ', '2008/0056560Z'],
    // With a slash the year is what stands before it; the serial is zero-padded to seven digits.
    ['2008/123E', '2008/0000123E'],
    ['08/123E', '2008/0000123E'],
  ])('accepts %j as %s', (input, value) => {
    expect(parsePncId(input, options)).toEqual({ ok: true, kind: 'pnc-id', value });
  });

  it('reads a slash-less value shorter than 12 characters as a two-digit year, as hmpps-person-record does', () => {
    expect(parsePncId('2008123H', options)).toEqual({ ok: true, kind: 'pnc-id', value: '2020/0008123H' });
    expect(parsePncId('2008123E', options)).toMatchObject({ ok: false, code: 'pnc-id-check-character' });
  });

  it('expands a two-digit year against the reference year', () => {
    expect(parsePncId('25/1F', { referenceYear: 2025 })).toMatchObject({ ok: true, value: '2025/0000001F' });
    expect(parsePncId('26/1W', { referenceYear: 2025 })).toMatchObject({ ok: true, value: '1926/0000001W' });
    expect(parsePncId('26/1W', { referenceYear: 2026 })).toMatchObject({ ok: true, value: '2026/0000001W' });
  });

  it.each([
    ['20030011985Z', 'pnc-id-check-character'],
    ['20120052494O', 'pnc-id-check-character'],
    ['20230583843N', 'pnc-id-check-character'],
    ['2001/0171310S', 'pnc-id-check-character'],
    ['2008/123L', 'pnc-id-check-character'],
    ['TOTALLYINVALID', 'pnc-id-format'],
    ['1X23/1234567A', 'pnc-id-format'],
    ['1923[1234567A', 'pnc-id-format'],
    ['1923/1Z34567A', 'pnc-id-format'],
    ['1923/1234567AA', 'pnc-id-format'],
    ['2008/ 0056560Z', 'pnc-id-format'],
    ['2008/00565601Z', 'pnc-id-format'],
    ['200/0056560Z', 'pnc-id-format'],
    ['2008//0056560Z', 'pnc-id-format'],
    ['2008/0056560', 'pnc-id-format'],
    ['2008/Z', 'pnc-id-format'],
    ['2008005656Z', 'pnc-id-format'],
    ['01Z', 'pnc-id-format'],
    ['', 'pnc-id-format'],
  ])('refuses %j with %s', (input, code) => {
    expect(parsePncId(input, options)).toMatchObject({ ok: false, kind: 'pnc-id', code });
  });

  it('refuses values that are not strings', () => {
    expect(parsePncId(20080056560, options)).toMatchObject({ ok: false, code: 'pnc-id-format' });
    expect(parsePncId(undefined)).toMatchObject({ ok: false, code: 'pnc-id-format' });
  });

  it('isPncId is true only for the canonical form', () => {
    expect(isPncId('2008/0056560Z')).toBe(true);
    expect(isPncId('20080056560Z')).toBe(false);
    expect(isPncId('2008/0056560Y')).toBe(false);
  });

  it('formats the short form', () => {
    expect(formatPncIdShort('1979/0163001B' as PncId)).toBe('79/163001B');
    expect(formatPncIdShort('2003/0000003Y' as PncId)).toBe('03/3Y');
    expect(formatPncIdShort('2000/0000000Z' as PncId)).toBe('00/0Z');
  });

  describe('properties', () => {
    it('the computed check letter makes any year and serial valid', () => {
      fc.assert(
        fc.property(validPnc, (pnc) =>
          expect(parsePncId(pnc.value, options)).toEqual({ ok: true, kind: 'pnc-id', value: pnc.value }),
        ),
      );
    });

    it('detects every single-digit substitution in the last two year digits and the serial', () => {
      fc.assert(
        fc.property(validPnc, (pnc) => {
          const positions = [2, 3, 5, 6, 7, 8, 9, 10, 11];
          for (const i of positions) {
            for (const digit of '0123456789') {
              if (digit === pnc.value[i]) continue;
              const changed = pnc.value.slice(0, i) + digit + pnc.value.slice(i + 1);
              expect(parsePncId(changed, options)).toMatchObject({ ok: false, code: 'pnc-id-check-character' });
            }
          }
        }),
      );
    });

    it('does not detect a changed century: the first two year digits are outside the check', () => {
      fc.assert(
        fc.property(validPnc, fc.stringMatching(/^[0-9]{2}$/), (pnc, century) => {
          fc.pre(century !== pnc.yyyy.slice(0, 2));
          const changed = century + pnc.value.slice(2);
          expect(parsePncId(changed, options)).toEqual({ ok: true, kind: 'pnc-id', value: changed });
        }),
      );
    });

    it('detects every other check letter', () => {
      fc.assert(
        fc.property(validPnc, (pnc) => {
          for (const letter of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
            if (letter === pnc.check) continue;
            expect(parsePncId(pnc.value.slice(0, -1) + letter, options)).toMatchObject({
              ok: false,
              code: 'pnc-id-check-character',
            });
          }
        }),
      );
    });

    it('detects every transposition of two different adjacent digits in YY and serial', () => {
      fc.assert(
        fc.property(validPnc, fc.integer({ min: 0, max: 7 }), (pnc, i) => {
          const digits = pnc.yyyy.slice(2) + pnc.serial7;
          fc.pre(digits[i] !== digits[i + 1]);
          const swapped = digits.slice(0, i) + digits[i + 1] + digits[i] + digits.slice(i + 2);
          expect(
            parsePncId(`${pnc.yyyy.slice(0, 2)}${swapped.slice(0, 2)}/${swapped.slice(2)}${pnc.check}`, options).ok,
          ).toBe(false);
        }),
      );
    });

    it('normalisation is idempotent, whichever accepted form the value arrives in', () => {
      const variant = fc.tuple(
        validPnc,
        fc.constantFrom('canonical', 'no-slash', 'short', 'short-no-slash', 'lower', 'padded'),
        fc.integer({ min: 1990, max: 2099 }),
      );
      fc.assert(
        fc.property(variant, ([pnc, form, referenceYear]) => {
          const serial = pnc.serial7.replace(/^0+(?=\d)/, '');
          const input = {
            canonical: pnc.value,
            'no-slash': `${pnc.yyyy}${pnc.serial7}${pnc.check}`,
            short: `${pnc.yyyy.slice(2)}/${serial}${pnc.check}`,
            'short-no-slash': `${pnc.yyyy.slice(2)}${serial}${pnc.check}`,
            lower: pnc.value.toLowerCase(),
            padded: ` \t${pnc.value} `,
          }[form];
          const first = parsePncId(input, { referenceYear });
          expect(first.ok).toBe(true);
          if (!first.ok) return;
          expect(isPncId(first.value)).toBe(true);
          expect(parsePncId(first.value, { referenceYear })).toEqual(first);
        }),
      );
    });

    it('the short form parses back to the same PNC ID when the year is within the hundred years up to the reference year', () => {
      fc.assert(
        fc.property(validPnc, fc.integer({ min: 1950, max: 2150 }), (pnc, referenceYear) => {
          const back = parsePncId(formatPncIdShort(pnc.value as PncId), { referenceYear });
          const year = Number(pnc.yyyy);
          if (year <= referenceYear && year > referenceYear - 100)
            expect(back).toMatchObject({ ok: true, value: pnc.value });
          else expect(back).toMatchObject({ ok: true, value: expect.not.stringMatching(`^${pnc.yyyy}/`) });
        }),
      );
    });

    it('junk never throws and is always refused with a code', () => {
      const junk = fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme', maxLength: 30 }),
        fc.stringMatching(/^[0-9/ A-Za-z]{0,16}$/),
        fc.anything(),
      );
      // The shape of anything parsePncId could accept: filtered out, so "refused" must hold.
      const plausible = /^\s*(\d{2}|\d{4})?\/?\d{1,11}[A-Za-z]\s*$/;
      fc.assert(
        fc.property(
          junk.filter((input) => !(typeof input === 'string' && plausible.test(input))),
          (input) => {
            const result = parsePncId(input, options);
            expect(result.ok).toBe(false);
            if (!result.ok) expect(CODES).toContain(result.code);
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});
