import fc from 'fast-check';
import { canonicalJson, NotCanonicalJsonError, type JsonValue } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'x' } })).toBe('{"a":{"c":"x","d":[true,null]},"b":1}');
  });

  it('keeps array order', () => {
    expect(canonicalJson(['b', 'a'])).toBe('["b","a"]');
  });

  it('sorts keys by UTF-16 code units, not by locale (RFC 8785)', () => {
    // U+1F600 is written as the surrogates D83D DE00, which sort before U+FF21 (code point order would not).
    expect(canonicalJson({ a: 1, B: 2, é: 3, '\uFF21': 4, '\u{1F600}': 5 })).toBe(
      '{"B":2,"a":1,"é":3,"\u{1F600}":5,"\uFF21":4}',
    );
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ s: 'line\nquote"back\\' })).toBe('{"s":"line\\nquote\\"back\\\\"}');
  });

  it('refuses values JSON cannot hold exactly', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(NotCanonicalJsonError);
    expect(() => canonicalJson({ d: new Date(0) } as unknown as JsonValue)).toThrow(NotCanonicalJsonError);
  });

  it('is the same text whatever order the keys were built in, and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value as JsonValue);
        const reordered = JSON.parse(JSON.stringify(value, (_key, item: unknown) => reverseKeys(item))) as JsonValue;
        expect(canonicalJson(reordered)).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

function reverseKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).reverse());
}
