/**
 * Plain-TypeScript versions of the base R4 invariants evaluated on almost every value of an
 * event (every extension, every resource, every Bundle entry). Evaluating them with FHIRPath was
 * most of the cost of validation; these give the same answer (`native-invariants.spec.ts` checks
 * each against medplum's FHIRPath engine). Each applies only to its exact expression, so a profile
 * that changes an invariant falls back to FHIRPath.
 */
import * as medplum from '@medplum/core';
import type { Constraint } from '@medplum/core';
import { isObject } from './json-walk';

// Bound once, not looked up through the package's export getters on every call.
const { isEmpty } = medplum;

/** An invariant as a predicate on the JSON value it constrains. */
export type NativeInvariant = (value: unknown) => boolean;

const VALUE_KEY = /^_?value[A-Z]/;

/** FHIRPath `exists()` on one property of a JSON object, as medplum navigates it: present and not empty. */
function exists(value: unknown): boolean {
  return !isEmpty(value);
}

/** The `contained` resources of a value. */
function contained(value: unknown): Record<string, unknown>[] {
  if (!isObject(value) || !Array.isArray(value.contained)) return [];
  return value.contained.filter(isObject);
}

function metaOf(resource: Record<string, unknown>): Record<string, unknown> {
  return isObject(resource.meta) ? resource.meta : {};
}

/** FHIRPath's three-valued logic: true, false, or empty (undefined). */
type Truth = boolean | undefined;

/** FHIRPath `implies`. */
function implies(antecedent: Truth, consequent: Truth): Truth {
  if (consequent === true || antecedent === false) return true;
  if (antecedent === undefined || consequent === undefined) return undefined;
  return false;
}

/** FHIRPath `or` of several operands, left to right. */
function or(first: Truth, ...rest: Truth[]): Truth {
  let result = first;
  for (const right of rest) {
    if (result === false && right === false) result = false;
    else if (result === true || right === true) result = true;
    else result = undefined;
  }
  return result;
}

/** FHIRPath `value = 'literal'` on a JSON property: empty when the property is. */
function equals(value: unknown, literal: string): Truth {
  return isEmpty(value) ? undefined : value === literal;
}

function entriesOf(bundle: Record<string, unknown>): unknown[] {
  return Array.isArray(bundle.entry) ? bundle.entry : [];
}

/** `entry.first().resource.is(Type)`: empty when there is no first resource. */
function firstResourceIs(bundle: Record<string, unknown>, resourceType: string): Truth {
  const first = entriesOf(bundle)[0];
  const resource = isObject(first) ? first.resource : undefined;
  return isObject(resource) ? resource.resourceType === resourceType : undefined;
}

/** bdl-3 / bdl-4: `entry.all(<property>.exists() = (%resource.type = 'a' or …))` with `%resource` the Bundle itself. */
function allEntries(property: string, types: string[]): NativeInvariant {
  return (bundle) => {
    if (!isObject(bundle)) return false;
    const [first, ...rest] = types.map((type) => equals(bundle.type, type));
    const expected = or(first, ...rest);
    return entriesOf(bundle).every(
      (entry) => expected !== undefined && isObject(entry) && exists(entry[property]) === expected,
    );
  };
}

/** A Bundle invariant, false for anything that is not an object. */
function onBundle(check: (bundle: Record<string, unknown>) => Truth): NativeInvariant {
  return (value) => isObject(value) && check(value) === true;
}

/** By `key|expression`, exactly as base R4 states them. */
const NATIVE: ReadonlyMap<string, NativeInvariant> = new Map<string, NativeInvariant>([
  [
    'ext-1|extension.exists() != value.exists()',
    (value) =>
      isObject(value) &&
      exists(value.extension) !== Object.keys(value).some((key) => VALUE_KEY.test(key) && exists(value[key])),
  ],
  ['dom-2|contained.contained.empty()', (value) => !contained(value).some((resource) => exists(resource.contained))],
  [
    'dom-4|contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()',
    (value) =>
      !contained(value).some((resource) => exists(metaOf(resource).versionId) || exists(metaOf(resource).lastUpdated)),
  ],
  [
    'dom-5|contained.meta.security.empty()',
    (value) => !contained(value).some((resource) => exists(metaOf(resource).security)),
  ],
  // medplum's htmlChecks() is always true: the narrative's XHTML is not checked.
  ['txt-1|htmlChecks()', () => true],
  ['txt-2|htmlChecks()', () => true],
  [
    'bdl-5|resource.exists() or request.exists() or response.exists()',
    (value) => isObject(value) && (exists(value.resource) || exists(value.request) || exists(value.response)),
  ],
  [
    "bdl-8|fullUrl.exists() implies fullUrl.contains('/_history/').not()",
    (value) => !isObject(value) || typeof value.fullUrl !== 'string' || !value.fullUrl.includes('/_history/'),
  ],
  [
    "bdl-1|total.empty() or (type = 'searchset') or (type = 'history')",
    onBundle((bundle) => or(!exists(bundle.total), equals(bundle.type, 'searchset'), equals(bundle.type, 'history'))),
  ],
  [
    "bdl-2|entry.search.empty() or (type = 'searchset')",
    onBundle((bundle) =>
      or(!entriesOf(bundle).some((entry) => isObject(entry) && exists(entry.search)), equals(bundle.type, 'searchset')),
    ),
  ],
  [
    "bdl-3|entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = 'transaction' or %resource.type = 'history'))",
    allEntries('request', ['batch', 'transaction', 'history']),
  ],
  [
    "bdl-4|entry.all(response.exists() = (%resource.type = 'batch-response' or %resource.type = 'transaction-response' or %resource.type = 'history'))",
    allEntries('response', ['batch-response', 'transaction-response', 'history']),
  ],
  [
    "bdl-7|(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()",
    onBundle((bundle) => {
      const keys = entriesOf(bundle).flatMap((entry) => {
        if (!isObject(entry) || typeof entry.fullUrl !== 'string' || entry.fullUrl === '') return [];
        const meta = isObject(entry.resource) ? metaOf(entry.resource) : {};
        return [`${entry.fullUrl}${typeof meta.versionId === 'string' ? meta.versionId : ''}`];
      });
      return or(equals(bundle.type, 'history'), new Set(keys).size === keys.length);
    }),
  ],
  [
    "bdl-9|type = 'document' implies (identifier.system.exists() and identifier.value.exists())",
    onBundle((bundle) =>
      implies(
        equals(bundle.type, 'document'),
        isObject(bundle.identifier) && exists(bundle.identifier.system) && exists(bundle.identifier.value),
      ),
    ),
  ],
  [
    "bdl-10|type = 'document' implies (timestamp.hasValue())",
    onBundle((bundle) =>
      implies(equals(bundle.type, 'document'), typeof bundle.timestamp === 'string' && bundle.timestamp !== ''),
    ),
  ],
  [
    "bdl-11|type = 'document' implies entry.first().resource.is(Composition)",
    onBundle((bundle) => implies(equals(bundle.type, 'document'), firstResourceIs(bundle, 'Composition'))),
  ],
  [
    "bdl-12|type = 'message' implies entry.first().resource.is(MessageHeader)",
    onBundle((bundle) => implies(equals(bundle.type, 'message'), firstResourceIs(bundle, 'MessageHeader'))),
  ],
]);

/**
 * Invariants medplum's FHIRPath gets wrong, with the verdict the HL7 validator gives. medplum
 * evaluates `{} is decimal` to empty rather than false, so `probability is decimal implies …`
 * fails every RiskAssessment prediction without a probability (the common qualitative one).
 */
const CORRECTED: ReadonlyMap<string, NativeInvariant> = new Map<string, NativeInvariant>([
  [
    'ras-2|probability is decimal implies (probability as decimal) <= 100',
    (value) => !isObject(value) || typeof value.probabilityDecimal !== 'number' || value.probabilityDecimal <= 100,
  ],
]);

/** The native version of `constraint`, or undefined when it must be evaluated with FHIRPath. */
export function nativeInvariant(constraint: Constraint): NativeInvariant | undefined {
  const key = `${constraint.key}|${constraint.expression}`;
  return NATIVE.get(key) ?? CORRECTED.get(key);
}

/** The invariants with a native version that agrees with medplum's FHIRPath, as `key|expression` (for tests). */
export const NATIVE_INVARIANT_KEYS: readonly string[] = [...NATIVE.keys()];

/** The invariants whose native version corrects medplum's FHIRPath, as `key|expression` (for tests). */
export const CORRECTED_INVARIANT_KEYS: readonly string[] = [...CORRECTED.keys()];
