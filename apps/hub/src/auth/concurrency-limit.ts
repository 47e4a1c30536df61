/** The queue of a {@link ConcurrencyLimit} is full: the work was not started. */
export class ConcurrencyLimitFullError extends Error {
  readonly code = 'busy';
  constructor(
    readonly limit: number,
    readonly queued: number,
  ) {
    super(`${limit} running and ${queued} waiting already; not queued.`);
    this.name = 'ConcurrencyLimitFullError';
  }
}

/**
 * A small semaphore: at most `concurrency` tasks run at once, at most `maxQueued` wait for a
 * place (first come, first served); beyond that {@link run} refuses at once with
 * {@link ConcurrencyLimitFullError}, so a flood cannot pile up unbounded work or memory.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxQueued: number,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be at least 1');
    if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new RangeError('maxQueued must be 0 or more');
  }

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a place. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `task` when a place is free; rejects with {@link ConcurrencyLimitFullError} when the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) throw new ConcurrencyLimitFullError(this.concurrency, this.maxQueued);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The place passes straight to the next waiter, so `running` never drops below the cap while some wait.
      if (next) next();
      else this.running -= 1;
    }
  }
}
