/**
 * PostgreSQL's SQLSTATEs for a transaction aborted only because of other transactions running at
 * the same time: `40P01` deadlock_detected and `40001` serialization_failure. Run again, the
 * transaction may well succeed.
 */
export const TRANSACTION_CONFLICT_SQL_STATES: readonly string[] = ['40P01', '40001'];

/**
 * Whether `error` is a deadlock or a serialization failure (see
 * {@link TRANSACTION_CONFLICT_SQL_STATES}), read from the error's own `code` (the driver's error)
 * and else from its `driverError.code` (TypeORM's `QueryFailedError` wrapping it).
 */
export function isTransactionConflict(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } | null };
  const sqlState = typeof code === 'string' ? code : driverError?.code;
  return typeof sqlState === 'string' && TRANSACTION_CONFLICT_SQL_STATES.includes(sqlState);
}
