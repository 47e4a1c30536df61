/**
 * Base R4 resource types in `@medplum/core`'s type registry, each parsed and indexed when first
 * needed rather than all at once: parsing all of base R4's resource definitions takes more than a
 * hundred megabytes, and a hub sees a dozen types.
 *
 * Needed means either of two things. The validator names every resource type a value holds before
 * validating it ({@link loadResourceTypesOf}), so that the backbone types a kit profile is read
 * through (`BundleEntry`, `PatientContact`) are there. And any lookup of a type by name in the
 * registry (`getDataType('Patient')`, FHIRPath on a typed value) finds a getter that indexes it.
 */
import { getAllDataTypes, indexStructureDefinitionBundle } from '@medplum/core';
import type { BaseResourceDefinitions } from './base-definitions';

type MedplumStructureDefinition = Extract<Parameters<typeof indexStructureDefinitionBundle>[0], unknown[]>[number];

let registered: BaseResourceDefinitions | undefined;

/**
 * Puts a getter in medplum's registry for each base resource type not in it yet, which indexes
 * the type's definition when it is first looked up. Idempotent.
 */
export function registerBaseResourceTypes(definitions: BaseResourceDefinitions): void {
  if (registered) return;
  registered = definitions;
  const registry = getAllDataTypes();
  for (const type of definitions.definitions.keys()) {
    if (Object.hasOwn(registry, type)) continue;
    Object.defineProperty(registry, type, {
      configurable: true,
      // Left out of enumerations (medplum's own list of resource types), as a type not loaded would be.
      enumerable: false,
      get: () => {
        loadResourceType(type);
        return registry[type];
      },
      // medplum's indexing assigns the parsed type: it replaces the getter.
      set: (schema: unknown) => {
        Object.defineProperty(registry, type, { configurable: true, enumerable: true, writable: true, value: schema });
      },
    });
  }
}

/** True when the base definition of `type` is parsed and in medplum's registry. */
export function isResourceTypeLoaded(type: string): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(getAllDataTypes(), type);
  return descriptor !== undefined && 'value' in descriptor;
}

/**
 * Indexes the base definition of every R4 resource type `value` holds — itself, Bundle entries,
 * contained resources, at any depth — that is not indexed yet. Each type is read from the
 * definitions file once per process; names that are not R4 resource types are left to the
 * validation to report.
 */
export function loadResourceTypesOf(value: unknown): void {
  const definitions = registered;
  if (!definitions) return;
  forEachResourceType(value, (type) => {
    if (definitions.definitions.has(type) && !isResourceTypeLoaded(type)) loadResourceType(type);
  });
}

function loadResourceType(type: string): void {
  const definition = registered?.read(type);
  if (!definition) throw new Error(`No base R4 StructureDefinition for ${type}`);
  indexStructureDefinitionBundle([definition as unknown as MedplumStructureDefinition]);
}

/** Calls `found` with the `resourceType` of `value` and of every object below it that has one. */
function forEachResourceType(value: unknown, found: (type: string) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) forEachResourceType(item, found);
  } else if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    if (typeof object.resourceType === 'string') found(object.resourceType);
    for (const child of Object.values(object)) {
      if (typeof child === 'object' && child !== null) forEachResourceType(child, found);
    }
  }
}
