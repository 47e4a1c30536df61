/**
 * A walk over raw FHIR JSON that names each object with its FHIRPath-style path, for the rules
 * that look at shapes wherever they occur (extensions, identifiers) rather than at one element.
 */

/** Visits one JSON object: its path, the property it sits under, and the object. */
export type ObjectVisitor = (object: Record<string, unknown>, path: string, property: string) => void;

/**
 * Calls `visit` for every object nested in `value` (not `value` itself), depth first. Array items
 * get `[i]`; a primitive's extension holder `_birthDate` is named `birthDate`, as FHIRPath does.
 */
export function walkObjects(value: unknown, path: string, visit: ObjectVisitor): void {
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const property = key.startsWith('_') ? key.slice(1) : key;
    const childPath = `${path}.${property}`;
    if (Array.isArray(child)) {
      child.forEach((item, index) => {
        if (!isObject(item)) return;
        visit(item, `${childPath}[${index}]`, property);
        walkObjects(item, `${childPath}[${index}]`, visit);
      });
    } else if (isObject(child)) {
      visit(child, childPath, property);
      walkObjects(child, childPath, visit);
    }
  }
}

/** A plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
