/**
 * Name and birth date, reduced to a key for raising possible matches. Two people can share a
 * name and a birth date, so the key only ever prompts a review; it never links.
 */
import { createHash } from 'node:crypto';

/** What a subject may say about name and birth date. */
export interface SubjectDemographics {
  readonly family?: unknown;
  readonly given?: unknown;
  readonly birthDate?: unknown;
}

// Whitespace and every hyphen or dash: "Smith-Jones", "smith jones" and "SMITHJONES" compare equal.
const IGNORED_IN_NAMES = /[\s\-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]+/gu;
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A name part without case, whitespace or hyphens (NFKC first, so look-alike forms compare equal). */
export function normaliseNamePart(value: string): string {
  return value.normalize('NFKC').toLowerCase().replace(IGNORED_IN_NAMES, '');
}

/** The birth date if it is a real full `YYYY-MM-DD` date (surrounding whitespace allowed), else undefined. */
export function normaliseBirthDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = FULL_DATE.exec(value.trim());
  if (!match) return undefined;
  const [, year, month, day] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const real =
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day);
  return real ? `${year}-${month}-${day}` : undefined;
}

/**
 * The possible-match key of a subject: SHA-256 of the normalised family name, given names and
 * birth date, or undefined unless all three are present and usable. The index stores only this
 * hash, not the name.
 */
export function nameBirthDateKey(subject: SubjectDemographics): string | undefined {
  const family = typeof subject.family === 'string' ? normaliseNamePart(subject.family) : '';
  const givenParts =
    typeof subject.given === 'string' ? [subject.given] : Array.isArray(subject.given) ? subject.given : [];
  const given = givenParts
    .filter((part): part is string => typeof part === 'string')
    .map(normaliseNamePart)
    .join('');
  const birthDate = normaliseBirthDate(subject.birthDate);
  if (!family || !given || !birthDate) return undefined;
  return createHash('sha256')
    .update(JSON.stringify(['name+birthDate', family, given, birthDate]))
    .digest('hex');
}
