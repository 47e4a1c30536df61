/**
 * The shape every identifier parser returns: the normalised value, or a stable code and a reason.
 * Parsers never throw on bad input — a bad identifier is data to report, not a crash.
 */

/** The person identifiers the hub understands (SPEC §3). */
export type IdentifierKind = 'nhs-number' | 'crn' | 'pnc-id' | 'cro-number' | 'common-platform-defendant-id';

declare const brand: unique symbol;

/**
 * A string known to be a valid identifier in its normalised form. Only the parsers (and the
 * `is…` guards) produce one, so a function taking `NhsNumber` needs no re-validation.
 */
export type IdentifierValue<K extends IdentifierKind> = string & { readonly [brand]: K };

/** A successful parse: `value` is the normalised form to store, compare and send. */
export interface IdentifierSuccess<K extends IdentifierKind> {
  readonly ok: true;
  readonly kind: K;
  readonly value: IdentifierValue<K>;
}

/**
 * A failed parse. `code` is stable (tests, clients and dashboards may rely on it); `reason` is
 * plain English naming what is wrong, and never repeats the whole input back.
 */
export interface IdentifierFailure<K extends string, C extends string> {
  readonly ok: false;
  readonly kind: K;
  readonly code: C;
  readonly reason: string;
}

/** The result of parsing one identifier of kind `K`. */
export type IdentifierParseResult<K extends IdentifierKind, C extends string> =
  IdentifierSuccess<K> | IdentifierFailure<K, C>;

/** @internal */
export function succeed<K extends IdentifierKind>(kind: K, value: string): IdentifierSuccess<K> {
  return { ok: true, kind, value: value as IdentifierValue<K> };
}

/** @internal */
export function fail<K extends string, C extends string>(kind: K, code: C, reason: string): IdentifierFailure<K, C> {
  return { ok: false, kind, code, reason };
}

/**
 * Names the character at `index` (1-based position) without quoting letters or digits, which
 * could be part of a real identifier; punctuation is quoted because it helps and reveals nothing.
 * @internal
 */
export function describeCharacterAt(value: string, index: number): string {
  const char = String.fromCodePoint(value.codePointAt(index) ?? 0);
  const position = `at position ${index + 1}`;
  if (/\s/.test(char)) return `a space or other whitespace ${position}`;
  if (/[0-9]/.test(char)) return `a digit ${position}`;
  if (/[A-Za-z]/.test(char)) return `a letter ${position}`;
  if (/^[\x21-\x7e]$/.test(char)) return `'${char}' ${position}`;
  return `an unexpected character ${position}`;
}

/** Index of the first whitespace character, or -1. @internal */
export function firstWhitespace(value: string): number {
  return value.search(/\s/);
}

/**
 * Upper-cases ASCII letters only: `toUpperCase()` would also turn `ı` or `ſ` into `I` or `S`,
 * letting a look-alike character through as a valid identifier. @internal
 */
export function asciiUpperCase(value: string): string {
  return value.replace(/[a-z]/g, (letter) => letter.toUpperCase());
}

/** Lower-cases ASCII letters only (see {@link asciiUpperCase}). @internal */
export function asciiLowerCase(value: string): string {
  return value.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/**
 * The first thing wrong with a `digits[/digits]letter` identifier (PNC ID, CRO number) from
 * `start` on, in words, or undefined when the shape is plausible. Lengths are checked by the caller.
 * @internal
 */
export function slashedShapeProblem(value: string, start = 0): string | undefined {
  const body = value.slice(start);
  const space = firstWhitespace(body);
  if (space >= 0) return `must not contain spaces: it has ${describeCharacterAt(value, start + space)}`;
  const bad = body.search(/[^0-9A-Z/]/);
  if (bad >= 0)
    return `may contain only digits, one '/' and a final check letter: it has ${describeCharacterAt(value, start + bad)}`;
  if (body.indexOf('/') !== body.lastIndexOf('/')) return "must contain at most one '/'";
  if (!/[A-Z]$/.test(body)) return 'must end with a check letter';
  const letter = body.slice(0, -1).search(/[A-Z]/);
  if (letter >= 0)
    return `may have a letter only as the final check character: it has ${describeCharacterAt(value, start + letter)}`;
  return undefined;
}
