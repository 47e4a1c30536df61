/** Organisations, practitioners and their roles. */
import type { ContactPoint, Identifier, Organization, Practitioner, PractitionerRole } from 'fhir/r4';
import type { OrganizationInput, PractitionerInput } from '../events/event-inputs';
import { baseResource, ukCoreResource, type ResourceFields } from './profiled-resource';
import { COURT_CODE_SYSTEM, ODS_ORGANIZATION_CODE_SYSTEM, PARTNER_ID_SYSTEM } from './hub-identifiers';

/** The identifiers of an organisation: its ODS or court code, and its hub partner id. */
export function organizationIdentifiers(org: OrganizationInput): Identifier[] {
  const identifiers: Identifier[] = [];
  if (org.code)
    identifiers.push({
      system: org.codeKind === 'court' ? COURT_CODE_SYSTEM : ODS_ORGANIZATION_CODE_SYSTEM,
      value: org.code,
    });
  if (org.partnerId) identifiers.push({ system: PARTNER_ID_SYSTEM, value: org.partnerId });
  return identifiers;
}

/** UKCore-Organization with its ODS (or court) code and partner id. */
export function buildOrganization(id: string, org: OrganizationInput): Organization {
  const identifier = organizationIdentifiers(org);
  return ukCoreResource<Organization>('Organization', id, {
    ...(identifier.length ? { identifier } : {}),
    active: true,
    name: org.name,
  });
}

/** Work email and phone of a practitioner as FHIR ContactPoints. */
export function practitionerTelecom(practitioner: PractitionerInput): ContactPoint[] {
  const telecom: ContactPoint[] = [];
  if (practitioner.email) telecom.push({ system: 'email', value: practitioner.email, use: 'work' });
  if (practitioner.phone) telecom.push({ system: 'phone', value: practitioner.phone, use: 'work' });
  return telecom;
}

/**
 * UKCore-Practitioner. `identifierSystem` scopes the staff code to the organisation that issued
 * it (see `partnerIdentifierSystem`).
 */
export function buildPractitioner(
  id: string,
  practitioner: PractitionerInput,
  identifierSystem?: string,
): Practitioner {
  const { family, given, prefix } = practitioner.name;
  const telecom = practitionerTelecom(practitioner);
  return ukCoreResource<Practitioner>('Practitioner', id, {
    ...(practitioner.id && identifierSystem
      ? { identifier: [{ system: identifierSystem, value: practitioner.id }] }
      : {}),
    active: true,
    name: [{ use: 'official', family, given, ...(prefix?.length ? { prefix } : {}) }],
    ...(telecom.length ? { telecom } : {}),
  });
}

/** Base R4 PractitionerRole (UK Core has no PractitionerRole profile). */
export function buildPractitionerRole(id: string, fields: ResourceFields<PractitionerRole>): PractitionerRole {
  return baseResource<PractitionerRole>('PractitionerRole', id, fields);
}
