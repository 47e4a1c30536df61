/**
 * Property: whatever the table, an attacker who knows every shown count and every relation
 * (totals and their breakdowns, nested or several per total) recovers no hidden count exactly.
 * The attacker (test/suppression-attacker.ts) is independent of the module: floating-point
 * elimination that solves for each hidden cell; each answer is checked against the true count.
 */
import fc from 'fast-check';
import { recoverHiddenCounts } from '../../test/suppression-attacker';
import { suppressCells, type CellRelation } from './complementary-suppression';

interface Table {
  readonly counts: Map<string, number>;
  readonly relations: CellRelation[];
}

/** A random table: totals split into one to three breakdowns, some parts split again. */
const tables = fc
  .array(
    fc.record({
      total: fc.integer({ min: 0, max: 40 }),
      breakdowns: fc.array(fc.array(fc.nat({ max: 10 }), { minLength: 2, maxLength: 5 }), {
        minLength: 1,
        maxLength: 3,
      }),
      nest: fc.boolean(),
      nestWeights: fc.array(fc.nat({ max: 10 }), { minLength: 2, maxLength: 4 }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((groups): Table => {
    const counts = new Map<string, number>();
    const relations: CellRelation[] = [];
    groups.forEach((group, g) => {
      const total = `g${g}`;
      counts.set(total, group.total);
      group.breakdowns.forEach((weights, b) => {
        const parts = split(group.total, weights).map((count, p) => {
          const cell = `g${g}/b${b}/p${p}`;
          counts.set(cell, count);
          return cell;
        });
        relations.push({ total, parts });
        if (group.nest && b === 0) {
          const nested = split(counts.get(parts[0]) ?? 0, group.nestWeights).map((count, p) => {
            const cell = `${parts[0]}/n${p}`;
            counts.set(cell, count);
            return cell;
          });
          relations.push({ total: parts[0], parts: nested });
        }
      });
    });
    return { counts, relations };
  });

/** A random two-way table: cells, row and column totals, and the grand total of both. */
const grids = fc
  .array(fc.array(fc.nat({ max: 12 }), { minLength: 2, maxLength: 4 }), { minLength: 2, maxLength: 4 })
  .map((matrix): Table => {
    const width = Math.min(...matrix.map((row) => row.length));
    const counts = new Map<string, number>();
    const relations: CellRelation[] = [];
    const rows = matrix.map((row, r) => {
      const cells = row.slice(0, width).map((count, c) => {
        counts.set(`r${r}c${c}`, count);
        return `r${r}c${c}`;
      });
      counts.set(
        `r${r}`,
        row.slice(0, width).reduce((a, b) => a + b, 0),
      );
      relations.push({ total: `r${r}`, parts: cells });
      return `r${r}`;
    });
    const columns = Array.from({ length: width }, (_, c) => {
      const cells = matrix.map((_, r) => `r${r}c${c}`);
      counts.set(
        `c${c}`,
        cells.reduce((sum, cell) => sum + (counts.get(cell) ?? 0), 0),
      );
      relations.push({ total: `c${c}`, parts: cells });
      return `c${c}`;
    });
    counts.set(
      'all',
      rows.reduce((sum, cell) => sum + (counts.get(cell) ?? 0), 0),
    );
    relations.push({ total: 'all', parts: rows }, { total: 'all', parts: columns });
    return { counts, relations };
  });

/** `total` split in proportion to `weights` (integers summing to `total`). */
function split(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map((_, index) => (index === 0 ? total : 0));
  const shares = weights.map((weight) => Math.floor((total * weight) / sum));
  shares[shares.length - 1] += total - shares.reduce((a, b) => a + b, 0);
  return shares;
}

/** The hidden cells the attacker determines; each answer it finds must be the true count. */
function recovered(table: Table, hidden: ReadonlySet<string>): string[] {
  const shown = new Map([...table.counts].filter(([cell]) => !hidden.has(cell)));
  return recoverHiddenCounts(table.relations, shown, hidden).map(({ cell, value }) => {
    expect(value).toBe(table.counts.get(cell));
    return cell;
  });
}

describe('complementary suppression (property)', () => {
  it('leaves no hidden count recoverable by subtraction across the relations, and hides every small count', () => {
    fc.assert(
      fc.property(fc.oneof(tables, grids), (table) => {
        const { primary, complementary } = suppressCells(table.counts, table.relations, 5);
        const hidden = new Set([...primary, ...complementary]);
        for (const [cell, count] of table.counts) if (count > 0 && count < 5) expect(hidden.has(cell)).toBe(true);
        expect(recovered(table, hidden)).toEqual([]);
      }),
      { numRuns: 500, seed: 20261206 },
    );
  });

  it('the attacker does recover a small count when only primary suppression is applied (the test can fail)', () => {
    const table: Table = {
      counts: new Map([
        ['total', 12],
        ['a', 3],
        ['b', 9],
      ]),
      relations: [{ total: 'total', parts: ['a', 'b'] }],
    };
    expect(recovered(table, new Set(['a']))).toEqual(['a']);
  });
});
