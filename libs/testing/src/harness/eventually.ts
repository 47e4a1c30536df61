/**
 * Polls `probe` until it returns a value `accept` likes, or fails after `timeoutMs` with the
 * last value seen (so a failing test says how far it got).
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const detail = lastError ? ` (last error: ${(lastError as Error).message})` : '';
  throw new Error(`Condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}${detail}`);
}
