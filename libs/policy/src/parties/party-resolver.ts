/**
 * The one resolver of parties (SPEC §3): wherever a message names an organisation — a request's
 * performer or owner, `Consent.provision.actor` and `Consent.organization`, `MessageHeader.destination`,
 * a care team, a GP — the hub finds the partners it stands for the same way, however FHIR names it:
 * a literal reference to a Bundle entry, a logical reference (`Reference.identifier`), an
 * `Organization` (or a `PractitionerRole`'s organisation) carrying identifiers, or the partner
 * endpoint `urn:cstr-hub:partner:<id>`. Pure: no I/O.
 */
import { partnerIdFromEndpoint, PARTNER_ENDPOINT_PREFIX } from '@cstr/contracts';
import {
  COURT_CODE_SYSTEM,
  ODS_ORGANIZATION_CODE_SYSTEM,
  PARTNER_ID_SYSTEM,
  PROBATION_PROVIDER_CODE_SYSTEM,
  asArray,
  isObject,
  resolveReference,
} from '@cstr/fhir';
import type { Bundle, Identifier, Reference, Resource } from 'fhir/r4';
import type { Partner } from '../partners/partner';

/** The identifier system of a URI as an identifier value (`urn:cstr-hub:partner:<id>` may come under it). */
const URI_SYSTEM = 'urn:ietf:rfc:3986';

/** NHS ODS codes of GP practices: a letter and five digits (e.g. `H85013`). */
const GP_PRACTICE_ODS_CODE = /^[A-Z]\d{5}$/;

/** The shortest ODS or probation provider code (a region such as `N07`, a trust such as `RV5`). */
const MIN_ORGANISATION_CODE_LENGTH = 3;

/** What a named party turned out to be. */
export interface PartyResolution {
  /** The hub partners the party stands for (partner ids), narrowed to `prefer` kinds when some are. */
  readonly partners: readonly string[];
  /** A GP practice (not a hub partner) named by its ODS code. */
  readonly gpPractice?: string;
  /**
   * Set when the party names an organisation the hub cannot resolve to a partner or a GP
   * practice: a short description of how it was named (no personal data), for a warning.
   */
  readonly unresolved?: string;
}

/** Options of {@link resolveParty}. */
export interface ResolveOptions {
  /**
   * Kinds preferred when an organisation code stands for partners of several kinds: a trust runs
   * an L&D service and an MHTR service under one ODS code, and a request names its treatment service.
   */
  readonly prefer?: readonly Partner['kind'][];
}

const NOTHING: PartyResolution = { partners: [] };

/** A partner's identifiers as FHIR writes them: its partner id, ODS, probation provider and court codes. */
export function partnerIdentifiers(partner: Partner): Identifier[] {
  return [
    { system: PARTNER_ID_SYSTEM, value: partner.id },
    ...(partner.ods ? [{ system: ODS_ORGANIZATION_CODE_SYSTEM, value: partner.ods }] : []),
    ...(partner.probationCode ? [{ system: PROBATION_PROVIDER_CODE_SYSTEM, value: partner.probationCode }] : []),
    ...(partner.courtCode ? [{ system: COURT_CODE_SYSTEM, value: partner.courtCode }] : []),
    ...(partner.identifiers ?? []).map(({ system, value }) => ({ system, value })),
  ];
}

function normalised(value: string): string {
  return value.trim().toUpperCase();
}

/**
 * The partners one identifier names. Partner ids and endpoints name one partner; an ODS or
 * probation provider code names every partner with that code or a unit under it (`N07`, the
 * London probation region, covers `N07CY` and `N07LA`); a court code names its court.
 */
export function partnersNamedBy(identifier: Identifier | undefined, partners: readonly Partner[]): string[] {
  const system = typeof identifier?.system === 'string' ? identifier.system : '';
  const value = typeof identifier?.value === 'string' ? identifier.value.trim() : '';
  if (value === '') return [];
  const endpointId = value.startsWith(PARTNER_ENDPOINT_PREFIX) ? partnerIdFromEndpoint(value) : undefined;
  if (endpointId !== undefined) return partners.some((partner) => partner.id === endpointId) ? [endpointId] : [];
  if (system === PARTNER_ID_SYSTEM) return partners.some((partner) => partner.id === value) ? [value] : [];
  const code = normalised(value);
  // A region or trust code has three characters at least (N07, RV5): a shorter one names nobody,
  // or one letter in a partner's message would stand for every partner whose code starts with it.
  if (code.length < MIN_ORGANISATION_CODE_LENGTH) return [];
  const matches = (partner: Partner): boolean =>
    partnerIdentifiers(partner).some((own) => {
      if (own.system !== system || typeof own.value !== 'string') return false;
      const ownCode = normalised(own.value);
      // Region and trust codes stand for their units; a court code names one court.
      return system === COURT_CODE_SYSTEM ? ownCode === code : ownCode.startsWith(code);
    });
  return partners.filter(matches).map((partner) => partner.id);
}

/** The identifiers a resource of the Bundle names its organisation by. */
function identifiersOfResource(bundle: Bundle, resource: Resource | undefined, depth = 0): Identifier[] {
  if (!isObject(resource) || depth > 2) return [];
  const record = resource as unknown as Record<string, unknown>;
  switch (resource.resourceType) {
    case 'Organization':
      return asArray(record.identifier as Identifier[] | undefined);
    case 'PractitionerRole': {
      const organization = record.organization as Reference | undefined;
      return identifiersOfReference(bundle, organization, depth + 1);
    }
    case 'CareTeam': {
      const managing = asArray(record.managingOrganization as Reference[] | undefined);
      return managing.flatMap((reference) => identifiersOfReference(bundle, reference, depth + 1));
    }
    default:
      return [];
  }
}

/** Every identifier a reference names its party by: its own (logical), its target's, its endpoint URN. */
function identifiersOfReference(bundle: Bundle, reference: Reference | undefined, depth = 0): Identifier[] {
  if (!isObject(reference)) return [];
  const identifiers: Identifier[] = [];
  if (isObject(reference.identifier)) identifiers.push(reference.identifier);
  const literal = typeof reference.reference === 'string' ? reference.reference : undefined;
  if (literal?.startsWith(PARTNER_ENDPOINT_PREFIX)) identifiers.push({ system: URI_SYSTEM, value: literal });
  identifiers.push(...identifiersOfResource(bundle, resolveReference(bundle, reference), depth));
  return identifiers;
}

/** A short description of how a reference names its party, for warnings (codes and systems only). */
function describe(reference: Reference, identifiers: readonly Identifier[]): string {
  if (identifiers.length > 0) {
    return identifiers
      .map((identifier) => `${String(identifier.system ?? '(no system)')}|${String(identifier.value ?? '')}`)
      .join(', ');
  }
  if (typeof reference.reference === 'string') return reference.reference.slice(0, 200);
  return typeof reference.display === 'string' ? 'a display name only' : 'an empty reference';
}

/** Resource types that are people, not parties: a reference to one resolves to no partner and is no warning. */
const PERSON_TYPES = ['Patient', 'Practitioner', 'RelatedPerson', 'Device'];

/**
 * The partners a reference names, however it names them (see the file comment). A reference to a
 * person (Patient, Practitioner) names no party and is not "unresolved"; a reference to an
 * organisation nobody here has, to an entry the Bundle does not hold, or by display name only, is.
 */
export function resolveParty(
  bundle: Bundle,
  reference: Reference | undefined,
  partners: readonly Partner[],
  options: ResolveOptions = {},
): PartyResolution {
  if (!isObject(reference)) return NOTHING;
  const target = resolveReference(bundle, reference);
  const literal = typeof reference.reference === 'string' ? reference.reference : undefined;
  const typeNamed =
    target?.resourceType ?? (typeof reference.type === 'string' ? reference.type : literal?.split('/').at(-2));
  if (typeNamed && PERSON_TYPES.includes(typeNamed)) return NOTHING;
  const identifiers = identifiersOfReference(bundle, reference);
  const partnerIds = partnersNamedByAll(identifiers, partners);
  if (partnerIds.length > 0) return { partners: preferred(partnerIds, partners, options.prefer) };
  const practice = identifiers.find(
    (identifier) =>
      identifier.system === ODS_ORGANIZATION_CODE_SYSTEM &&
      GP_PRACTICE_ODS_CODE.test(normalised(identifier.value ?? '')),
  );
  if (practice?.value) return { partners: [], gpPractice: normalised(practice.value) };
  const named = identifiers.length > 0 || literal !== undefined || typeof reference.display === 'string';
  return named ? { partners: [], unresolved: describe(reference, identifiers) } : NOTHING;
}

/**
 * The partners a set of identifiers of one organisation names. A partner id or endpoint names
 * exactly one partner: codes beside it do not widen it.
 */
function partnersNamedByAll(identifiers: readonly Identifier[], partners: readonly Partner[]): string[] {
  const exact = identifiers.filter((identifier) => identifier.system === PARTNER_ID_SYSTEM || isEndpoint(identifier));
  return unique(
    (exact.length > 0 ? exact : identifiers).flatMap((identifier) => partnersNamedBy(identifier, partners)),
  );
}

function isEndpoint(identifier: Identifier): boolean {
  return typeof identifier.value === 'string' && identifier.value.startsWith(PARTNER_ENDPOINT_PREFIX);
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

function preferred(ids: readonly string[], partners: readonly Partner[], prefer: ResolveOptions['prefer']): string[] {
  if (!prefer || ids.length < 2) return [...ids];
  const kindOf = new Map(partners.map((partner) => [partner.id, partner.kind]));
  const narrowed = ids.filter((id) => prefer.includes(kindOf.get(id) as Partner['kind']));
  return narrowed.length > 0 ? narrowed : [...ids];
}

/** The partners an Organization (or PractitionerRole, CareTeam) resource of the Bundle stands for. */
export function partnersOfResource(
  bundle: Bundle,
  resource: Resource | undefined,
  partners: readonly Partner[],
  options: ResolveOptions = {},
): string[] {
  return preferred(partnersNamedByAll(identifiersOfResource(bundle, resource), partners), partners, options.prefer);
}
