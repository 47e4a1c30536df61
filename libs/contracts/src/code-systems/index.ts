/**
 * The hub's FHIR CodeSystems (SPEC §3), published at `GET /fhir/CodeSystem`: canonical URLs under
 * `https://cstr-hub.org.uk/fhir/CodeSystem/`, with typed code unions for builders and mappers.
 */
import type { HubCodeSystem } from './hub-code-system';
import { EVENT_TYPE_CODE_SYSTEM } from './event-type.code-system';
import {
  CJS_OFFENCE_CODE_SYSTEM,
  HEARING_OUTCOME_CODE_SYSTEM,
  ORDER_TYPE_CODE_SYSTEM,
  REQUIREMENT_TYPE_CODE_SYSTEM,
} from './sentence.code-systems';
import { SCREENING_FLAG_CODE_SYSTEM } from './screening.code-systems';
import {
  APPOINTMENT_TYPE_CODE_SYSTEM,
  CLINICAL_LEAD_DECISION_CODE_SYSTEM,
  ENGAGEMENT_LEVEL_CODE_SYSTEM,
  EPISODE_END_REASON_CODE_SYSTEM,
  NON_ATTENDANCE_SIGNIFICANCE_CODE_SYSTEM,
  OBSERVATION_TYPE_CODE_SYSTEM,
  OUTCOME_STAGE_CODE_SYSTEM,
  REQUEST_TYPE_CODE_SYSTEM,
  SUITABILITY_OUTCOME_CODE_SYSTEM,
} from './treatment.code-systems';
import {
  ENFORCEMENT_DECISION_CODE_SYSTEM,
  PRACTITIONER_ROLE_CODE_SYSTEM,
  REQUIREMENT_TERMINATION_CODE_SYSTEM,
  RISK_LEVEL_CODE_SYSTEM,
  RISK_REGISTER_CODE_SYSTEM,
  RISK_REGISTRATION_TYPE_CODE_SYSTEM,
} from './probation.code-systems';
import { ALERT_TYPE_CODE_SYSTEM, DEADLINE_KIND_CODE_SYSTEM, TASK_TYPE_CODE_SYSTEM } from './pathway.code-systems';
import {
  COURT_REVIEW_OUTCOME_CODE_SYSTEM,
  DRUG_TEST_RESULT_CODE_SYSTEM,
  DRUG_TEST_SUBSTANCE_CODE_SYSTEM,
  TREATMENT_MODALITY_CODE_SYSTEM,
} from './drr-atr.code-systems';
import { DISABILITY_CODE_SYSTEM } from './equality.code-systems';

export * from './hub-code-system';
export * from './event-type.code-system';
export * from './sentence.code-systems';
export * from './screening.code-systems';
export * from './treatment.code-systems';
export * from './probation.code-systems';
export * from './pathway.code-systems';
export * from './drr-atr.code-systems';
export * from './equality.code-systems';

/** Every hub CodeSystem, in publication order. */
export const HUB_CODE_SYSTEMS: readonly HubCodeSystem[] = [
  EVENT_TYPE_CODE_SYSTEM,
  REQUIREMENT_TYPE_CODE_SYSTEM,
  ORDER_TYPE_CODE_SYSTEM,
  HEARING_OUTCOME_CODE_SYSTEM,
  CJS_OFFENCE_CODE_SYSTEM,
  SCREENING_FLAG_CODE_SYSTEM,
  NON_ATTENDANCE_SIGNIFICANCE_CODE_SYSTEM,
  APPOINTMENT_TYPE_CODE_SYSTEM,
  SUITABILITY_OUTCOME_CODE_SYSTEM,
  CLINICAL_LEAD_DECISION_CODE_SYSTEM,
  ENGAGEMENT_LEVEL_CODE_SYSTEM,
  EPISODE_END_REASON_CODE_SYSTEM,
  OUTCOME_STAGE_CODE_SYSTEM,
  OBSERVATION_TYPE_CODE_SYSTEM,
  REQUEST_TYPE_CODE_SYSTEM,
  PRACTITIONER_ROLE_CODE_SYSTEM,
  RISK_REGISTRATION_TYPE_CODE_SYSTEM,
  RISK_REGISTER_CODE_SYSTEM,
  RISK_LEVEL_CODE_SYSTEM,
  ENFORCEMENT_DECISION_CODE_SYSTEM,
  REQUIREMENT_TERMINATION_CODE_SYSTEM,
  DEADLINE_KIND_CODE_SYSTEM,
  TASK_TYPE_CODE_SYSTEM,
  ALERT_TYPE_CODE_SYSTEM,
  TREATMENT_MODALITY_CODE_SYSTEM,
  DRUG_TEST_SUBSTANCE_CODE_SYSTEM,
  DRUG_TEST_RESULT_CODE_SYSTEM,
  COURT_REVIEW_OUTCOME_CODE_SYSTEM,
  DISABILITY_CODE_SYSTEM,
];

/** The hub CodeSystem with this canonical URL, if any. */
export function findHubCodeSystem(url: string): HubCodeSystem | undefined {
  return HUB_CODE_SYSTEMS.find((system) => system.url === url);
}
