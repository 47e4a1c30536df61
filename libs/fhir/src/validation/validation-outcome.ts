/**
 * Small helpers over the OperationOutcome every validation returns.
 */
import {
  operationOutcomeOf,
  type IssueSeverity,
  type IssueType,
  type OperationOutcome,
  type OperationOutcomeIssue,
} from '@cstr/contracts';

/** One issue, with its FHIRPath-style `expression`. */
export function issue(
  severity: IssueSeverity,
  code: IssueType,
  diagnostics: string,
  expression: string,
): OperationOutcomeIssue {
  return { severity, code, diagnostics, expression: [expression] };
}

/** An OperationOutcome of these issues, each kept once (same severity, code, message and path). */
export function outcomeOf(issues: readonly OperationOutcomeIssue[]): OperationOutcome {
  const seen = new Set<string>();
  const unique: OperationOutcomeIssue[] = [];
  for (const each of issues) {
    const key = `${each.severity}|${each.code}|${each.diagnostics ?? ''}|${(each.expression ?? []).join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(each);
  }
  return operationOutcomeOf(unique);
}

/** The issues that make the input invalid: severity `error` or `fatal`. */
export function errorsOf(outcome: OperationOutcome): OperationOutcomeIssue[] {
  return outcome.issue.filter((each) => each.severity === 'error' || each.severity === 'fatal');
}

/** True when the outcome has no `error` or `fatal` issue (warnings and information are fine). */
export function isValid(outcome: OperationOutcome): boolean {
  return errorsOf(outcome).length === 0;
}

/**
 * The issues with the root of each expression replaced: `Patient.name[0]` under root `Patient`
 * and prefix `Bundle.entry[1].resource` becomes `Bundle.entry[1].resource.name[0]`. The first of
 * `roots` that a path starts with is replaced.
 */
export function rebaseIssues(
  issues: readonly OperationOutcomeIssue[],
  roots: readonly string[],
  prefix: string,
): OperationOutcomeIssue[] {
  const rebase = (path: string): string =>
    rebasePath(
      path,
      roots.find((root) => path === root || path.startsWith(`${root}.`) || path.startsWith(`${root}[`)) ?? roots[0],
      prefix,
    );
  return issues.map((each) => (each.expression ? { ...each, expression: each.expression.map(rebase) } : each));
}

/** `root` or `root.rest` → `prefix` or `prefix.rest`; any other path is put under `prefix`. */
export function rebasePath(path: string, root: string, prefix: string): string {
  if (path === root) return prefix;
  if (path.startsWith(`${root}.`) || path.startsWith(`${root}[`)) return prefix + path.slice(root.length);
  return `${prefix}.${path}`;
}
