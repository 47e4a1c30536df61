/** Options of {@link LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failed logins allowed per key (a principal id, or a source address) within the window. */
  readonly maxFailures: number;
  readonly windowMs: number;
  /** Ids tracked at most (oldest forgotten first), so guessing ids cannot fill memory. */
  readonly maxTracked?: number;
  readonly now?: () => number;
}

/**
 * Light brute-force protection: after `maxFailures` failed logins for one key (an id, or a source
 * address) within the window, that key is refused until the window has passed since its first
 * failure. Per instance, in memory.
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

/** Options of {@link LoginThrottles}. */
export interface LoginThrottlesOptions {
  /** Failed logins allowed per principal id within the window. */
  readonly maxFailuresPerId: number;
  /** Failed logins allowed per source address within the window (any ids). */
  readonly maxFailuresPerAddress: number;
  readonly windowMs: number;
  readonly maxTracked?: number;
  readonly now?: () => number;
}

/**
 * The two throttles of a login: per principal id (guessing one account's secret from many
 * addresses) and per source address (guessing many accounts from one address). A success clears
 * the id's failures but not the address's, so a valid account of one's own cannot reset the
 * address's count between guesses at others.
 */
export class LoginThrottles {
  private readonly byId: LoginThrottle;
  private readonly byAddress: LoginThrottle;

  constructor(options: LoginThrottlesOptions) {
    const shared = { windowMs: options.windowMs, maxTracked: options.maxTracked, now: options.now };
    this.byId = new LoginThrottle({ ...shared, maxFailures: options.maxFailuresPerId });
    this.byAddress = new LoginThrottle({ ...shared, maxFailures: options.maxFailuresPerAddress });
  }

  /**
   * Milliseconds until a login of `id` from `address` may be tried; 0 when it may be tried now.
   * `what` says which limit was reached.
   */
  retryAfter(id: string, address: string | undefined): { ms: number; what?: 'id' | 'address' } {
    const byAddress = address === undefined ? 0 : this.byAddress.retryAfterMs(address);
    const byId = this.byId.retryAfterMs(id);
    if (byAddress === 0 && byId === 0) return { ms: 0 };
    return byAddress >= byId ? { ms: byAddress, what: 'address' } : { ms: byId, what: 'id' };
  }

  /** Counts a failed login of `id` from `address`. */
  failed(id: string, address: string | undefined): void {
    this.byId.failed(id);
    if (address !== undefined) this.byAddress.failed(address);
  }

  /** A successful login clears the id's failures (not the address's). */
  succeeded(id: string): void {
    this.byId.succeeded(id);
  }
}
