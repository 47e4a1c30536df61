/**
 * The redacted copy of a message Bundle for one recipient under one flow (SPEC §5): only the
 * allow-listed resource types and elements survive, `where` narrows which resources of a type do,
 * references to anything removed are removed too, a restricted patient's address and GP are
 * never disclosed, and equality monitoring data leaves only where named (`equality-elements.ts`).
 * Pure: the input Bundle is not changed.
 */
import { HUB_FHIR_BASE, partnerEndpoint } from '@cstr/contracts';
import { parseFhirPath, evalFhirPath, type FhirPathAtom } from '@medplum/core';
import type { Bundle, BundleEntry, MessageHeader, Patient, Resource } from 'fhir/r4';
import { addressesOf, asArray, isGpPractice, isObject } from '@cstr/fhir';
import type { ShareRule } from '../agreements/agreement';
import { ALWAYS_KEPT_META, alwaysKeptElements, requiredElements } from './always-kept';
import {
  elementNames,
  isEqualityCodeSystem,
  isWithheldEqualityResource,
  stripEqualityExtensions,
} from './equality-elements';
import { isRestrictedPatient, RESTRICTED_PATIENT_ELEMENTS } from './restriction';

/** What {@link redactBundle} needs to know. */
export interface RedactionOptions {
  /** The flow's allow-list, by resource type. */
  readonly share: Readonly<Record<string, ShareRule>>;
  /** The recipient's partner id: `MessageHeader.destination` names it. */
  readonly recipientId: string;
  /**
   * The person is restricted (the hub remembers it, SPEC §5): address, telecom and GP go whatever
   * the flow says. A Patient carrying the restricted label is treated so even without it.
   */
  readonly restricted?: boolean;
}

/** The redacted copy and what was taken out. */
export interface Redaction {
  readonly bundle: Bundle;
  /**
   * What was removed, as an auditor reads it: `Patient.telecom` (an element),
   * `Appointment.participant[2]` (an item pointing at something removed),
   * `Bundle.entry[4] (Observation outcome-score-phq-9)` (a whole resource).
   */
  readonly removedElements: string[];
}

const atoms = new Map<string, FhirPathAtom>();

/** True when the resource satisfies the FHIRPath expression (its first result is `true`). */
export function matchesWhere(resource: Resource, where: string): boolean {
  let atom = atoms.get(where);
  if (!atom) {
    atom = parseFhirPath(where);
    atoms.set(where, atom);
  }
  try {
    return evalFhirPath(atom, resource)[0] === true;
  } catch {
    // An expression that cannot be evaluated on this resource lets nothing through.
    return false;
  }
}

/** The allow-list's rule for a resource type (own keys only: `constructor` is no resource type). */
function ruleFor(share: Readonly<Record<string, ShareRule>>, resourceType: string): ShareRule | undefined {
  return Object.hasOwn(share, resourceType) ? share[resourceType] : undefined;
}

/** True when the allow-list names this JSON key (`valueQuantity` is named by `value[x]` too). */
function allowed(key: string, names: readonly string[]): boolean {
  const element = key.startsWith('_') ? key.slice(1) : key;
  return names.some(
    (name) =>
      name === element ||
      (name.endsWith('[x]') && element.startsWith(name.slice(0, -3)) && /^[A-Z]/.test(element.slice(name.length - 3))),
  );
}

/**
 * A short label of a resource for the removal list: its type, and its code only from the hub's own
 * CodeSystems (`outcome-score-phq-9`). A clinical code (a SNOMED CT diagnosis on a withheld
 * Condition) would put what was withheld into the audit.
 */
function label(resource: Resource): string {
  const coding = asArray((resource as { code?: { coding?: { system?: string; code?: string }[] } }).code?.coding).find(
    (each) =>
      typeof each?.system === 'string' &&
      each.system.startsWith(`${HUB_FHIR_BASE}/`) &&
      !isEqualityCodeSystem(each.system),
  );
  return typeof coding?.code === 'string' ? `${resource.resourceType} ${coding.code}` : resource.resourceType;
}

/** True when a JSON value holds a reference to one of `gone`. */
function refersTo(value: unknown, gone: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.some((item) => refersTo(item, gone));
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (typeof record.reference === 'string' && gone.has(record.reference)) return true;
  return Object.values(record).some((item) => refersTo(item, gone));
}

/** Narrows a resource to its allow-listed elements; returns the removed element paths. */
function keepElements(resource: Resource, names: readonly string[], restricted: boolean): string[] {
  const removed: string[] = [];
  const record = resource as unknown as Record<string, unknown>;
  const kept = [...alwaysKeptElements(resource.resourceType), ...names];
  for (const key of Object.keys(record)) {
    if (key === 'resourceType' || key === 'id') continue;
    if (key === 'meta' && !isObject(record.meta)) {
      Reflect.deleteProperty(record, key);
      continue;
    }
    if (key === 'meta') {
      const meta = record.meta as Record<string, unknown>;
      for (const metaKey of Object.keys(meta)) {
        if (!(ALWAYS_KEPT_META as readonly string[]).includes(metaKey)) {
          Reflect.deleteProperty(meta, metaKey);
          removed.push(`${resource.resourceType}.meta.${metaKey}`);
        }
      }
      if (Object.keys(meta).length === 0) delete record.meta;
      continue;
    }
    const never = restricted && resource.resourceType === 'Patient' && allowed(key, RESTRICTED_PATIENT_ELEMENTS);
    if (never || !allowed(key, kept)) {
      Reflect.deleteProperty(record, key);
      if (!key.startsWith('_')) removed.push(`${resource.resourceType}.${key}`);
    }
  }
  return removed;
}

/**
 * Removes the parts of a resource that refer to a removed resource: the item of a repeating
 * element, or the element. Returns false when a required element is lost (the resource must go).
 */
function dropDanglingReferences(resource: Resource, gone: ReadonlySet<string>, removed: string[]): boolean {
  const record = resource as unknown as Record<string, unknown>;
  const required = requiredElements(resource.resourceType);
  for (const key of Object.keys(record)) {
    if (key === 'resourceType' || key === 'id' || key === 'meta') continue;
    const value = record[key];
    if (Array.isArray(value)) {
      const keep = value.filter((item, index) => {
        const dangling = refersTo(item, gone);
        if (dangling) removed.push(`${resource.resourceType}.${key}[${index}]`);
        return !dangling;
      });
      if (keep.length === value.length) continue;
      if (keep.length > 0) record[key] = keep;
      else {
        Reflect.deleteProperty(record, key);
        if (required.includes(key)) return false;
      }
    } else if (refersTo(value, gone)) {
      Reflect.deleteProperty(record, key);
      removed.push(`${resource.resourceType}.${key}`);
      if (required.includes(key)) return false;
    }
  }
  return true;
}

/**
 * The copy of `bundle` that `options.share` allows, addressed to the recipient. The
 * MessageHeader and the Patient are always carried (narrowed); every other resource must have
 * its type in the allow-list and satisfy its `where`.
 */
export function redactBundle(bundle: Bundle, options: RedactionOptions): Redaction {
  const copy = structuredClone(bundle);
  const entries: (BundleEntry | undefined)[] = [...asArray(copy.entry)];
  const removed: string[] = [];
  const patientEntry = entries.find(
    (entry) => isObject(entry) && isObject(entry.resource) && entry.resource.resourceType === 'Patient',
  );
  const restricted = options.restricted === true || isRestrictedPatient(patientEntry?.resource as Patient | undefined);
  const gpAddresses = new Set(
    restricted
      ? asArray((patientEntry?.resource as Patient).generalPractitioner).map((reference) => reference?.reference ?? '')
      : [],
  );
  const gone = new Set<string>();

  const removeEntry = (index: number) => {
    const entry = entries[index];
    if (!entry) return;
    if (entry.resource) removed.push(`Bundle.entry[${index}] (${label(entry.resource)})`);
    for (const address of addressesOf(entry)) gone.add(address);
    entries[index] = undefined;
  };

  // 1. Whole resources: by type, by `where`, and a restricted patient's GP.
  entries.forEach((entry, index) => {
    const resource = entry?.resource;
    if (!isObject(entry) || !isObject(resource) || typeof resource.resourceType !== 'string') return removeEntry(index);
    if (resource.resourceType === 'MessageHeader' || resource.resourceType === 'Patient') return;
    const rule = ruleFor(options.share, resource.resourceType);
    const isGp =
      restricted && (isGpPractice(resource) || addressesOf(entry).some((address) => gpAddresses.has(address)));
    const unmatched = rule?.where !== undefined && !matchesWhere(resource, rule.where);
    if (!rule || isGp || unmatched || isWithheldEqualityResource(resource, rule)) removeEntry(index);
  });

  // 2. Elements: the allow-list plus what every valid copy needs.
  entries.forEach((entry) => {
    const resource = entry?.resource;
    if (!resource) return;
    const names = ruleFor(options.share, resource.resourceType)?.elements ?? [];
    // Equality extensions go unless named by slice; `extension` alone names none of them.
    removed.push(...stripEqualityExtensions(resource, names));
    removed.push(...keepElements(resource, elementNames(names), restricted));
  });

  // 3. References to removed resources, until nothing changes (removing one may strand another).
  for (let changed = true; changed;) {
    changed = false;
    entries.forEach((entry, index) => {
      const resource = entry?.resource;
      if (!resource || resource.resourceType === 'MessageHeader') return;
      if (!dropDanglingReferences(resource, gone, removed)) {
        removeEntry(index);
        changed = true;
      }
    });
  }

  // 4. The MessageHeader: focus on what is carried, destination = the recipient.
  const carried = new Set(entries.flatMap((entry) => (entry ? addressesOf(entry) : [])));
  for (const entry of entries) {
    const header = entry?.resource as MessageHeader | undefined;
    if (header?.resourceType !== 'MessageHeader') continue;
    dropDanglingReferences(header, gone, removed);
    // An odd focus that points at nothing carried goes too.
    const focus = asArray(header.focus).filter(
      (item) => isObject(item) && typeof item.reference === 'string' && carried.has(item.reference),
    );
    if (focus.length > 0) header.focus = focus;
    else Reflect.deleteProperty(header, 'focus');
    header.destination = [{ name: options.recipientId, endpoint: partnerEndpoint(options.recipientId) }];
  }

  copy.entry = entries
    .filter((entry): entry is BundleEntry => entry !== undefined)
    .map((entry) => ({ ...(entry.fullUrl ? { fullUrl: entry.fullUrl } : {}), resource: entry.resource }));
  return { bundle: copy, removedElements: [...new Set(removed)] };
}
