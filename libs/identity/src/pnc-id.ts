/**
 * PNC ID — the Police National Computer identifier, `YYYY/NNNNNNNA`: the year the record was
 * created, a seven-digit serial number and a modulus-23 check letter.
 *
 * Rules follow the Ministry of Justice implementations:
 * - ministryofjustice/hmpps-person-record, `model/identifiers/PNCIdentifier.kt`: check letter
 *   `ZABCDEFGHJKLMNPQRTUVWXY`[(YY followed by the serial zero-padded to 7) mod 23]; canonical
 *   form `YYYY/NNNNNNNA`; short forms `YY/N…A` and slash-less `YYYYNNNNNNNA` / `YYN…A` accepted;
 *   a two-digit year is taken as 20YY up to the current year, otherwise 19YY.
 * - ministryofjustice/prison-api, `service/OffenderIdentifierService.kt` (`isValidPncFormat`):
 *   `^\d{0,2}(\d{2})/(\d{1,7})([A-Z])$`, serial padded to seven digits before the check.
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

/** A PNC ID in canonical form `YYYY/NNNNNNNA`. */
export type PncId = IdentifierValue<'pnc-id'>;

/** Why a PNC ID was refused. */
export type PncIdErrorCode = 'pnc-id-format' | 'pnc-id-check-character';

/** The result of {@link parsePncId}. */
export type PncIdResult = IdentifierParseResult<'pnc-id', PncIdErrorCode>;

/** Options for {@link parsePncId}. */
export interface PncIdOptions {
  /**
   * The year against which a two-digit year is expanded: `YY` up to this year's last two digits
   * is in this century, anything above is in the previous one. Defaults to the current year
   * (as MoJ does); pass it to make parsing repeatable.
   */
  readonly referenceYear?: number;
}

const KIND = 'pnc-id';
const SERIAL_LENGTH = 7;

/**
 * Validates a PNC ID and returns it in canonical form `YYYY/NNNNNNNA`.
 *
 * Accepted (after trimming and upper-casing the check letter): `YYYY/N…A` and `YY/N…A` with a
 * serial of 1 to 7 digits (`08/123L` → `2008/0000123L`, `2008/123L` → `2008/0000123L`);
 * without the slash, `YYYYNNNNNNNA` (exactly 12 characters) or `YYN…A` with a 1- to 7-digit serial.
 *
 * Doubtful case, decided deliberately: without a slash, anything shorter than 12 characters is
 * read as a two-digit year (as hmpps-person-record does), so `2008123L` is `2020/0008123L`, not
 * `2008/0000123L`; with a slash the year is whatever stands before it (as prison-api does).
 *
 * The first two digits of a four-digit year are not covered by the check letter, so a wrong
 * century cannot be detected.
 */
export function parsePncId(input: unknown, options: PncIdOptions = {}): PncIdResult {
  if (typeof input !== 'string') return fail(KIND, 'pnc-id-format', 'PNC ID must be a string such as YYYY/NNNNNNNA.');
  const value = asciiUpperCase(input.trim());
  if (value.length === 0) return fail(KIND, 'pnc-id-format', 'PNC ID is empty; it must look like YYYY/NNNNNNNA.');
  const problem = slashedShapeProblem(value);
  if (problem) return fail(KIND, 'pnc-id-format', `PNC ID ${problem}.`);

  const parts = splitPncId(value);
  if (typeof parts === 'string') return fail(KIND, 'pnc-id-format', `PNC ID ${parts}.`);
  const { year, serial, check } = parts;

  const serial7 = serial.padStart(SERIAL_LENGTH, '0');
  const fullYear =
    year.length === 4
      ? year
      : String(expandTwoDigitYear(Number(year), options.referenceYear ?? new Date().getUTCFullYear()));
  if (!MOD23_CHECK_LETTERS.includes(check)) {
    return fail(
      KIND,
      'pnc-id-check-character',
      'PNC ID check letter is never I, O or S; check for a mistyped character.',
    );
  }
  if (mod23CheckLetter(year.slice(-2) + serial7) !== check) {
    return fail(
      KIND,
      'pnc-id-check-character',
      'PNC ID check letter does not match the year and serial number; check for a mistyped digit.',
    );
  }
  return succeed(KIND, `${fullYear}/${serial7}${check}`);
}

/** The year, serial and check letter of a well-shaped PNC ID, or what is wrong with their lengths. */
function splitPncId(value: string): { year: string; serial: string; check: string } | string {
  const check = value.slice(-1);
  const digits = value.slice(0, -1);
  const slash = digits.indexOf('/');
  if (slash >= 0) {
    const year = digits.slice(0, slash);
    const serial = digits.slice(slash + 1);
    if (year.length !== 2 && year.length !== 4)
      return `must have a 2- or 4-digit year before the '/': it has ${year.length} digits`;
    if (serial.length < 1 || serial.length > SERIAL_LENGTH)
      return `must have a serial number of 1 to 7 digits after the '/': it has ${serial.length}`;
    return { year, serial, check };
  }
  if (digits.length === 4 + SERIAL_LENGTH) return { year: digits.slice(0, 4), serial: digits.slice(4), check };
  if (digits.length >= 3 && digits.length <= 2 + SERIAL_LENGTH)
    return { year: digits.slice(0, 2), serial: digits.slice(2), check };
  return `without a '/' must be YYYY and a 7-digit serial, or YY and a serial of 1 to 7 digits, then the check letter: it has ${digits.length} digits`;
}

/** `yy` as a four-digit year no later than `referenceYear`'s last two digits allow. */
function expandTwoDigitYear(yy: number, referenceYear: number): number {
  const century = Math.floor(referenceYear / 100) * 100;
  return yy <= referenceYear % 100 ? century + yy : century - 100 + yy;
}

/** True when `value` is a valid PNC ID already in canonical form `YYYY/NNNNNNNA`. */
export function isPncId(value: unknown): value is PncId {
  // A canonical value has a four-digit year, so the reference year cannot change the outcome.
  const result = parsePncId(value);
  return result.ok && result.value === value;
}

/**
 * The short form `YY/N…A` (two-digit year, serial without leading zeros), as printed on older
 * records, e.g. `1979/0163001B` → `79/163001B`. It drops the century: parsing it back gives the
 * same PNC ID only when the year is within the hundred years up to the reference year.
 */
export function formatPncIdShort(pncId: PncId): string {
  const [year, rest] = pncId.split('/');
  const serial = rest.slice(0, -1).replace(/^0+(?=\d)/, '');
  return `${year.slice(2)}/${serial}${rest.slice(-1)}`;
}
