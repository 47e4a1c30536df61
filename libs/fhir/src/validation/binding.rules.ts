/**
 * Required bindings: every coded element whose definition has a `required` binding must hold a
 * code from that ValueSet. `@medplum/core` does no terminology checking; this rule asks
 * {@link OfflineTerminology}, which expands ValueSets from the kit and base R4 offline.
 */
import type { OperationOutcomeIssue } from '@cstr/contracts';
import type { OfflineTerminology } from './terminology';
import type { TypedNode } from './typed-walk';
import { issue } from './validation-outcome';

/** What one validation (a resource, or a whole Bundle) shares across its rules. */
export interface ValidationRun {
  readonly terminology: OfflineTerminology;
  /** ValueSet URLs already reported as "not checked", so each is reported once per outcome. */
  readonly notChecked: Set<string>;
  /** Extension URLs already reported as "not checked". */
  readonly unknownExtensions: Set<string>;
}

/** The binding issue of one present value, if its element has a required binding it breaks. */
export function nodeBindingIssue(node: TypedNode, run: ValidationRun): OperationOutcomeIssue | undefined {
  const binding = node.element.binding;
  if (binding?.strength !== 'required' || !binding.valueSet) return undefined;
  return bindingIssue(node.type, node.value, node.path, binding.valueSet, run);
}

/** The issue for one coded value of FHIR type `type` under the required ValueSet `valueSet`, if any. */
export function bindingIssue(
  type: string,
  value: unknown,
  path: string,
  valueSet: string,
  run: ValidationRun,
): OperationOutcomeIssue | undefined {
  const verdict = run.terminology.checkRequired(type, value, valueSet);
  switch (verdict.kind) {
    case 'ok':
      return undefined;
    case 'invalid':
      return issue('error', 'code-invalid', verdict.reason, path);
    case 'not-checked':
      if (run.notChecked.has(valueSet)) return undefined;
      run.notChecked.add(valueSet);
      return issue('information', 'informational', `Required binding not checked: ${verdict.reason}.`, path);
  }
}
