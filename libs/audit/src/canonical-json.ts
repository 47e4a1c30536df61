/**
 * Canonical JSON: one text for one value, whatever the order its keys were built or stored in
 * (PostgreSQL `jsonb` reorders keys). Object keys are sorted by UTF-16 code units and no
 * whitespace is written; strings and numbers are written as `JSON.stringify` writes them. For the
 * values audit records hold (strings, integers, booleans, null, arrays, objects) this is the JSON
 * Canonicalization Scheme of RFC 8785.
 */

/** A JSON value. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Raised for a value JSON cannot represent exactly (a non-finite number, undefined in a list, a Date, a function…). */
export class NotCanonicalJsonError extends Error {
  readonly code = 'not-canonical-json';
  constructor(readonly found: string) {
    super(`A value cannot be written as canonical JSON: ${found}`);
    this.name = 'NotCanonicalJsonError';
  }
}

/** The canonical JSON text of `value`. */
export function canonicalJson(value: JsonValue): string {
  return write(value);
}

// Written for speed: verification canonicalises every record of the table.
function write(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new NotCanonicalJsonError(String(value));
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let index = 0; index < value.length; index += 1) text += (index > 0 ? ',' : '') + write(value[index]);
        return `${text}]`;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype)
        throw new NotCanonicalJsonError(Object.prototype.toString.call(value));
      const object = value as Record<string, unknown>;
      // Default sort compares UTF-16 code units, as RFC 8785 requires.
      const keys = Object.keys(object).sort();
      let text = '{';
      let first = true;
      for (const key of keys) {
        const item = object[key];
        if (item === undefined) continue;
        text += `${first ? '' : ','}${JSON.stringify(key)}:${write(item)}`;
        first = false;
      }
      return `${text}}`;
    }
    default:
      throw new NotCanonicalJsonError(typeof value);
  }
}
