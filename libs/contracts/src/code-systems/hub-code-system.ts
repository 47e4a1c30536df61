import type { CodeSystem } from 'fhir/r4';

/** Base of every hub-defined FHIR artefact (SPEC §3). */
export const HUB_FHIR_BASE = 'https://cstr-hub.org.uk/fhir';

/** Prefix of every hub CodeSystem canonical URL. */
export const HUB_CODE_SYSTEM_BASE = `${HUB_FHIR_BASE}/CodeSystem/`;

/** One concept of a hub CodeSystem, as written in its definition. */
export interface HubConcept<C extends string = string> {
  readonly code: C;
  readonly display: string;
  readonly definition: string;
}

/** A hub CodeSystem: a FHIR R4 `CodeSystem` whose concept codes are typed. */
export type HubCodeSystem<C extends string = string> = CodeSystem & {
  readonly url: string;
  readonly concept: (HubConcept<C> & { code: C })[];
};

/** What a hub CodeSystem is made from. */
export interface HubCodeSystemDefinition<C extends string> {
  /** The last segment of the canonical URL, kebab-case (also the resource id). */
  readonly id: string;
  /** Computer-friendly name, PascalCase. */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly concepts: readonly HubConcept<C>[];
  /**
   * `fragment` when the system lists only the codes the hub uses of a larger external list;
   * `not-present` for an external code list the hub names but does not copy (no concepts).
   */
  readonly content?: 'complete' | 'fragment' | 'not-present';
}

/** The version every hub CodeSystem is published with; bump when a concept changes meaning. */
export const HUB_CODE_SYSTEM_VERSION = '1.0.0';

/** Builds the FHIR `CodeSystem` resource of a hub code system. */
export function hubCodeSystem<C extends string>(definition: HubCodeSystemDefinition<C>): HubCodeSystem<C> {
  return {
    resourceType: 'CodeSystem',
    id: definition.id,
    url: `${HUB_CODE_SYSTEM_BASE}${definition.id}`,
    version: HUB_CODE_SYSTEM_VERSION,
    name: definition.name,
    title: definition.title,
    status: 'active',
    experimental: false,
    publisher: 'cstr-hub',
    description: definition.description,
    caseSensitive: true,
    content: definition.content ?? 'complete',
    // `count` is the size of the whole system, unknown when its concepts are not copied.
    ...(definition.content === 'not-present' ? {} : { count: definition.concepts.length }),
    concept: definition.concepts.map((concept) => ({
      code: concept.code,
      display: concept.display,
      definition: concept.definition,
    })),
  };
}

/** The display of a code in a hub CodeSystem (undefined when the code is not in it). */
export function hubCodeDisplay<C extends string>(system: HubCodeSystem<C>, code: C): string | undefined {
  return system.concept.find((concept) => concept.code === code)?.display;
}
