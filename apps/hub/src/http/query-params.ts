import { HttpStatus } from '@nestjs/common';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';

// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f]|[\uD800-\uDFFF]/;

/** Query parameters as Express gives them: a repeated parameter is an array, nested ones objects. */
export type QueryParams = Record<string, unknown>;

/**
 * A single text query parameter, or undefined when absent. A repeated or nested parameter is a
 * 400 with an OperationOutcome naming it (never a crash further down).
 */
export function textParam(query: QueryParams, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badParam(name, `${name} must be given once, as text.`);
  if (value.length > 500 || CONTROL.test(value))
    throw badParam(name, `${name} must be at most 500 printable characters.`);
  return value;
}

/** A whole-number query parameter within [min, max], or the default. */
export function intParam(query: QueryParams, name: string, min: number, max: number, fallback: number): number {
  const text = textParam(query, name);
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max)
    throw badParam(name, `${name} must be a whole number from ${min} to ${max}.`);
  return Number(text);
}

/** A 400 about one query parameter. */
export function badParam(name: string, diagnostics: string): OperationOutcomeError {
  return new OperationOutcomeError(HttpStatus.BAD_REQUEST, operationOutcome('error', 'value', diagnostics, [name]));
}

/** Rejects parameters the endpoint does not know (a typo would otherwise widen a search silently). */
export function onlyParams(query: QueryParams, known: readonly string[]): void {
  const unknown = Object.keys(query).filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw badParam(
      unknown[0],
      `Unknown parameter ${JSON.stringify(unknown[0].slice(0, 60))}; this endpoint takes ${known.join(', ') || 'no parameters'}.`,
    );
}
