import { safeErrorText } from '@cstr/contracts';

/**
 * What a message handler decided. A handler returns one of these (or nothing, meaning done);
 * a thrown error counts as {@link Outcome.retry}.
 */
export type HandlerOutcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'retry'; readonly reason: string }
  | { readonly kind: 'dead-letter'; readonly code: string; readonly reason: string };

/** Builders for {@link HandlerOutcome}. Reasons end up in AMQP headers: never put personal data in them. */
export const Outcome = {
  /** Processed (or safely ignorable): acknowledge. */
  done(): HandlerOutcome {
    return { kind: 'done' };
  },
  /** A transient failure: try again after the next back-off delay, then dead-letter. */
  retry(reason: string): HandlerOutcome {
    return { kind: 'retry', reason };
  },
  /** Will never succeed: park in the dead-letter queue at once, with a stable code and a reason. */
  deadLetter(code: string, reason: string): HandlerOutcome {
    return { kind: 'dead-letter', code, reason };
  },
} as const;

/** Normalises what a handler returned (void, an outcome, or anything else) into an outcome. */
export function toOutcome(value: unknown): HandlerOutcome {
  if (value !== null && typeof value === 'object' && 'kind' in value) {
    const kind = (value as { kind: unknown }).kind;
    if (kind === 'done' || kind === 'retry' || kind === 'dead-letter') return value as HandlerOutcome;
  }
  return Outcome.done();
}

/**
 * A short, single-line reason fit for a header: the error's class and message, truncated, without
 * the values a database or JSON error echoes (see `safeErrorText`).
 */
export function describeFailure(error: unknown): string {
  return safeErrorText(error, { maxLength: 300 });
}
