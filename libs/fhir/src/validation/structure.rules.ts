/**
 * Structural validation over the properties a resource actually has: cardinality, array or
 * single, unknown elements, `value[x]` types, primitive JSON types and formats, empty and null
 * values, fixed and pattern values, slice counts, and invariants.
 *
 * It follows `@medplum/core`'s validator rule for rule and reuses its parts — the parsed profiles,
 * the FHIRPath engine for invariants, the primitive regexes, slice matching — but walks only what
 * is present. medplum's crawler visits every element a type defines, present or not, which made
 * it ~85% of the cost of validating an event; the spec checks both agree on every kit example
 * and every broken case (see `structure.rules.spec.ts`).
 */
import type { IssueType, OperationOutcomeIssue } from '@cstr/contracts';
import * as medplum from '@medplum/core';
import type {
  Constraint,
  FhirPathAtom,
  InternalSchemaElement,
  InternalTypeSchema,
  SlicingRules,
  TypedValue,
} from '@medplum/core';
import { type NativeInvariant, nativeInvariant } from './native-invariants';
import { isObject } from './json-walk';
import type { TypedNode } from './typed-walk';
import { issue } from './validation-outcome';

// Bound once: a call through the package's export getters costs more than some of these functions.
const {
  arrayify,
  capitalize,
  deepEquals,
  deepIncludes,
  evalFhirPathTyped,
  fhirTypeToJsType,
  getDataType,
  getElementDefinitionFromElements,
  getNestedProperty,
  isEmpty,
  isPrimitiveType,
  matchDiscriminant,
  parseFhirPath,
  toTypedValue,
  tryGetDataType,
  UCUM,
  validationRegexes,
} = medplum;

/** Called for each present, well-formed value, for the rules that look at values (bindings, extensions). */
export type NodeVisitor = (node: TypedNode) => void;

/** Invariants medplum skips too: ele-1 is the empty-element check done directly; dom-3 needs descendants(); org-1 is legacy. */
const SKIPPED_CONSTRAINTS = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);
const UCUM_VALUE = toTypedValue(UCUM);
/** A resource type as data may name one (never one of the profile URLs the kit registers as types). */
const RESOURCE_TYPE_NAME = /^[A-Z][A-Za-z]+$/;
const ONE_MEGABYTE = 1024 * 1024;

/** Per schema, worked out once: the elements that must be present, and the JSON keys that satisfy each. */
const mandatoryCache = new WeakMap<InternalTypeSchema, { name: string; keys: string[] }[]>();

/**
 * The structural issues of `resource`, validated as `type` (a registered profile URL or a base
 * resource type), paths from `rootPath`. `visit` sees each present value once.
 */
export function structureIssues(
  resource: Record<string, unknown>,
  type: string,
  rootPath: string,
  visit?: NodeVisitor,
): OperationOutcomeIssue[] {
  return new StructureWalk(resource, type, visit).run(rootPath);
}

class StructureWalk {
  private readonly issues: OperationOutcomeIssue[] = [];
  private readonly rootVariables: Record<string, TypedValue>;
  private resourceVariables: TypedValue[] = [];

  constructor(
    private readonly root: Record<string, unknown>,
    private readonly type: string,
    private readonly visit: NodeVisitor | undefined,
  ) {
    this.rootVariables = { '%ucum': UCUM_VALUE, '%rootResource': { type, value: root } };
  }

  run(rootPath: string): OperationOutcomeIssue[] {
    const schema = getDataType(this.type);
    this.resourceVariables.push({ type: this.type, value: this.root });
    this.checkConstraints(schema.constraints, { type: this.type, value: this.root }, rootPath);
    this.walkObject(this.root, schema, rootPath);
    return this.issues;
  }

  private add(code: IssueType, diagnostics: string, path: string): void {
    this.issues.push(issue('error', code, diagnostics, path));
  }

  private walkObject(object: Record<string, unknown>, schema: InternalTypeSchema, path: string): void {
    const choiceKeys = new Map<string, string>();
    for (const key of Object.keys(object)) {
      if (key === 'resourceType') continue;
      if (key.startsWith('_')) {
        this.walkPrimitiveExtensions(object, key, schema, path);
        continue;
      }
      const resolved = resolveKey(schema, key);
      const element = resolved?.element;
      const type = resolved?.type;
      if (!element || !type) {
        this.add(
          'structure',
          `Unknown element "${key}": it is not defined for this type or profile.`,
          `${path}.${key}`,
        );
        continue;
      }
      if (element.path.endsWith('[x]')) {
        const other = choiceKeys.get(element.path);
        if (other) {
          this.add(
            'structure',
            `Only one of "${key}" and "${other}" may be present: a choice element [x] takes one value.`,
            `${path}.${key}`,
          );
          continue;
        }
        choiceKeys.set(element.path, key);
      }
      this.walkProperty(object, key, element, type, `${path}.${key}`);
    }
    for (const mandatory of mandatoryElements(schema)) {
      if (!mandatory.keys.some((key) => key in object || `_${key}` in object)) {
        this.add('required', `Missing required element "${mandatory.name}".`, `${path}.${mandatory.name}`);
      }
    }
  }

  private walkProperty(
    parent: Record<string, unknown>,
    key: string,
    element: InternalSchemaElement,
    type: string,
    path: string,
  ): void {
    const value = parent[key];
    if (value === null) {
      this.add('structure', `Element "${key}" is null; omit it instead.`, path);
      return;
    }
    if (isEmpty(value)) {
      this.add('invariant', 'Empty element: every element must have a value or children (ele-1).', path);
      return;
    }
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (element.isArray && !Array.isArray(value)) {
      this.add('structure', `Element "${key}" takes an array.`, path);
      return;
    }
    if (!element.isArray && Array.isArray(value)) {
      this.add('structure', `Element "${key}" takes one value, not an array.`, path);
      return;
    }
    if (values.length < element.min || values.length > element.max) {
      this.add(
        'structure',
        `Element "${key}" takes ${cardinality(element.min, element.max)} values, found ${values.length}.`,
        path,
      );
    }
    if (
      !matchesFixedOrPattern(
        values.map((each) => ({ type, value: each })),
        Array.isArray(value),
        element,
      )
    ) {
      this.add('value', `Element "${key}" does not match the value its profile fixes.`, path);
    }
    const extensionHolders = parent[`_${key}`];
    values.forEach((each, index) => {
      const at = Array.isArray(value) ? `${path}[${index}]` : path;
      if (each === null) {
        if (!(Array.isArray(extensionHolders) && extensionHolders[index]))
          this.add('structure', `Element "${key}" has a null item; omit it instead.`, at);
        return;
      }
      this.walkValue(each, type, element, key, at, parent);
    });
    if (element.slicing) this.checkSlices(values, type, element.slicing, path);
  }

  private walkValue(
    value: unknown,
    declaredType: string,
    element: InternalSchemaElement,
    key: string,
    path: string,
    parent: Record<string, unknown>,
  ): void {
    const isResource = declaredType === 'Resource' || declaredType === 'DomainResource';
    if (
      isResource &&
      !(isObject(value) && typeof value.resourceType === 'string' && RESOURCE_TYPE_NAME.test(value.resourceType))
    ) {
      this.add(
        'structure',
        `Element "${key}" must hold a resource with a resourceType.`,
        isObject(value) ? `${path}.resourceType` : path,
      );
      return;
    }
    const type = isResource && isObject(value) ? String(value.resourceType) : declaredType;
    const typed: TypedValue = { type, value };
    this.checkConstraints(element.constraints, typed, path);
    if (isPrimitiveType(type)) {
      this.checkPrimitive(value, type, path);
      this.visit?.({ value, type, element, key, path, parent });
      return;
    }
    if (!isObject(value)) {
      this.add(
        'structure',
        `Element "${key}" must be a JSON object (${type}), not ${Array.isArray(value) ? 'an array' : `a ${typeof value}`}.`,
        path,
      );
      return;
    }
    if (isEmpty(value)) {
      this.add('invariant', 'Empty element: every element must have a value or children (ele-1).', path);
      return;
    }
    const schema = schemaOf(type);
    if (!schema) {
      this.add('structure', `Unknown type "${type}".`, isResource ? `${path}.resourceType` : path);
      return;
    }
    this.visit?.({ value, type, element, key, path, parent });
    if (isResource) this.resourceVariables.push(typed);
    this.walkObject(value, schema, path);
    if (isResource) this.resourceVariables.pop();
  }

  /** `_birthDate` (or `_given`, an array): the id and extensions of a primitive, walked as an Element. */
  private walkPrimitiveExtensions(
    object: Record<string, unknown>,
    key: string,
    schema: InternalTypeSchema,
    path: string,
  ): void {
    const name = key.slice(1);
    const resolved = resolveKey(schema, name);
    const element = resolved?.element;
    const type = resolved?.type;
    if (!element || !type || !isPrimitiveType(type)) {
      this.add(
        'structure',
        `Unknown element "${key}": "${name}" is not a primitive element of this type or profile.`,
        `${path}.${key}`,
      );
      return;
    }
    const elementSchema = getDataType('Element');
    const holders = object[key];
    const at = `${path}.${name}`;
    if (Array.isArray(holders)) {
      holders.forEach((holder, index) => {
        if (holder !== null) this.walkHolder(holder, elementSchema, `${at}[${index}]`);
      });
    } else {
      this.walkHolder(holders, elementSchema, at);
    }
  }

  private walkHolder(holder: unknown, elementSchema: InternalTypeSchema, path: string): void {
    if (!isObject(holder)) {
      this.add('structure', 'The extensions of a primitive must be a JSON object.', path);
      return;
    }
    this.walkObject(holder, elementSchema, path);
  }

  private checkPrimitive(value: unknown, type: string, path: string): void {
    const jsType = (fhirTypeToJsType as Record<string, string | undefined>)[type];
    if (!jsType) {
      this.add('structure', `"${type}" is not a FHIR primitive type.`, path);
      return;
    }
    if (typeof value !== jsType) {
      this.add(
        'structure',
        `Invalid JSON type: a ${type} must be a JSON ${jsType}, not a ${Array.isArray(value) ? 'array' : typeof value}.`,
        path,
      );
      return;
    }
    if (typeof value === 'string') {
      if (!value.trim()) this.add('value', 'A string must contain non-whitespace content.', path);
      else if (value.length > ONE_MEGABYTE) this.add('too-long', 'A string cannot be larger than 1 MB.', path);
      else if (validationRegexes[type] && !validationRegexes[type].test(value))
        this.add('value', `Invalid ${type} format.`, path);
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) this.add('value', 'Invalid numeric value.', path);
      else if ((type === 'integer' || type === 'positiveInt' || type === 'unsignedInt') && !Number.isInteger(value))
        this.add('value', `A ${type} must be a whole number.`, path);
      else if (type === 'positiveInt' && value <= 0)
        this.add('value', 'A positiveInt must be greater than zero.', path);
      else if (type === 'unsignedInt' && value < 0) this.add('value', 'An unsignedInt must not be negative.', path);
    }
  }

  private checkConstraints(constraints: InternalSchemaElement['constraints'], typed: TypedValue, path: string): void {
    if (!constraints?.length) return;
    let variables: Record<string, TypedValue> | undefined;
    for (const constraint of constraints) {
      const check = compiled(constraint);
      if (!check) continue;
      let holds: boolean;
      if (check.native) {
        holds = check.native(typed.value);
      } else {
        variables ??= {
          ...this.rootVariables,
          '%context': typed,
          '%resource': this.resourceVariables[this.resourceVariables.length - 1],
        };
        try {
          const result = evalFhirPathTyped(check.expression(), [typed], variables);
          holds = result.length === 1 && result[0].value === true;
        } catch (error) {
          this.add(
            'processing',
            `Invariant ${constraint.key} could not be evaluated: ${error instanceof Error ? error.message : String(error)}`,
            path,
          );
          return;
        }
      }
      if (!holds) {
        this.add('invariant', `Constraint ${constraint.key} not met: ${constraint.description}`, path);
        // As medplum: the first broken invariant of a value is enough.
        return;
      }
    }
  }

  /** Slice counts, matched with medplum's discriminator logic. */
  private checkSlices(values: unknown[], type: string, slicing: SlicingRules, path: string): void {
    const counts = new Map<string, number>();
    for (const value of values) {
      const typed = { type, value };
      // Each discriminator's values once per value, not once per slice (a profile may have dozens of slices).
      const discriminated = slicing.discriminator.map(
        (discriminator) => arrayify(getNestedProperty(typed, discriminator.path)) ?? [],
      );
      const slice = slicing.slices.find((candidate) =>
        slicing.discriminator.every((discriminator, index) =>
          discriminated[index].some((each) => matchDiscriminant(each, discriminator, candidate)),
        ),
      );
      if (slice) counts.set(slice.name, (counts.get(slice.name) ?? 0) + 1);
    }
    for (const slice of slicing.slices) {
      const count = counts.get(slice.name) ?? 0;
      if (count < slice.min || count > slice.max) {
        this.add(
          'structure',
          `Slice "${slice.name}" takes ${cardinality(slice.min, slice.max)} values, found ${count}.`,
          path,
        );
      }
    }
  }
}

/** An invariant ready to check: natively, or as FHIRPath parsed once. Undefined when it is not checked. */
interface CompiledInvariant {
  readonly native?: NativeInvariant;
  readonly expression: () => FhirPathAtom;
}

const compiledInvariants = new WeakMap<Constraint, CompiledInvariant | null>();

function compiled(constraint: Constraint): CompiledInvariant | undefined {
  let found = compiledInvariants.get(constraint);
  if (found === undefined) {
    if (constraint.severity !== 'error' || SKIPPED_CONSTRAINTS.has(constraint.key)) {
      found = null;
    } else {
      let atom: FhirPathAtom | undefined;
      found = {
        native: nativeInvariant(constraint),
        expression: () => (atom ??= parseFhirPath(constraint.expression)),
      };
    }
    compiledInvariants.set(constraint, found);
  }
  return found ?? undefined;
}

/**
 * Per schema, the element (and type) each known JSON key resolves to, worked out on first sight.
 * Unknown keys are not cached: they come from partner input and would grow the cache without bound.
 */
const keyCache = new WeakMap<
  InternalTypeSchema,
  Map<string, { element: InternalSchemaElement; type: string | undefined }>
>();

/**
 * The element definition of JSON property `key`, and the type the key selects (undefined for a
 * choice suffix the element does not allow). Only a real definition counts: the lookup reads a
 * plain object, where a key such as `valueOf` or `constructor` would find a built-in function.
 */
function resolveKey(
  schema: InternalTypeSchema,
  key: string,
): { element: InternalSchemaElement; type: string | undefined } | undefined {
  let bySchema = keyCache.get(schema);
  if (!bySchema) keyCache.set(schema, (bySchema = new Map()));
  const known = bySchema.get(key);
  if (known) return known;
  const element: unknown = getElementDefinitionFromElements(schema.elements, key);
  if (typeof element !== 'object' || element === null) return undefined;
  const resolved = { element: element as InternalSchemaElement, type: typeOf(element as InternalSchemaElement, key) };
  if (resolved.type) bySchema.set(key, resolved);
  return resolved;
}

/** The schema of a type named by the data (a contained resource's resourceType), if it is one. */
function schemaOf(type: string): InternalTypeSchema | undefined {
  const schema: unknown = tryGetDataType(type);
  return typeof schema === 'object' && schema !== null && 'elements' in schema
    ? (schema as InternalTypeSchema)
    : undefined;
}

/** The type of property `key`: the element's only type, or the choice type its suffix names. */
function typeOf(element: InternalSchemaElement, key: string): string | undefined {
  if (!element.path.endsWith('[x]')) return element.type[0]?.code;
  const stem = element.path.slice(element.path.lastIndexOf('.') + 1, -'[x]'.length);
  const suffix = key.slice(stem.length);
  return element.type.find((type) => capitalize(type.code) === suffix)?.code;
}

function mandatoryElements(schema: InternalTypeSchema): { name: string; keys: string[] }[] {
  let mandatory = mandatoryCache.get(schema);
  if (!mandatory) {
    mandatory = Object.entries(schema.elements)
      .filter(([, element]) => element.min > 0)
      .map(([name, element]) => ({
        name,
        keys: name.endsWith('[x]')
          ? element.type.map((type) => name.slice(0, -'[x]'.length) + capitalize(type.code))
          : [name],
      }));
    mandatoryCache.set(schema, mandatory);
  }
  return mandatory;
}

function matchesFixedOrPattern(values: TypedValue[], isArray: boolean, element: InternalSchemaElement): boolean {
  if (!element.pattern && !element.fixed) return true;
  const actual = isArray ? values : values[0];
  if (element.pattern && !deepIncludes(actual, element.pattern)) return false;
  if (element.fixed && !deepEquals(actual, element.fixed)) return false;
  return true;
}

function cardinality(min: number, max: number): string {
  return `${min}..${Number.isFinite(max) ? max : '*'}`;
}
