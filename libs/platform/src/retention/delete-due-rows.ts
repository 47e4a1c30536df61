import type { EntityManager } from 'typeorm';

/**
 * Claims at most `limit` rows of `table` matching `where` (`$1` is the cut-off moment) with
 * `FOR UPDATE SKIP LOCKED` — purges running at once never take the same row, and none waits for
 * another — and deletes them in `manager`'s transaction; returns how many went. `table`, `key` and
 * `where` are the caller's constants, never input.
 */
export async function deleteDueRows(
  manager: EntityManager,
  table: string,
  key: string,
  where: string,
  before: Date,
  limit: number,
): Promise<number> {
  // Counted by a SELECT: TypeORM gives a bare DELETE's rows and count as a pair.
  const [row] = (await manager.query(
    `WITH due AS (SELECT ${key} FROM ${table} WHERE ${where} ORDER BY ${key} LIMIT $2 FOR UPDATE SKIP LOCKED),
       deleted AS (DELETE FROM ${table} AS t USING due WHERE t.${key} = due.${key} RETURNING 1)
     SELECT count(*)::int AS n FROM deleted`,
    [before, limit],
  )) as { n: number }[];
  return row.n;
}
