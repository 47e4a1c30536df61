import fc from 'fast-check';
import { isCommonPlatformDefendantId, parseCommonPlatformDefendantId } from './common-platform-defendant-id';

const CODES = ['common-platform-defendant-id-format', 'common-platform-defendant-id-placeholder'];
const isPlaceholder = (uuid: string) => /^[0-]+$/.test(uuid) || /^[f-]+$/i.test(uuid);

describe('parseCommonPlatformDefendantId', () => {
  it.each([
    ['8e8bb2ff-5c8d-4d4e-a5e6-8c7ab1f0d2a1', '8e8bb2ff-5c8d-4d4e-a5e6-8c7ab1f0d2a1'],
    ['8E8BB2FF-5C8D-4D4E-A5E6-8C7AB1F0D2A1', '8e8bb2ff-5c8d-4d4e-a5e6-8c7ab1f0d2a1'],
    [' 6f9619ff-8b86-d011-b42d-00c04fc964ff ', '6f9619ff-8b86-d011-b42d-00c04fc964ff'],
  ])('accepts %j as %s', (input, value) => {
    expect(parseCommonPlatformDefendantId(input)).toEqual({ ok: true, kind: 'common-platform-defendant-id', value });
  });

  it.each([
    ['8e8bb2ff5c8d4d4ea5e68c7ab1f0d2a1', 'common-platform-defendant-id-format'],
    ['{8e8bb2ff-5c8d-4d4e-a5e6-8c7ab1f0d2a1}', 'common-platform-defendant-id-format'],
    ['urn:uuid:8e8bb2ff-5c8d-4d4e-a5e6-8c7ab1f0d2a1', 'common-platform-defendant-id-format'],
    ['8e8bb2ff-5c8d-4d4e-a5e6-8c7ab1f0d2a', 'common-platform-defendant-id-format'],
    ['8e8bb2ff-5c8d-4d4e-a5e6-8c7ab1f0d2ag', 'common-platform-defendant-id-format'],
    ['8e8bb2ff-5c8d-4d4e a5e6-8c7ab1f0d2a1', 'common-platform-defendant-id-format'],
    ['', 'common-platform-defendant-id-format'],
    ['00000000-0000-0000-0000-000000000000', 'common-platform-defendant-id-placeholder'],
    ['FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', 'common-platform-defendant-id-placeholder'],
  ])('refuses %j with %s', (input, code) => {
    expect(parseCommonPlatformDefendantId(input)).toMatchObject({
      ok: false,
      kind: 'common-platform-defendant-id',
      code,
    });
  });

  it('isCommonPlatformDefendantId is true only for the lower-case form', () => {
    expect(isCommonPlatformDefendantId('8e8bb2ff-5c8d-4d4e-a5e6-8c7ab1f0d2a1')).toBe(true);
    expect(isCommonPlatformDefendantId('8E8BB2FF-5C8D-4D4E-A5E6-8C7AB1F0D2A1')).toBe(false);
  });

  describe('properties', () => {
    it('any UUID, in any case, is accepted and normalised to lower case (there is no check character)', () => {
      fc.assert(
        fc.property(fc.mixedCase(fc.uuid({ version: [1, 2, 3, 4, 5, 6, 7, 8] })), (uuid) => {
          expect(parseCommonPlatformDefendantId(uuid)).toEqual({
            ok: true,
            kind: 'common-platform-defendant-id',
            value: uuid.toLowerCase(),
          });
        }),
      );
    });

    it('a non-hex character anywhere, or a missing hyphen, is refused', () => {
      fc.assert(
        fc.property(
          fc.uuid(),
          fc.integer({ min: 0, max: 35 }),
          fc.constantFrom('g', 'z', '-', '_'),
          (uuid, i, char) => {
            fc.pre(uuid[i] !== char);
            expect(parseCommonPlatformDefendantId(uuid.slice(0, i) + char + uuid.slice(i + 1))).toMatchObject({
              ok: false,
              code: 'common-platform-defendant-id-format',
            });
          },
        ),
      );
    });

    it('normalisation is idempotent', () => {
      fc.assert(
        fc.property(fc.mixedCase(fc.uuid()), fc.constantFrom('', ' ', '\t'), (uuid, pad) => {
          const first = parseCommonPlatformDefendantId(pad + uuid + pad);
          expect(first.ok).toBe(true);
          if (first.ok) expect(parseCommonPlatformDefendantId(first.value)).toEqual(first);
        }),
      );
    });

    it('junk never throws and is always refused with a code', () => {
      const uuidShape = /^\s*[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\s*$/i;
      const junk = fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.stringMatching(/^[0-9a-fA-F-]{30,40}$/),
        fc.anything(),
      );
      fc.assert(
        fc.property(
          junk.filter((input) => !(typeof input === 'string' && uuidShape.test(input) && !isPlaceholder(input.trim()))),
          (input) => {
            const result = parseCommonPlatformDefendantId(input);
            expect(result.ok).toBe(false);
            if (!result.ok) expect(CODES).toContain(result.code);
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});
