import { Injectable } from '@nestjs/common';

/** How a stand-in misbehaves on purpose: answer every API call with `failWith`, after `delayMs`. */
export interface Faults {
  readonly failWith: number | null;
  readonly delayMs: number;
}

const NO_FAULTS: Faults = { failWith: null, delayMs: 0 };

/** The fault settings of the Delius and FHIR stand-ins, per partner. */
@Injectable()
export class FaultControl {
  private readonly faults = new Map<string, Faults>();

  /** The current settings of a partner's stand-in. */
  get(partnerId: string): Faults {
    return this.faults.get(partnerId) ?? NO_FAULTS;
  }

  /** Replaces the settings of a partner's stand-in. */
  set(partnerId: string, faults: Faults): Faults {
    this.faults.set(partnerId, faults);
    return faults;
  }

  /** Waits the configured delay; returns the status to fail with, if any. */
  async apply(partnerId: string): Promise<number | null> {
    const { delayMs, failWith } = this.get(partnerId);
    if (delayMs > 0) await new Promise((done) => setTimeout(done, delayMs));
    return failWith;
  }
}

/**
 * Reads `{ "failWith": 500..599 | 4xx | null, "delayMs": 0..120000 }`; returns the settings or a
 * description of what is wrong.
 */
export function parseFaults(body: unknown): Faults | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'The body must be { "failWith": status | null, "delayMs": n }';
  const { failWith = null, delayMs = 0 } = body as { failWith?: unknown; delayMs?: unknown };
  if (
    failWith !== null &&
    (typeof failWith !== 'number' || !Number.isInteger(failWith) || failWith < 400 || failWith > 599)
  )
    return 'failWith must be an HTTP error status (400-599) or null';
  if (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0 || delayMs > 120_000)
    return 'delayMs must be an integer from 0 to 120000';
  return { failWith, delayMs };
}
