import type { OperationOutcome } from '@cstr/contracts';

/** What a builder that checks partner data returns: the resource, or why it could not be built. */
export type BuildResult<R> =
  { readonly ok: true; readonly resource: R } | { readonly ok: false; readonly outcome: OperationOutcome };
