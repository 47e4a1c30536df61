import { operationOutcomeOf, type OperationOutcome } from '@cstr/contracts';

/** One problem found in a policy configuration file: where it is and what is wrong. */
export interface PolicyConfigProblem {
  /** The file as it was given to the loader. */
  readonly file: string;
  /** 1-based line of the offending key or value (1 when the file itself is at fault). */
  readonly line: number;
  /** The key path inside the document, e.g. `flows[2].share.Observation.where`. */
  readonly path: string;
  /** What is wrong, in words an operator can act on. */
  readonly reason: string;
}

/** `file:line path: reason`, the one-line form used in logs and error messages. */
export function formatProblem(problem: PolicyConfigProblem): string {
  return `${problem.file}:${problem.line} ${problem.path ? `${problem.path}: ` : ''}${problem.reason}`;
}

/**
 * Thrown when `config/partners.yaml` or an agreement file is wrong. Lists every problem found
 * (not only the first), so one boot attempt shows everything to fix; the hub stops with it.
 */
export class PolicyConfigError extends Error {
  /** Stable code for logs and alerts. */
  readonly code = 'policy-config-invalid';

  constructor(readonly problems: readonly PolicyConfigProblem[]) {
    super(
      `Policy configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    );
    this.name = 'PolicyConfigError';
  }

  /** The problems as a FHIR OperationOutcome (one `invalid` issue each). */
  toOperationOutcome(): OperationOutcome {
    return operationOutcomeOf(
      this.problems.map((problem) => ({
        severity: 'error',
        code: 'invalid',
        diagnostics: formatProblem(problem),
        ...(problem.path ? { expression: [problem.path] } : {}),
      })),
    );
  }
}
