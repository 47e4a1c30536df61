/**
 * Safe statistics for a published table: primary suppression hides the small counts (1 to
 * threshold - 1); complementary (secondary) suppression hides more cells until no hidden count can
 * be worked out exactly from the published ones through the table's linear relations (a total
 * and its breakdowns, several breakdowns of one total). Pure.
 *
 * Two rules, applied until neither adds a cell: a relation with exactly one hidden cell gets its
 * next smallest cell hidden too; and a hidden cell that the relations still determine (checked by
 * exact Gaussian elimination over the hidden cells, so combinations of relations count too) gets
 * the next smallest cell of one of its relations hidden.
 */

/** A linear relation the table shows: `total` = the sum of `parts`. */
export interface CellRelation {
  readonly total: string;
  readonly parts: readonly string[];
}

/** The cells to hide. */
export interface Suppression {
  /** Small counts (1 to threshold - 1). */
  readonly primary: ReadonlySet<string>;
  /** Cells hidden so that no primary (or other hidden) count can be recovered. */
  readonly complementary: ReadonlySet<string>;
}

/** The cells of `counts` to hide under `relations`, counts from 1 to `threshold - 1` being small. */
export function suppressCells(
  counts: ReadonlyMap<string, number>,
  relations: readonly CellRelation[],
  threshold: number,
): Suppression {
  const primary = new Set([...counts].filter(([, count]) => count > 0 && count < threshold).map(([cell]) => cell));
  const hidden = new Set(primary);
  const limit = counts.size + 1;
  for (let round = 0; round < limit; round += 1) {
    if (hideBesideLoneCells(counts, relations, hidden)) continue;
    const recoverable = recoverableCells(relations, hidden)[0];
    if (recoverable === undefined) break;
    const around = relations.filter((relation) => membersOf(relation).includes(recoverable));
    const next = nextSmallest(
      counts,
      around.flatMap((relation) => membersOf(relation).filter((cell) => !hidden.has(cell))),
    );
    if (next === undefined) break;
    hidden.add(next);
  }
  return { primary, complementary: new Set([...hidden].filter((cell) => !primary.has(cell))) };
}

/** Every cell of a relation, the total first. */
export function membersOf(relation: CellRelation): string[] {
  return [relation.total, ...relation.parts];
}

/** Hides the next smallest cell of each relation with exactly one hidden cell; true when it hid any. */
function hideBesideLoneCells(
  counts: ReadonlyMap<string, number>,
  relations: readonly CellRelation[],
  hidden: Set<string>,
): boolean {
  let added = false;
  for (const relation of relations) {
    const members = membersOf(relation);
    if (members.filter((cell) => hidden.has(cell)).length !== 1) continue;
    const next = nextSmallest(
      counts,
      members.filter((cell) => !hidden.has(cell)),
    );
    if (next === undefined) continue;
    hidden.add(next);
    added = true;
  }
  return added;
}

/**
 * The cell to hide next: the smallest non-zero count (hiding a zero protects least: a reader may
 * guess it), else a zero; ties by name, so the result is repeatable.
 */
function nextSmallest(counts: ReadonlyMap<string, number>, candidates: readonly string[]): string | undefined {
  const rank = (cell: string): number => {
    const count = counts.get(cell) ?? 0;
    return count === 0 ? Number.MAX_SAFE_INTEGER : count;
  };
  return [...new Set(candidates)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))[0];
}

/**
 * The hidden cells whose count the relations determine, given every shown count: those whose unit
 * vector lies in the row space of the relations restricted to the hidden cells.
 */
export function recoverableCells(relations: readonly CellRelation[], hidden: ReadonlySet<string>): string[] {
  const unknowns = [...new Set(relations.flatMap(membersOf))].filter((cell) => hidden.has(cell));
  const column = new Map(unknowns.map((cell, index) => [cell, index]));
  const rows = relations
    .map((relation) => {
      const row = new Array<bigint>(unknowns.length).fill(0n);
      membersOf(relation).forEach((cell, index) => {
        const at = column.get(cell);
        if (at !== undefined) row[at] += index === 0 ? 1n : -1n;
      });
      return row;
    })
    .filter((row) => row.some((value) => value !== 0n));
  const reduced = reducedRows(rows, unknowns.length);
  return unknowns.filter((_, index) =>
    reduced.some((row) => row[index] !== 0n && row.every((value, other) => other === index || value === 0n)),
  );
}

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function normalised(row: bigint[]): bigint[] {
  const divisor = row.reduce((acc, value) => gcd(acc, value), 0n);
  return divisor > 1n ? row.map((value) => value / divisor) : row;
}

/** Integer (fraction-free) Gauss-Jordan elimination: every pivot column is zero outside its row. */
function reducedRows(input: readonly bigint[][], width: number): bigint[][] {
  const rows = input.map((row) => [...row]);
  let pivotRow = 0;
  for (let col = 0; col < width && pivotRow < rows.length; col += 1) {
    const found = rows.findIndex((row, index) => index >= pivotRow && row[col] !== 0n);
    if (found < 0) continue;
    [rows[pivotRow], rows[found]] = [rows[found], rows[pivotRow]];
    const pivot = rows[pivotRow];
    for (let index = 0; index < rows.length; index += 1) {
      const factor = rows[index][col];
      if (index === pivotRow || factor === 0n) continue;
      rows[index] = normalised(rows[index].map((value, at) => value * pivot[col] - pivot[at] * factor));
    }
    pivotRow += 1;
  }
  return rows.slice(0, pivotRow);
}
