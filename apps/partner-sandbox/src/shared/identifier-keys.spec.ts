import { identifierKey, identifierKeys } from './identifier-keys';

describe('identifierKey', () => {
  it('gives the same key to the written forms of one identifier', () => {
    expect(identifierKey('999 000 0123')).toBe(identifierKey('9990000123'));
    expect(identifierKey('19/46512V')).toBe(identifierKey('2019/0046512V'));
    expect(identifierKey('x412563')).toBe(identifierKey('X412563'));
  });

  it('keeps other values apart', () => {
    expect(identifierKey('9990000123')).not.toBe(identifierKey('9990000239'));
    expect(identifierKey('ref 1')).toBe('REF1');
  });
});

describe('identifierKeys', () => {
  it('collects every string leaf, nested in objects and arrays, and the extra values', () => {
    const keys = identifierKeys({ person: { identifiers: [{ type: 'CRN', value: 'X412563' }] }, count: 3 }, [
      '9990000123',
    ]);
    expect(keys.has(identifierKey('X412563'))).toBe(true);
    expect(keys.has(identifierKey('9990000123'))).toBe(true);
    expect(keys.has('3')).toBe(false);
  });
});
