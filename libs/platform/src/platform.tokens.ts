/** DI token of the app's validated config object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
/** DI token of the app's identity: `{ name, queue }`. */
export const APP_IDENTITY = Symbol('APP_IDENTITY');

/** Who this app is: its name and the queue it consumes (if any). */
export interface AppIdentity {
  /** e.g. `hub`, `ndelius-adapter`. */
  readonly name: string;
  /** Instance name for connections and idempotency records, e.g. `ndelius-adapter:nps-london-croydon`. */
  readonly instance: string;
  /** The queue this app consumes; undefined for an app that only serves HTTP. */
  readonly queue: string | undefined;
}
