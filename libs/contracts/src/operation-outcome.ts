/**
 * FHIR `OperationOutcome`: the body of every error cstr-hub returns over HTTP, and the reason
 * attached to every refused event.
 */
export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

/** A subset of the FHIR R4 `issue-type` codes that cstr-hub uses. */
export type IssueType =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'invariant'
  | 'code-invalid'
  | 'informational'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'processing'
  | 'not-found'
  | 'not-supported'
  | 'too-long'
  | 'exception'
  | 'timeout'
  | 'transient'
  | 'conflict';

export interface OperationOutcomeIssue {
  severity: IssueSeverity;
  code: IssueType;
  diagnostics?: string;
  expression?: string[];
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: OperationOutcomeIssue[];
}

/** An OperationOutcome with one issue. */
export function operationOutcome(
  severity: IssueSeverity,
  code: IssueType,
  diagnostics: string,
  expression?: string[],
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, diagnostics, ...(expression ? { expression } : {}) }],
  };
}

/** An OperationOutcome of several issues (the findings of a check, in their order). */
export function operationOutcomeOf(issues: readonly OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [...issues] };
}

/** An error that carries an OperationOutcome and the HTTP status that goes with it. */
export class OperationOutcomeError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome,
  ) {
    super(outcome.issue.map((issue) => issue.diagnostics ?? issue.code).join('; '));
    this.name = 'OperationOutcomeError';
  }
}
