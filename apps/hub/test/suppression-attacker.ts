/**
 * An attacker on a suppressed table, for the reporting tests: knowing every shown count and every
 * linear relation (a total and its breakdown), it solves for the hidden counts by elimination —
 * subtraction across any combination of relations — and lists those it determines exactly.
 * Independent of the module it checks (floating point, solving for the values themselves).
 */
import type { CellRelation } from '../src/reporting/complementary-suppression';

/** A hidden cell the attacker determined, with the value it found. */
export interface RecoveredCell {
  readonly cell: string;
  readonly value: number;
}

/** The hidden cells determined by `relations` and the shown counts (`shown` lacks the hidden ones). */
export function recoverHiddenCounts(
  relations: readonly CellRelation[],
  shown: ReadonlyMap<string, number>,
  hidden: ReadonlySet<string>,
): RecoveredCell[] {
  const unknowns = [...hidden].filter((cell) => relations.some((r) => [r.total, ...r.parts].includes(cell)));
  const index = new Map(unknowns.map((cell, at) => [cell, at]));
  // Each relation: total - sum(parts) = 0; the shown counts move to the right-hand side.
  const rows = relations.map((relation) => {
    const row = new Array<number>(unknowns.length + 1).fill(0);
    [relation.total, ...relation.parts].forEach((cell, at) => {
      const sign = at === 0 ? 1 : -1;
      const column = index.get(cell);
      if (column === undefined) row[unknowns.length] -= sign * (shown.get(cell) ?? 0);
      else row[column] += sign;
    });
    return row;
  });
  const pivots = gaussJordan(rows, unknowns.length);
  return unknowns.flatMap((cell, column) => {
    const row = pivots.get(column);
    const alone = row?.every((value, at) => at >= unknowns.length || at === column || Math.abs(value) < 1e-9);
    return row && alone ? [{ cell, value: Math.round(row[unknowns.length]) }] : [];
  });
}

function gaussJordan(rows: number[][], width: number): Map<number, number[]> {
  const pivots = new Map<number, number[]>();
  let next = 0;
  for (let column = 0; column < width; column += 1) {
    let best = -1;
    for (let at = next; at < rows.length; at += 1)
      if (Math.abs(rows[at][column]) > 1e-9 && (best < 0 || Math.abs(rows[at][column]) > Math.abs(rows[best][column])))
        best = at;
    if (best < 0) continue;
    [rows[next], rows[best]] = [rows[best], rows[next]];
    const pivot = rows[next][column];
    rows[next] = rows[next].map((value) => value / pivot);
    for (let at = 0; at < rows.length; at += 1) {
      if (at === next) continue;
      const factor = rows[at][column];
      if (factor !== 0) rows[at] = rows[at].map((value, k) => value - factor * rows[next][k]);
    }
    pivots.set(column, rows[next]);
    next += 1;
  }
  return pivots;
}
