/**
 * CRO number — the Criminal Records Office number, in two forms:
 * - standard `NNNNNN/YYA`: serial (up to six digits), two-digit year, check letter;
 * - fingerprint `SFYY/NNNNNA` ("SF" form): two-digit year, serial, check letter.
 * The check letter is `ZABCDEFGHJKLMNPQRTUVWXY`[(YY followed by the serial) mod 23], as for PNC IDs.
 *
 * Sources: ministryofjustice/hmpps-person-record, `model/identifiers/CROIdentifier.kt` (formats
 * `^\d{1,6}/\d{2}[A-Z]$` and `^SF\d{2}/\d{1,6}[A-Z]$`, standard serial padded to six digits for
 * the check and in the canonical form, SF numbers kept in SF form) and its test data
 * `src/test/resources/valid_cros.csv`; ministryofjustice/prison-api,
 * `service/OffenderIdentifierService.kt` (`isValidCroFormat`).
 *
 * Where they disagree we follow the data: for SF numbers MoJ code uses the serial as written,
 * but the SF examples with four-digit serials in `valid_cros.csv` (e.g. `SF83/4661E`,
 * `SF94/5431U`) only check out when the serial is zero-padded to five digits, and padding to five
 * changes nothing for the five- and six-digit ones. So an SF serial is padded to five for the check.
 */
import { MOD23_CHECK_LETTERS, mod23CheckLetter } from './check-characters';
import {
  asciiUpperCase,
  fail,
  IdentifierParseResult,
  IdentifierValue,
  slashedShapeProblem,
  succeed,
} from './identifier-result';

/** A CRO number in canonical form: `NNNNNN/YYA` or `SFYY/N…A`. */
export type CroNumber = IdentifierValue<'cro-number'>;

/** Why a CRO number was refused. */
export type CroNumberErrorCode = 'cro-number-format' | 'cro-number-check-character';

/** The result of {@link parseCroNumber}. */
export type CroNumberResult = IdentifierParseResult<'cro-number', CroNumberErrorCode>;

const KIND = 'cro-number';
const STANDARD_SERIAL_LENGTH = 6;
const SF_CHECK_SERIAL_LENGTH = 5;

/**
 * Validates a CRO number and returns it in canonical form.
 *
 * Input is trimmed and upper-cased; `SF 05/482703J` (a space after SF, as often printed) is
 * accepted; no other spaces. Canonical forms: standard with the serial padded to six digits
 * (`65656/91H` → `065656/91H`); SF without the space and without leading zeros in the serial
 * (`SF83/50058Z`).
 */
export function parseCroNumber(input: unknown): CroNumberResult {
  if (typeof input !== 'string')
    return fail(KIND, 'cro-number-format', 'CRO number must be a string such as NNNNNN/YYA or SFYY/NNNNNA.');
  const value = asciiUpperCase(input.trim());
  if (value.length === 0)
    return fail(KIND, 'cro-number-format', 'CRO number is empty; it must look like NNNNNN/YYA or SFYY/NNNNNA.');

  const sf = /^SF ?/.exec(value);
  const problem = slashedShapeProblem(value, sf ? sf[0].length : 0);
  if (problem) return fail(KIND, 'cro-number-format', `CRO number ${problem}.`);
  const body = value.slice(sf ? sf[0].length : 0, -1);
  const check = value.slice(-1);
  const slash = body.indexOf('/');
  if (slash < 0)
    return fail(KIND, 'cro-number-format', "CRO number must contain a '/' between serial number and year.");

  if (sf) {
    const year = body.slice(0, slash);
    const serial = body.slice(slash + 1);
    if (year.length !== 2)
      return fail(
        KIND,
        'cro-number-format',
        `CRO number in SF form must have a 2-digit year after SF: it has ${year.length} digits.`,
      );
    if (serial.length < 1 || serial.length > STANDARD_SERIAL_LENGTH) {
      return fail(
        KIND,
        'cro-number-format',
        `CRO number in SF form must have a serial number of 1 to 6 digits after the '/': it has ${serial.length}.`,
      );
    }
    const significant = serial.replace(/^0+(?=\d)/, '');
    const checkFailure = checkLetterProblem(check, year + significant.padStart(SF_CHECK_SERIAL_LENGTH, '0'));
    return checkFailure ?? succeed(KIND, `SF${year}/${significant}${check}`);
  }

  const serial = body.slice(0, slash);
  const year = body.slice(slash + 1);
  if (serial.length < 1 || serial.length > STANDARD_SERIAL_LENGTH) {
    return fail(
      KIND,
      'cro-number-format',
      `CRO number must have a serial number of 1 to 6 digits before the '/': it has ${serial.length}.`,
    );
  }
  if (year.length !== 2)
    return fail(
      KIND,
      'cro-number-format',
      `CRO number must have a 2-digit year after the '/': it has ${year.length} digits.`,
    );
  const serial6 = serial.padStart(STANDARD_SERIAL_LENGTH, '0');
  return checkLetterProblem(check, year + serial6) ?? succeed(KIND, `${serial6}/${year}${check}`);
}

function checkLetterProblem(check: string, digits: string): CroNumberResult | undefined {
  if (!MOD23_CHECK_LETTERS.includes(check)) {
    return fail(
      KIND,
      'cro-number-check-character',
      'CRO number check letter is never I, O or S; check for a mistyped character.',
    );
  }
  if (mod23CheckLetter(digits) !== check) {
    return fail(
      KIND,
      'cro-number-check-character',
      'CRO number check letter does not match the serial number and year; check for a mistyped digit.',
    );
  }
  return undefined;
}

/** True when `value` is a valid CRO number already in canonical form. */
export function isCroNumber(value: unknown): value is CroNumber {
  const result = parseCroNumber(value);
  return result.ok && result.value === value;
}
