import { parseCroNumber, parseCrn, parseNhsNumber, parsePncId } from '@cstr/identity';

const PARSERS = [parseNhsNumber, parseCrn, parsePncId, parseCroNumber];

/**
 * The comparable form of a possible person identifier: the normalised value when it parses as
 * an NHS number, CRN, PNC ID or CRO number (so `2019/0046512V` and `19/46512V` meet), otherwise
 * upper case without spaces.
 */
export function identifierKey(value: string): string {
  for (const parse of PARSERS) {
    const result = parse(value);
    if (result.ok) return result.value;
  }
  return value.replace(/\s+/g, '').toUpperCase();
}

/** Every string leaf of a JSON value (and of `extra`), as {@link identifierKey}s. */
export function identifierKeys(value: unknown, extra: readonly string[] = []): Set<string> {
  const keys = new Set<string>();
  const visit = (node: unknown, depth: number): void => {
    if (depth > 64) return;
    if (typeof node === 'string') {
      if (node.length > 0 && node.length <= 64) keys.add(identifierKey(node));
    } else if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
    } else if (typeof node === 'object' && node !== null) {
      for (const item of Object.values(node)) visit(item, depth + 1);
    }
  };
  visit(value, 0);
  for (const item of extra) visit(item, 0);
  return keys;
}
