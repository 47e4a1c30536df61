/**
 * The `p`th percentile (0–100) of numbers sorted in ascending order, by nearest rank: the smallest
 * value with at least `p`% of the values at or below it (`p` 0 gives the least, 100 the greatest).
 * Throws on an empty list, which has no percentile.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('No values: an empty list has no percentile');
  if (!(p >= 0 && p <= 100)) throw new Error(`A percentile is between 0 and 100, not ${p}`);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
