/**
 * A walk over the properties actually present in a FHIR JSON value, each typed by its element
 * definition. medplum's crawler visits every element a type defines, present or not, which costs
 * far more than the value itself; the rules that only look at what is there use this instead.
 */
import {
  capitalize,
  getDataType,
  getElementDefinitionFromElements,
  type InternalSchemaElement,
  type InternalTypeSchema,
  isPrimitiveType,
  tryGetDataType,
} from '@medplum/core';
import { isObject } from './json-walk';

/** One present value: its FHIR type, its element definition and its FHIRPath-style path. */
export interface TypedNode {
  readonly value: unknown;
  /** FHIR type code: `code`, `CodeableConcept`, `Extension`, a backbone type such as `PatientContact`, or a resource type. */
  readonly type: string;
  readonly element: InternalSchemaElement;
  /** The JSON property name: `valueQuantity`, `identifier`. */
  readonly key: string;
  readonly path: string;
  /** The object the property belongs to. */
  readonly parent: Record<string, unknown>;
}

/** Called for each present value; return false to skip what is below it (anything else walks on). */
export type TypedVisitor = (node: TypedNode) => boolean | undefined;

const ELEMENT_SCHEMA_TYPE = 'Element';

/**
 * Visits every present value below `value` (typed by `schema`), depth first. Primitive extension
 * holders (`_birthDate`) are walked as `Element`s under the primitive's path.
 */
export function walkTyped(value: unknown, schema: InternalTypeSchema, path: string, visit: TypedVisitor): void {
  if (!isObject(value)) return;
  for (const key of Object.keys(value)) {
    if (key === 'resourceType') continue;
    const child = value[key];
    if (key.startsWith('_')) {
      walkPrimitiveExtensions(child, `${path}.${key.slice(1)}`, visit);
      continue;
    }
    // A key such as `valueOf` would find a built-in function on the plain elements object.
    const element: unknown = getElementDefinitionFromElements(schema.elements, key);
    if (typeof element !== 'object' || element === null) continue;
    const definition = element as InternalSchemaElement;
    const type = typeOfKey(definition, key);
    if (!type) continue;
    if (Array.isArray(child)) {
      for (let index = 0; index < child.length; index++)
        visitValue(child[index], type, definition, key, `${path}.${key}[${index}]`, value, visit);
    } else {
      visitValue(child, type, definition, key, `${path}.${key}`, value, visit);
    }
  }
}

function visitValue(
  value: unknown,
  declaredType: string,
  element: InternalSchemaElement,
  key: string,
  path: string,
  parent: Record<string, unknown>,
  visit: TypedVisitor,
): void {
  if (value === undefined || value === null) return;
  const type =
    declaredType === 'Resource' && isObject(value) && typeof value.resourceType === 'string'
      ? value.resourceType
      : declaredType;
  if (visit({ value, type, element, key, path, parent }) === false) return;
  if (isPrimitiveType(type) || !isObject(value)) return;
  const schema = tryGetDataType(type);
  if (schema) walkTyped(value, schema, path, visit);
}

function walkPrimitiveExtensions(holder: unknown, path: string, visit: TypedVisitor): void {
  const elementSchema = getDataType(ELEMENT_SCHEMA_TYPE);
  if (Array.isArray(holder)) {
    holder.forEach((each, index) => walkTyped(each, elementSchema, `${path}[${index}]`, visit));
  } else {
    walkTyped(holder, elementSchema, path, visit);
  }
}

/**
 * The type of property `key` of `element`: the single type, or for a choice element (`value[x]`)
 * the type named by the key's suffix (`valueQuantity` → `Quantity`). Undefined if no type fits.
 */
export function typeOfKey(element: InternalSchemaElement, key: string): string | undefined {
  const types = element.type;
  if (!element.path.endsWith('[x]')) return types[0]?.code;
  const base = element.path.slice(element.path.lastIndexOf('.') + 1, -'[x]'.length);
  const suffix = key.slice(base.length);
  for (const type of types) if (capitalize(type.code) === suffix) return type.code;
  return undefined;
}
