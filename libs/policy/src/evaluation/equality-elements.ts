/**
 * Equality monitoring data (ethnic category, gender identity, disability, communication needs)
 * is for the hub's reporting: no delivered copy carries it unless the flow's allow-list names it
 * explicitly — an extension by its slice (`extension:ethnicCategory`), a resource coded in an
 * equality code system by a `where` that names that system. `extension` alone names none of them.
 */
import { DISABILITY_SYSTEM } from '@cstr/contracts';
import {
  DISABILITY_EXTENSION,
  ETHNIC_CATEGORY_ENGLAND_SYSTEM,
  ETHNIC_CATEGORY_EXTENSION,
  GENDER_IDENTITY_EXTENSION,
  GENDER_IDENTITY_SYSTEM,
  INTERPRETER_REQUIRED_EXTENSION,
} from '@cstr/fhir';
import type { Resource } from 'fhir/r4';
import type { ShareRule } from '../agreements/agreement';

/** Equality extensions by the slice name an allow-list uses for them (`extension:<slice>`). */
export const EQUALITY_EXTENSION_SLICES: Readonly<Record<string, string>> = {
  ethnicCategory: ETHNIC_CATEGORY_EXTENSION,
  genderIdentity: GENDER_IDENTITY_EXTENSION,
  disability: DISABILITY_EXTENSION,
  interpreterRequired: INTERPRETER_REQUIRED_EXTENSION,
};

/** Code systems whose codes are equality characteristics, wherever they appear. */
export const EQUALITY_CODE_SYSTEMS: readonly string[] = [
  ETHNIC_CATEGORY_ENGLAND_SYSTEM,
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryWales',
  GENDER_IDENTITY_SYSTEM,
  DISABILITY_SYSTEM,
];

const SLICE_TOKEN = /^extension:([A-Za-z]+)$/;
const SLICE_OF_URL = new Map(Object.entries(EQUALITY_EXTENSION_SLICES).map(([slice, url]) => [url, slice]));

/** True when `element` is an allow-list token naming one equality extension (`extension:ethnicCategory`). */
export function isEqualityExtensionToken(element: string): boolean {
  const slice = SLICE_TOKEN.exec(element)?.[1];
  return slice !== undefined && Object.hasOwn(EQUALITY_EXTENSION_SLICES, slice);
}

/** True for a code system of {@link EQUALITY_CODE_SYSTEMS}. */
export function isEqualityCodeSystem(system: unknown): boolean {
  return typeof system === 'string' && EQUALITY_CODE_SYSTEMS.includes(system);
}

/** The allow-list as element names: a slice token allows the `extension` element (narrowed first). */
export function elementNames(names: readonly string[]): string[] {
  return names.map((name) => (isEqualityExtensionToken(name) ? 'extension' : name));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function equalitySliceOf(extension: unknown): string | undefined {
  return isRecord(extension) && typeof extension.url === 'string' ? SLICE_OF_URL.get(extension.url) : undefined;
}

/** True when the node holds a coding of an equality code system (equality extensions aside: they are stripped). */
function carriesEqualityCoding(node: unknown, depth = 0): boolean {
  if (depth > 30 || typeof node !== 'object' || node === null) return false;
  if (Array.isArray(node)) return node.some((item) => carriesEqualityCoding(item, depth + 1));
  if (equalitySliceOf(node) !== undefined) return false;
  if (isEqualityCodeSystem((node as Record<string, unknown>).system)) return true;
  return Object.values(node).some((value) => carriesEqualityCoding(value, depth + 1));
}

/**
 * True when a resource (other than the Patient) records an equality characteristic — a disability
 * Observation, an ethnic category Condition — and the flow's `where` for its type does not name
 * the code system: such a resource leaves in no copy.
 */
export function isWithheldEqualityResource(resource: Resource, rule: ShareRule | undefined): boolean {
  if (resource.resourceType === 'Patient' || !carriesEqualityCoding(resource)) return false;
  const where = rule?.where ?? '';
  return !EQUALITY_CODE_SYSTEMS.some((system) => where.includes(system));
}

/**
 * Removes the equality extensions a resource carries, at any depth, but those at its top level
 * that `names` lists by slice; with slice tokens and no `extension`, other top-level extensions go
 * too. Returns what was removed (`Patient.extension:ethnicCategory`, never the value).
 */
export function stripEqualityExtensions(resource: Resource, names: readonly string[]): string[] {
  const removed = new Set<string>();
  const named = new Set(names.filter(isEqualityExtensionToken).map((token) => token.slice('extension:'.length)));
  const wholeExtensionNamed = names.includes('extension');
  const visit = (node: unknown, topLevel: boolean, depth: number): void => {
    if (depth > 30 || typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) return node.forEach((item) => visit(item, false, depth + 1));
    const record = node as Record<string, unknown>;
    for (const key of ['extension', 'modifierExtension']) {
      const list = record[key];
      if (!Array.isArray(list)) continue;
      const kept = list.filter((extension) => {
        const slice = equalitySliceOf(extension);
        const keep =
          slice === undefined
            ? !topLevel || key !== 'extension' || wholeExtensionNamed || named.size === 0
            : topLevel && key === 'extension' && named.has(slice);
        if (!keep) removed.add(`${resource.resourceType}.${key}${slice ? `:${slice}` : ''}`);
        return keep;
      });
      if (kept.length > 0) record[key] = kept;
      else Reflect.deleteProperty(record, key);
    }
    for (const [key, value] of Object.entries(record))
      if (key !== 'extension' && key !== 'modifierExtension') visit(value, false, depth + 1);
    for (const key of ['extension', 'modifierExtension']) visit(record[key], false, depth + 1);
  };
  visit(resource, true, 0);
  return [...removed];
}
