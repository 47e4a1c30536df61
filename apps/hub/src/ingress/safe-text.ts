/** NUL and lone UTF-16 surrogates: PostgreSQL text and jsonb refuse them. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL refuses.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` without the characters PostgreSQL cannot store, cut to `max` characters (with an ellipsis). */
export function storableText(text: string, max: number): string {
  const clean = text.replace(UNSTORABLE, '\uFFFD');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** A JSON value whose every string is {@link storableText} (jsonb refuses `\u0000`). */
export function storableJson<T>(value: T, maxString = 4000): T {
  return JSON.parse(
    JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' ? storableText(item, maxString) : item)),
  ) as T;
}

/** A claimed name (event type, partner id) shown in a header or reason: printable ASCII, short. */
export function shownName(text: string): string {
  const printable = text.replace(/[^\x20-\x7E]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 79)}…` : printable;
}
