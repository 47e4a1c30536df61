/**
 * NHS number rule: every Identifier under the NHS number system must hold a valid NHS number
 * (ten digits, Modulus 11, not a placeholder), and an NHS number must not travel under a
 * misspelt system — a recipient matching on the exact system would silently miss the person.
 */
import type { OperationOutcomeIssue } from '@cstr/contracts';
import { NHS_NUMBER_SYSTEM, parseNhsNumber } from '@cstr/identity';
import { walkObjects } from './json-walk';
import { issue } from './validation-outcome';

/** A system URI that is trying to say "NHS number": `http://fhir.nhs.uk/Id/nhs-number`, `…nhs.net…`, `NHS_Number`. */
const NHS_NUMBER_LOOKALIKE = /nhs[-_ ]?number/i;

/** A Patient identifier system mentioning the NHS, whose value is shaped like an NHS number. */
const NHS_MENTION = /nhs/i;
const TEN_DIGITS = /^\d{10}$/;

/**
 * The NHS number issues of a resource whose root path is `rootPath` (e.g. `Patient`). Checks
 * Identifiers anywhere in it, including `Reference.identifier` and contained resources.
 */
export function nhsNumberIssues(resource: Record<string, unknown>, rootPath: string): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const isPatient = resource.resourceType === 'Patient';
  walkObjects(resource, rootPath, (object, path, property) => {
    const system = object.system;
    if (typeof system !== 'string' || !('value' in object)) return;
    const value = object.value;
    if (system === NHS_NUMBER_SYSTEM) {
      const parsed = parseNhsNumber(value);
      if (!parsed.ok) issues.push(issue('error', 'value', `${parsed.reason} [${parsed.code}]`, `${path}.value`));
      return;
    }
    const patientIdentifier =
      isPatient && property === 'identifier' && /^\.identifier\[\d+\]$/.test(path.slice(rootPath.length));
    const looksLikeNhsSystem = NHS_NUMBER_LOOKALIKE.test(system);
    const nhsShapedValue =
      patientIdentifier && NHS_MENTION.test(system) && typeof value === 'string' && TEN_DIGITS.test(value);
    if (looksLikeNhsSystem || nhsShapedValue) {
      issues.push(
        issue(
          'error',
          'value',
          `Identifier system '${system}' looks like an NHS number system but is not ${NHS_NUMBER_SYSTEM}; NHS numbers must use exactly that system.`,
          `${path}.system`,
        ),
      );
    }
  });
  return issues;
}
