import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import type { PushResult } from './adapter-pusher';

/** The answer to a send control request: where it went and what the adapter answered. */
export interface SendOutcome {
  /** The id of the `sent` record in `GET /sandbox/{kind}/received`. */
  readonly recordId: string;
  readonly method: string;
  readonly url: string;
  /** The adapter's HTTP status. */
  readonly adapterStatus: number;
  readonly adapterResponse?: unknown;
  /** Set by sends that emit something with its own id (CloudEvent id, domain event detailUrl). */
  readonly sent?: unknown;
}

/** The outcome of a push; a 502 OperationOutcome when the adapter could not be reached (the attempt is still recorded). */
export function sendOutcome(result: PushResult, sent?: unknown): SendOutcome {
  if (result.status === null) {
    throw new OperationOutcomeError(
      502,
      operationOutcome(
        'error',
        'transient',
        `The adapter could not be reached at ${result.record.url}: ${result.error ?? 'no answer'}`,
      ),
    );
  }
  return {
    recordId: result.record.id,
    method: result.record.method,
    url: result.record.url,
    adapterStatus: result.status,
    ...(result.responseBody !== undefined ? { adapterResponse: result.responseBody } : {}),
    ...(sent !== undefined ? { sent } : {}),
  };
}
