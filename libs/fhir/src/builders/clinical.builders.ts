/**
 * Builders of the clinical and administrative record resources: encounters, observations, flags,
 * risk assessments, consents, locations.
 */
import type { Consent, Encounter, Flag, Location, Observation, RiskAssessment } from 'fhir/r4';
import { baseResource, ukCoreResource, type ResourceFields } from './profiled-resource';

/** UKCore-Encounter: `status` and `class` (extensible to v3 ActEncounterCode) are required. */
export function buildEncounter(id: string, fields: ResourceFields<Encounter>): Encounter {
  return ukCoreResource<Encounter>('Encounter', id, fields);
}

/** UKCore-Observation: `status` and `code` are required. */
export function buildObservation(id: string, fields: ResourceFields<Observation>): Observation {
  return ukCoreResource<Observation>('Observation', id, fields);
}

/** UKCore-Flag: `status`, `code` and `subject` are required. */
export function buildFlag(id: string, fields: ResourceFields<Flag>): Flag {
  return ukCoreResource<Flag>('Flag', id, fields);
}

/**
 * UKCore-Consent: `status`, `scope` and at least one `category` are required; R4 ppc-1 wants a
 * `policy` or a `policyRule`, ppc-2 a `patient` when the scope is `patient-privacy`.
 */
export function buildConsent(id: string, fields: ResourceFields<Consent>): Consent {
  return ukCoreResource<Consent>('Consent', id, fields);
}

/** Base R4 RiskAssessment (UK Core has no RiskAssessment profile): `status` and `subject`. */
export function buildRiskAssessment(id: string, fields: ResourceFields<RiskAssessment>): RiskAssessment {
  return baseResource<RiskAssessment>('RiskAssessment', id, fields);
}

/** Base R4 Location (not in the vendored kit). */
export function buildLocation(id: string, fields: ResourceFields<Location>): Location {
  return baseResource<Location>('Location', id, fields);
}
