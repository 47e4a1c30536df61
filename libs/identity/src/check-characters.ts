/**
 * The two check-character schemes behind UK person identifiers: NHS Modulus 11, and the
 * modulus-23 letter used by the Police National Computer for PNC IDs and CRO numbers.
 */

/** Weights for the first nine digits of an NHS number, most significant first. */
const NHS_WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/**
 * The NHS number check digit for nine leading digits, or `undefined` when the Modulus 11
 * remainder gives 10 — no NHS number is issued with those nine digits.
 *
 * @param firstNine exactly nine ASCII digits (not checked here; callers validate first)
 */
export function nhsNumberCheckDigit(firstNine: string): number | undefined {
  let sum = 0;
  for (let i = 0; i < NHS_WEIGHTS.length; i++) sum += Number(firstNine[i]) * NHS_WEIGHTS[i];
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return undefined;
  return check;
}

/**
 * The 23 check letters, indexed by remainder. I, O and S are left out (too easily misread as
 * 1, 0 and 5) and Z stands for remainder 0. Used as `VALID_LETTERS` in
 * ministryofjustice/hmpps-person-record (model/identifiers/PNCIdentifier.kt, CROIdentifier.kt).
 */
export const MOD23_CHECK_LETTERS = 'ZABCDEFGHJKLMNPQRTUVWXY';

/**
 * The modulus-23 check letter for a string of decimal digits (read as one number).
 * Computed digit by digit so that any length stays exact.
 */
export function mod23CheckLetter(digits: string): string {
  let remainder = 0;
  for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 23;
  return MOD23_CHECK_LETTERS[remainder];
}
