/**
 * Extensions, each against its own StructureDefinition: the kit's for UK Core extensions, base
 * R4's for core ones (`patient-birthPlace`, …). `@medplum/core` checks an extension inside a
 * resource only as a plain `Extension`, so what its definition sets — the value's type, presence
 * and binding, and for a complex extension the sub-extensions' number, types and bindings — is
 * checked here.
 */
import type { OperationOutcomeIssue } from '@cstr/contracts';
import type { InternalSchemaElement, SliceDefinition } from '@medplum/core';
import { bindingIssue, type ValidationRun } from './binding.rules';
import { isObject } from './json-walk';
import type { UkCoreKit } from './uk-core-kit';
import { issue } from './validation-outcome';

/** An absolute URL (a sub-extension of a complex extension has a bare name such as `type`). */
const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:/i;
const VALUE_KEY = /^value[A-Z]/;

/** The issues of one extension at `path`, against the definition of its `url`. */
export function extensionIssues(
  extension: Record<string, unknown>,
  path: string,
  kit: UkCoreKit,
  run: ValidationRun,
): OperationOutcomeIssue[] {
  const url = extension.url;
  if (typeof url !== 'string' || !ABSOLUTE_URL.test(url)) return [];
  const schema = kit.extensionSchema(url);
  if (!schema) {
    if (run.unknownExtensions.has(url)) return [];
    run.unknownExtensions.add(url);
    return [
      issue(
        'information',
        'informational',
        `Extension ${url} not checked: its definition is not available offline.`,
        path,
      ),
    ];
  }
  const issues = valueIssues(extension, schema.elements['value[x]'], undefined, url, path, run);
  const subElement = schema.elements.extension;
  const subExtensions = Array.isArray(extension.extension) ? extension.extension : [];
  if (subElement?.max === 0 && subExtensions.length > 0) {
    issues.push(
      issue('error', 'structure', `Extension ${url} is simple and takes no sub-extensions.`, `${path}.extension`),
    );
  }
  if (subElement?.slicing)
    issues.push(
      ...subExtensionIssues(subExtensions, subElement.slicing.slices, subElement.slicing.rule, url, path, run),
    );
  return issues;
}

/** Sub-extensions of a complex extension against the slices of its definition. */
function subExtensionIssues(
  subExtensions: unknown[],
  slices: SliceDefinition[],
  rule: string | undefined,
  url: string,
  path: string,
  run: ValidationRun,
): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const counts = new Map<string, number>();
  subExtensions.forEach((sub, index) => {
    if (!isObject(sub)) return;
    const subPath = `${path}.extension[${index}]`;
    const slice = slices.find((each) => each.elements.url?.fixed?.value === sub.url);
    if (!slice) {
      if (rule === 'closed')
        issues.push(
          issue(
            'error',
            'structure',
            `Extension ${url} defines no sub-extension "${String(sub.url)}".`,
            `${subPath}.url`,
          ),
        );
      return;
    }
    counts.set(slice.name, (counts.get(slice.name) ?? 0) + 1);
    issues.push(...valueIssues(sub, slice.elements['value[x]'], slice, `${url}#${slice.name}`, subPath, run));
  });
  for (const slice of slices) {
    const count = counts.get(slice.name) ?? 0;
    if (count < slice.min || count > slice.max) {
      const expected = `${slice.min}..${Number.isFinite(slice.max) ? slice.max : '*'}`;
      issues.push(
        issue(
          'error',
          count < slice.min ? 'required' : 'structure',
          `Extension ${url} needs ${expected} sub-extension "${slice.name}", found ${count}.`,
          `${path}.extension`,
        ),
      );
    }
  }
  return issues;
}

/**
 * The value of an extension (or sub-extension): of an allowed type, present when required,
 * absent when the extension is complex, one only, and in its ValueSet when bound `required`
 * (on `value[x]`, or on the sub-extension's slice itself, as some definitions do).
 */
function valueIssues(
  extension: Record<string, unknown>,
  element: InternalSchemaElement | undefined,
  slice: SliceDefinition | undefined,
  definedBy: string,
  path: string,
  run: ValidationRun,
): OperationOutcomeIssue[] {
  if (!element) return [];
  const keys = Object.keys(extension).filter((key) => VALUE_KEY.test(key));
  const allowed = element.type.map((type) => type.code);
  const expected = `value${allowed.map(capitalize).join(' or value')}`;
  if (keys.length > 1) {
    // Same wording and path as the resource-level check, so the two reports merge into one.
    return [
      issue(
        'error',
        'structure',
        `Only one of "${keys[1]}" and "${keys[0]}" may be present: a choice element [x] takes one value.`,
        `${path}.${keys[1]}`,
      ),
    ];
  }
  if (keys.length === 0) {
    return element.min > 0
      ? [issue('error', 'required', `Extension ${definedBy} requires a value (${expected}).`, `${path}.value[x]`)]
      : [];
  }
  const key = keys[0];
  if (element.max === 0)
    return [
      issue(
        'error',
        'structure',
        `Extension ${definedBy} is complex and takes no value: remove "${key}".`,
        `${path}.${key}`,
      ),
    ];
  const type = element.type.find((each) => `value${capitalize(each.code)}` === key)?.code;
  if (!type)
    return [
      issue(
        'error',
        'structure',
        `Extension value "${key}" is not allowed by ${definedBy}: expected ${expected}.`,
        `${path}.${key}`,
      ),
    ];
  const binding = element.binding ?? slice?.binding;
  if (binding?.strength !== 'required' || !binding.valueSet) return [];
  const found = bindingIssue(type, extension[key], `${path}.${key}`, binding.valueSet, run);
  return found ? [found] : [];
}

function capitalize(code: string): string {
  return code.charAt(0).toUpperCase() + code.slice(1);
}
