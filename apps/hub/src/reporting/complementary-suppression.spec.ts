import { recoverableCells, suppressCells, type CellRelation } from './complementary-suppression';

const counts = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));

describe('suppressCells', () => {
  it('hides small counts only when no relation would give them away', () => {
    const result = suppressCells(counts({ a: 3, b: 7 }), [], 5);
    expect([...result.primary]).toEqual(['a']);
    expect([...result.complementary]).toEqual([]);
  });

  it('hides the next smallest cell of a breakdown with one small count, so the total minus the rest says nothing', () => {
    const relation: CellRelation = { total: 'total', parts: ['male', 'female', 'other'] };
    const result = suppressCells(counts({ total: 30, male: 2, female: 20, other: 8 }), [relation], 5);
    expect([...result.primary]).toEqual(['male']);
    expect([...result.complementary]).toEqual(['other']);
    expect(recoverableCells([relation], new Set(['male', 'other']))).toEqual([]);
  });

  it('prefers a non-zero cell to a zero (a zero protects nothing a reader cannot guess)', () => {
    const relation: CellRelation = { total: 'total', parts: ['a', 'b', 'c'] };
    const result = suppressCells(counts({ total: 12, a: 3, b: 0, c: 9 }), [relation], 5);
    expect([...result.complementary]).toEqual(['c']);
  });

  it('protects a total shown in several breakdowns: each breakdown keeps two hidden cells', () => {
    const relations: CellRelation[] = [
      { total: 'total', parts: ['sex/male', 'sex/female'] },
      { total: 'total', parts: ['age/18-24', 'age/25-34', 'age/35-44'] },
    ];
    const result = suppressCells(
      counts({ total: 4, 'sex/male': 4, 'sex/female': 0, 'age/18-24': 0, 'age/25-34': 4, 'age/35-44': 0 }),
      relations,
      5,
    );
    const hidden = new Set([...result.primary, ...result.complementary]);
    expect(result.primary).toEqual(new Set(['total', 'sex/male', 'age/25-34']));
    expect(recoverableCells(relations, hidden)).toEqual([]);
  });

  it('goes on when relations combined recover a cell that each alone does not', () => {
    // a = b + c and a = d + e, with b and d hidden: b - d is known, neither is. Hide a too and
    // b + c = d + e still leaves both unknown; the result must leave nothing recoverable.
    const relations: CellRelation[] = [
      { total: 'a', parts: ['b', 'c'] },
      { total: 'c', parts: ['x', 'y'] },
      { total: 'a', parts: ['d', 'e'] },
    ];
    const result = suppressCells(counts({ a: 20, b: 2, c: 18, x: 3, y: 15, d: 9, e: 11 }), relations, 5);
    const hidden = new Set([...result.primary, ...result.complementary]);
    expect(recoverableCells(relations, hidden)).toEqual([]);
    expect(hidden.has('b') && hidden.has('x')).toBe(true);
  });
});

it('hides more when every relation has two hidden cells but together they give one away', () => {
  // a + b, a + c and b + c shown: each of a, b and c follows (a = (T + S - U) / 2).
  const relations: CellRelation[] = [
    { total: 'T', parts: ['a', 'b'] },
    { total: 'S', parts: ['a', 'c'] },
    { total: 'U', parts: ['b', 'c'] },
  ];
  const result = suppressCells(counts({ a: 2, b: 3, c: 4, T: 5, S: 6, U: 7 }), relations, 5);
  expect(recoverableCells(relations, new Set(['a', 'b', 'c'])).sort()).toEqual(['a', 'b', 'c']);
  expect([...result.complementary]).toEqual(['T']);
  expect(recoverableCells(relations, new Set([...result.primary, ...result.complementary]))).toEqual([]);
});

describe('recoverableCells', () => {
  it('finds a hidden cell that subtraction across two relations gives away', () => {
    const relations: CellRelation[] = [
      { total: 't', parts: ['p', 'q'] },
      { total: 'q', parts: ['r', 's'] },
    ];
    // t, p, r, s hidden: t - p and r + s are known (q is shown), none of the four is.
    expect(recoverableCells(relations, new Set(['t', 'p', 'r', 's']))).toEqual([]);
    // t, p, r hidden: r = q - s, although t and p stay unknown.
    expect(recoverableCells(relations, new Set(['t', 'p', 'r']))).toEqual(['r']);
    // p and r hidden: q - r = s is shown, so r = q - s; p = t - q.
    expect(recoverableCells(relations, new Set(['p', 'r'])).sort()).toEqual(['p', 'r']);
  });
});
