/**
 * CRN — the n-Delius case reference number: one letter and six digits, e.g. `X123456`.
 * There is no check character, so only the shape can be validated.
 */
import {
  asciiUpperCase,
  describeCharacterAt,
  fail,
  firstWhitespace,
  IdentifierParseResult,
  IdentifierValue,
  succeed,
} from './identifier-result';

/** A CRN in normalised form: an upper-case letter and six digits. */
export type Crn = IdentifierValue<'crn'>;

/** Why a CRN was refused. */
export type CrnErrorCode = 'crn-format';

/** The result of {@link parseCrn}. */
export type CrnResult = IdentifierParseResult<'crn', CrnErrorCode>;

const KIND = 'crn';

/**
 * Validates and normalises a CRN: surrounding whitespace is trimmed and the letter upper-cased
 * (`x123456` → `X123456`); a space inside is refused, since `X 123456` is more likely two
 * fields run together than a CRN. Same shape as `^[A-Z]\d{6}$` in
 * ministryofjustice/hmpps-accredited-programmes-manage-and-deliver-api (NomisIdOrCrnRegex.kt).
 */
export function parseCrn(input: unknown): CrnResult {
  if (typeof input !== 'string') return fail(KIND, 'crn-format', 'CRN must be a string: one letter and six digits.');
  const value = asciiUpperCase(input.trim());
  if (value.length === 0) return fail(KIND, 'crn-format', 'CRN is empty; it must be one letter and six digits.');
  const space = firstWhitespace(value);
  if (space >= 0)
    return fail(KIND, 'crn-format', `CRN must not contain spaces: it has ${describeCharacterAt(value, space)}.`);
  if (!/^[A-Z]/.test(value))
    return fail(
      KIND,
      'crn-format',
      `CRN must start with a letter A-Z: it starts with ${describeCharacterAt(value, 0)}.`,
    );
  const nonDigit = value.slice(1).search(/[^0-9]/);
  if (nonDigit >= 0) {
    return fail(
      KIND,
      'crn-format',
      `CRN must be a letter followed by digits only: it has ${describeCharacterAt(value, nonDigit + 1)}.`,
    );
  }
  if (value.length !== 7)
    return fail(
      KIND,
      'crn-format',
      `CRN must be one letter and exactly six digits: it has ${value.length - 1} digits.`,
    );
  return succeed(KIND, value);
}

/** True when `value` is a CRN already in normalised form (so `x123456` is not, `X123456` is). */
export function isCrn(value: unknown): value is Crn {
  const result = parseCrn(value);
  return result.ok && result.value === value;
}
