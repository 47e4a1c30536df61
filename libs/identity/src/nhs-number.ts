/**
 * NHS number: ten digits, the last a Modulus 11 check digit (NHS Data Dictionary, "NHS Number").
 *
 * The contract carries the bare ten digits, so this parser does not normalise: spaces, hyphens
 * and surrounding whitespace are refused rather than stripped — a sender that adds them is
 * sending something else, and silently fixing it would hide the fault. Use
 * {@link formatNhsNumber} for the `943 476 5919` display form.
 */
import { nhsNumberCheckDigit } from './check-characters';
import {
  describeCharacterAt,
  fail,
  firstWhitespace,
  IdentifierParseResult,
  IdentifierValue,
  succeed,
} from './identifier-result';

/** A valid NHS number: exactly ten ASCII digits with a correct check digit. */
export type NhsNumber = IdentifierValue<'nhs-number'>;

/** Why an NHS number was refused. */
export type NhsNumberErrorCode = 'nhs-number-format' | 'nhs-number-placeholder' | 'nhs-number-check-digit';

/** The result of {@link parseNhsNumber}. */
export type NhsNumberResult = IdentifierParseResult<'nhs-number', NhsNumberErrorCode>;

const KIND = 'nhs-number';

/**
 * Validates an NHS number.
 *
 * Refused, in this order: anything but a string of exactly ten ASCII digits
 * (`nhs-number-format`); ten identical digits (`nhs-number-placeholder`); a wrong check digit,
 * or nine leading digits whose check digit would be 10 (`nhs-number-check-digit`).
 *
 * Every number of ten identical digits passes Modulus 11 (the weighted sum is 54 × d, so the
 * check digit is d itself), which is why `0000000000`, `1111111111`, … need their own rule: they
 * are what systems put in the field when the number is not known.
 *
 * `1234567890`, the other common dummy, is not listed separately: its nine leading digits give
 * a check digit of 10, so Modulus 11 already rejects it (`nhs-number-check-digit`). We do not
 * refuse the `999` test range or other unissued ranges: test environments (PDS INT, the sandbox)
 * use them, and issuing ranges are NHS England's to change.
 */
export function parseNhsNumber(input: unknown): NhsNumberResult {
  if (typeof input !== 'string') return fail(KIND, 'nhs-number-format', 'NHS number must be a string of 10 digits.');
  if (input.length === 0) return fail(KIND, 'nhs-number-format', 'NHS number is empty; it must be 10 digits.');
  const space = firstWhitespace(input);
  if (space >= 0) {
    return fail(
      KIND,
      'nhs-number-format',
      `NHS number must be the bare 10 digits, without spaces: it has ${describeCharacterAt(input, space)}.`,
    );
  }
  const nonDigit = input.search(/[^0-9]/);
  if (nonDigit >= 0) {
    return fail(
      KIND,
      'nhs-number-format',
      `NHS number must contain only the digits 0-9: it has ${describeCharacterAt(input, nonDigit)}.`,
    );
  }
  if (input.length !== 10)
    return fail(KIND, 'nhs-number-format', `NHS number must be exactly 10 digits: it has ${input.length}.`);
  if (/^(\d)\1{9}$/.test(input)) {
    return fail(
      KIND,
      'nhs-number-placeholder',
      'NHS number is a placeholder (all ten digits the same), not a real number.',
    );
  }
  const expected = nhsNumberCheckDigit(input.slice(0, 9));
  if (expected === undefined) {
    return fail(
      KIND,
      'nhs-number-check-digit',
      'NHS number is not valid: no NHS number can begin with these nine digits (Modulus 11 gives 10).',
    );
  }
  if (expected !== Number(input[9])) {
    return fail(
      KIND,
      'nhs-number-check-digit',
      'NHS number check digit (the last digit) does not match the first nine digits; check for a mistyped digit.',
    );
  }
  return succeed(KIND, input);
}

/** True when `value` is a valid NHS number exactly as the contract carries it (bare ten digits). */
export function isNhsNumber(value: unknown): value is NhsNumber {
  return parseNhsNumber(value).ok;
}

/** The display form `943 476 5919` (3-3-4). For people to read; never send it in a message. */
export function formatNhsNumber(nhsNumber: NhsNumber): string {
  return `${nhsNumber.slice(0, 3)} ${nhsNumber.slice(3, 6)} ${nhsNumber.slice(6)}`;
}
