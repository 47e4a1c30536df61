import { percentile } from './percentile';

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('gives the nearest rank: the smallest value with p% of the values at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 99.5)).toBe(100);
    expect(percentile([3, 7, 8, 15, 20], 30)).toBe(7);
  });

  it('gives the least value at 0 and the greatest at 100', () => {
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([42], 50)).toBe(42);
  });

  it('refuses an empty list and a p outside 0–100', () => {
    expect(() => percentile([], 50)).toThrow('empty list');
    expect(() => percentile(hundred, 101)).toThrow('between 0 and 100');
    expect(() => percentile(hundred, Number.NaN)).toThrow('between 0 and 100');
  });
});
