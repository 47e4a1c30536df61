import fc from 'fast-check';
import { isCrn, parseCrn } from './crn';

const validCrn = fc
  .tuple(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), fc.stringMatching(/^[0-9]{6}$/))
  .map(([letter, digits]) => letter + digits);

describe('parseCrn', () => {
  it.each([
    ['X123456', 'X123456'],
    ['A000001', 'A000001'],
    ['x123456', 'X123456'],
    ['  X123456\t', 'X123456'],
  ])('accepts %j as %s', (input, value) => {
    expect(parseCrn(input)).toEqual({ ok: true, kind: 'crn', value });
  });

  it.each([
    'X 123456',
    'X12 3456',
    'X12345',
    'X1234567',
    'XX12345',
    '1234567',
    'X12345A',
    'X-123456',
    'ı123456',
    'Ｘ123456',
    '',
  ])('refuses %j with crn-format', (input) => {
    expect(parseCrn(input)).toMatchObject({ ok: false, kind: 'crn', code: 'crn-format' });
  });

  it('refuses values that are not strings', () => {
    expect(parseCrn(123456)).toMatchObject({ ok: false, code: 'crn-format' });
  });

  it('says what is wrong', () => {
    expect(parseCrn('X12345')).toMatchObject({ reason: expect.stringMatching(/exactly six digits: it has 5/) });
    expect(parseCrn('1234567')).toMatchObject({ reason: expect.stringMatching(/start with a letter/) });
  });

  it('isCrn is true only for the normalised form', () => {
    expect(isCrn('X123456')).toBe(true);
    expect(isCrn('x123456')).toBe(false);
    expect(isCrn(' X123456')).toBe(false);
  });

  describe('properties', () => {
    it('any letter and six digits is a CRN (there is no check character to get wrong)', () => {
      fc.assert(fc.property(validCrn, (crn) => expect(parseCrn(crn)).toEqual({ ok: true, kind: 'crn', value: crn })));
    });

    it('a digit where the letter belongs, or a letter among the digits, is refused', () => {
      fc.assert(
        fc.property(
          validCrn,
          fc.integer({ min: 0, max: 6 }),
          fc.constantFrom(...'0123456789'),
          fc.constantFrom(...'ABCXYZ'),
          (crn, i, digit, letter) => {
            const changed = crn.slice(0, i) + (i === 0 ? digit : letter) + crn.slice(i + 1);
            expect(parseCrn(changed)).toMatchObject({ ok: false, code: 'crn-format' });
          },
        ),
      );
    });

    it('normalisation is idempotent', () => {
      const messy = fc
        .tuple(validCrn, fc.boolean(), fc.constantFrom('', ' ', '\t', '\n '))
        .map(([crn, lower, pad]) => `${pad}${lower ? crn.toLowerCase() : crn}${pad}`);
      fc.assert(
        fc.property(messy, (input) => {
          const first = parseCrn(input);
          expect(first.ok).toBe(true);
          if (first.ok) expect(parseCrn(first.value)).toEqual(first);
        }),
      );
    });

    it('junk never throws and is always refused with a code', () => {
      const junk = fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.stringMatching(/^[A-Za-z0-9 ]{0,9}$/),
        fc.anything(),
      );
      fc.assert(
        fc.property(
          junk.filter((input) => !(typeof input === 'string' && /^\s*[A-Za-z][0-9]{6}\s*$/.test(input))),
          (input) => expect(parseCrn(input)).toMatchObject({ ok: false, code: 'crn-format' }),
        ),
        { numRuns: 500 },
      );
    });
  });
});
