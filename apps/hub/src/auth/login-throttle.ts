/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failed logins allowed per id within the window. */
  readonly maxFailures: number;
  readonly windowMs: number;
  /** Ids tracked at most (oldest forgotten first), so guessing ids cannot fill memory. */
  readonly maxTracked?: number;
  readonly now?: () => number;
}

/**
 * Light brute-force protection: after `maxFailures` failed logins for one id within the window,
 * that id is refused until the window has passed since its first failure. Per instance, in memory.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();
  private readonly now: () => number;

  constructor(private readonly options: LoginThrottleOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until `id` may try again; 0 when it may try now. */
  retryAfterMs(id: string): number {
    const entry = this.failures.get(id);
    if (!entry) return 0;
    const elapsed = this.now() - entry.since;
    if (elapsed >= this.options.windowMs) {
      this.failures.delete(id);
      return 0;
    }
    return entry.count >= this.options.maxFailures ? this.options.windowMs - elapsed : 0;
  }

  /** Counts a failed login of `id`. */
  failed(id: string): void {
    const now = this.now();
    const entry = this.failures.get(id);
    if (entry && now - entry.since < this.options.windowMs) {
      entry.count += 1;
      return;
    }
    this.failures.delete(id);
    this.failures.set(id, { count: 1, since: now });
    const max = this.options.maxTracked ?? 10_000;
    if (this.failures.size > max) this.failures.delete(this.failures.keys().next().value as string);
  }

  /** A successful login clears the id's failures. */
  succeeded(id: string): void {
    this.failures.delete(id);
  }
}
