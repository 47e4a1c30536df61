/**
 * Runs `@medplum/core`'s structural validation and maps its issues into cstr-hub's
 * OperationOutcome issues: a clear `diagnostics`, a precise issue `code`, and a FHIRPath-style
 * `expression` rooted where the caller says.
 */
import type { IssueType, OperationOutcomeIssue } from '@cstr/contracts';
import { OperationOutcomeError, validateTypedValue } from '@medplum/core';
import { isObject, walkObjects } from './json-walk';
import { issue, rebasePath } from './validation-outcome';

type MedplumIssue = ReturnType<typeof validateTypedValue>[number];

const CONFLICTING_CHOICE = /^Conflicting choice of type properties: "([^"]+)", "([^"]+)"$/;
const ADDITIONAL_PROPERTY = /^Invalid additional property "([^"]+)"$/;
const BAD_FORMAT = /^Invalid (\w+) format$/;
const REFERENCE_TYPE = /^Invalid reference: got "([^"]*)"/;
const EMPTY_VALUE = /^Invalid empty (non-primitive )?value$/;

/**
 * Validates `value` as medplum type `type` (a base type or a profile URL registered by the kit)
 * and returns the mapped issues. `medplumRoot` is the root medplum puts in its paths (`Patient`,
 * `Extension`); `rootPath` is what it becomes in ours.
 */
export function medplumIssues(
  value: Record<string, unknown>,
  type: string,
  medplumRoot: string,
  rootPath: string,
): OperationOutcomeIssue[] {
  let raw: MedplumIssue[];
  try {
    raw = validateTypedValue({ type, value });
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) {
      return [
        issue(
          'error',
          'exception',
          `The validator could not process this value: ${error instanceof Error ? error.message : String(error)}`,
          rootPath,
        ),
      ];
    }
    raw = (error.outcome.issue ?? []) as MedplumIssue[];
  }
  return raw.flatMap((each) => {
    const mapped = mapIssue(each, value, medplumRoot, rootPath);
    return mapped ? [mapped] : [];
  });
}

function mapIssue(
  raw: MedplumIssue,
  root: Record<string, unknown>,
  medplumRoot: string,
  rootPath: string,
): OperationOutcomeIssue | undefined {
  const text = raw.details?.text ?? raw.diagnostics ?? 'Invalid value';
  const at = concreteChoicePath(root, rebasePath(raw.expression?.[0] ?? medplumRoot, medplumRoot, rootPath), rootPath);

  const conflict = CONFLICTING_CHOICE.exec(text);
  if (conflict) {
    // medplum names only the property, and only warns; two values for one value[x] is an error.
    const path = pathOfObjectWith(root, rootPath, conflict[1], conflict[2]) ?? rootPath;
    return issue(
      'error',
      'structure',
      `Only one of "${conflict[1]}" and "${conflict[2]}" may be present: a choice element [x] takes one value.`,
      `${path}.${conflict[1]}`,
    );
  }
  const reference = REFERENCE_TYPE.exec(text);
  if (reference) {
    // Absolute and urn:uuid references name no resource type, so medplum cannot judge them.
    if (reference[1].includes(':')) return undefined;
    return issue('warning', 'structure', text, at);
  }
  const additional = ADDITIONAL_PROPERTY.exec(text);
  if (additional)
    return issue(
      'error',
      'structure',
      `Unknown element "${additional[1]}": it is not defined for this type or profile.`,
      at,
    );
  if (text === 'Missing required property')
    return issue('error', 'required', `Missing required element "${lastSegment(at)}".`, at);
  if (text === 'Expected single value for property')
    return issue('error', 'structure', `Element "${lastSegment(at)}" takes one value, not an array.`, at);
  if (text === 'Expected array of values for property')
    return issue('error', 'structure', `Element "${lastSegment(at)}" takes an array.`, at);
  if (EMPTY_VALUE.test(text))
    return issue('error', 'invariant', 'Empty element: every element must have a value or children (ele-1).', at);
  const format = BAD_FORMAT.exec(text);
  if (format) return issue('error', 'value', `Invalid ${format[1]} format.`, at);
  return issue(severityOf(raw), issueTypeOf(raw.code), text, at);
}

function severityOf(raw: MedplumIssue): OperationOutcomeIssue['severity'] {
  return raw.severity === 'fatal' || raw.severity === 'error' || raw.severity === 'warning'
    ? raw.severity
    : 'information';
}

const KNOWN_TYPES: ReadonlySet<string> = new Set<IssueType>([
  'invalid',
  'structure',
  'required',
  'value',
  'invariant',
  'processing',
  'not-supported',
  'exception',
]);

function issueTypeOf(code: string | undefined): IssueType {
  return code && KNOWN_TYPES.has(code) ? (code as IssueType) : 'structure';
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1).replace(/\[\d+\]$/, '');
}

/** The path of the first object in `root` (itself included) that has both keys. */
function pathOfObjectWith(
  root: Record<string, unknown>,
  rootPath: string,
  first: string,
  second: string,
): string | undefined {
  if (first in root && second in root) return rootPath;
  let found: string | undefined;
  walkObjects(root, rootPath, (object, path) => {
    if (found === undefined && first in object && second in object) found = path;
  });
  return found;
}

/**
 * medplum names a choice element by its definition (`Observation.effective[x].start`); ours names
 * the property present (`Observation.effectivePeriod.start`), as FHIRPath on the JSON would.
 */
function concreteChoicePath(root: Record<string, unknown>, path: string, rootPath: string): string {
  if (!path.includes('[x]') || !path.startsWith(rootPath)) return path;
  let current: unknown = root;
  const segments = path.slice(rootPath.length).split('.').slice(1);
  const resolved = segments.map((segment) => {
    const [, name, index] = /^([^[]+(?:\[x\])?)(?:\[(\d+)\])?$/.exec(segment) ?? [];
    if (name === undefined || !isObject(current)) {
      current = undefined;
      return segment;
    }
    let key = name;
    if (name.endsWith('[x]')) {
      const stem = name.slice(0, -'[x]'.length);
      const object: Record<string, unknown> = current;
      key = Object.keys(object).find((each) => each.startsWith(stem) && /^[A-Z]/.test(each.slice(stem.length))) ?? name;
    }
    const value: unknown = current[key];
    current = index !== undefined && Array.isArray(value) ? value[Number(index)] : value;
    return index !== undefined ? `${key}[${index}]` : key;
  });
  return [rootPath, ...resolved].join('.');
}
