/**
 * Reading a message Bundle: entries, references between them, partner ids of Organizations.
 * Partner data is read defensively: a Bundle may come from anyone, so every reader takes whatever
 * it is given (anything that is not a Bundle has no entries) and never throws.
 */
import type { Bundle, BundleEntry, FhirResource, Organization, Patient, Reference, Resource } from 'fhir/r4';
import { COURT_CODE_SYSTEM, ODS_ORGANIZATION_CODE_SYSTEM, PARTNER_ID_SYSTEM } from '../builders/hub-identifiers';
import { isObject } from '../validation/json-walk';

export { isObject };

/** The value if it is an array, else an empty one. */
export function asArray<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

/** The entries of a Bundle that carry a resource (an object with a `resourceType`). */
export function resourceEntries(bundle: unknown): (BundleEntry & { resource: FhirResource })[] {
  return asArray((isObject(bundle) ? bundle.entry : undefined) as BundleEntry[] | undefined).filter(
    (entry): entry is BundleEntry & { resource: FhirResource } =>
      isObject(entry) && isObject(entry.resource) && typeof entry.resource.resourceType === 'string',
  );
}

/** The ways a resource of the Bundle can be referred to: its `fullUrl` and `Type/id`. */
export function addressesOf(entry: BundleEntry): string[] {
  const addresses: string[] = [];
  if (typeof entry.fullUrl === 'string') addresses.push(entry.fullUrl);
  if (typeof entry.resource?.id === 'string') addresses.push(`${entry.resource.resourceType}/${entry.resource.id}`);
  return addresses;
}

/** The resource a reference points at inside the Bundle, if any. */
export function resolveReference(bundle: Bundle, reference: Reference | undefined): FhirResource | undefined {
  const target = reference?.reference;
  if (!target) return undefined;
  return resourceEntries(bundle).find((entry) => addressesOf(entry).includes(target))?.resource;
}

/** The subject of the message: its Patient (the first Patient entry). */
export function patientOf(bundle: unknown): Patient | undefined {
  return resourceEntries(bundle).find((entry) => entry.resource.resourceType === 'Patient')?.resource as
    Patient | undefined;
}

/** The hub partner id an Organization carries, if it is a partner. */
export function partnerIdOf(resource: Resource | undefined): string | undefined {
  if (resource?.resourceType !== 'Organization') return undefined;
  return asArray((resource as Organization).identifier).find((identifier) => identifier?.system === PARTNER_ID_SYSTEM)
    ?.value;
}

/** NHS ODS codes of GP practices: a letter and five digits (e.g. `H85013`). */
const GP_PRACTICE_ODS_CODE = /^[A-Z]\d{5}$/;

/**
 * True for the Organization of a GP practice: not a hub partner, with a GP practice ODS code.
 * A restricted patient's practice must not be disclosed wherever it appears (a Consent actor too).
 */
export function isGpPractice(resource: Resource | undefined): boolean {
  if (resource?.resourceType !== 'Organization' || partnerIdOf(resource) !== undefined) return false;
  return asArray((resource as Organization).identifier).some(
    (identifier) =>
      identifier?.system === ODS_ORGANIZATION_CODE_SYSTEM && GP_PRACTICE_ODS_CODE.test(identifier.value ?? ''),
  );
}

/** Every court code (HMCTS) on an Organization or Location of the Bundle. */
export function courtCodesOf(bundle: Bundle): string[] {
  const codes = new Set<string>();
  for (const { resource } of resourceEntries(bundle)) {
    if (resource.resourceType !== 'Organization' && resource.resourceType !== 'Location') continue;
    for (const identifier of asArray(resource.identifier))
      if (identifier?.system === COURT_CODE_SYSTEM && identifier.value) codes.add(identifier.value);
  }
  return [...codes];
}

/** The resources of one type in the Bundle. */
export function resourcesOfType<T extends FhirResource['resourceType']>(
  bundle: Bundle,
  type: T,
): Extract<FhirResource, { resourceType: T }>[] {
  return resourceEntries(bundle)
    .map((entry) => entry.resource)
    .filter((resource): resource is Extract<FhirResource, { resourceType: T }> => resource.resourceType === type);
}
