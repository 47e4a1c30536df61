/**
 * Canonical URLs of the UK Core profiles the builders claim in `meta.profile` (vendored kit,
 * libs/fhir/ukcore/StructureDefinition). Resource types without a UK Core profile (RiskAssessment,
 * EpisodeOfCare, CareTeam, PractitionerRole, Location, Goal) are built against base R4.
 */
const UK_CORE_BASE = 'https://fhir.hl7.org.uk/StructureDefinition/';

/** The resource types UK Core profiles. */
export const UK_CORE_PROFILED_TYPES = [
  'Appointment',
  'AuditEvent',
  'Bundle',
  'CarePlan',
  'Communication',
  'Condition',
  'Consent',
  'Encounter',
  'Flag',
  'MessageHeader',
  'Observation',
  'Organization',
  'Patient',
  'Practitioner',
  'ServiceRequest',
  'Task',
] as const;

/** A resource type with a UK Core profile. */
export type UkCoreProfiledType = (typeof UK_CORE_PROFILED_TYPES)[number];

/** The UK Core profile URL of a resource type, e.g. `https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient`. */
export function ukCoreProfile(type: UkCoreProfiledType): string {
  return `${UK_CORE_BASE}UKCore-${type}`;
}

/** UK Core extension: NHS number verification status on `Patient.identifier`. */
export const NHS_NUMBER_VERIFICATION_STATUS_EXTENSION = `${UK_CORE_BASE}Extension-UKCore-NHSNumberVerificationStatus`;

/** CodeSystem of the NHS number verification status (England). */
export const NHS_NUMBER_VERIFICATION_STATUS_SYSTEM =
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';

/** UK Core extension: the organisation that booked an Appointment. */
export const BOOKING_ORGANIZATION_EXTENSION = `${UK_CORE_BASE}Extension-UKCore-BookingOrganization`;
