/** Probation code systems: allocation roles, risk, enforcement, termination. */
import { HUB_CODE_SYSTEM_BASE, hubCodeSystem, type HubConcept } from './hub-code-system';

const PRACTITIONER_ROLE_CONCEPTS = [
  {
    code: 'responsible-officer',
    display: 'Responsible officer',
    definition: 'The probation practitioner who manages the order.',
  },
  {
    code: 'probation-court-officer',
    display: 'Probation court officer',
    definition: 'The probation practitioner at court who prepares pre-sentence reports.',
  },
  {
    code: 'treatment-practitioner',
    display: 'Treatment practitioner',
    definition: 'The clinician who assesses and treats the person under the requirement.',
  },
  {
    code: 'clinical-lead',
    display: 'Clinical Lead',
    definition: 'The clinician who signs off treatment requirements at the provider.',
  },
  {
    code: 'ld-practitioner',
    display: 'Liaison and Diversion practitioner',
    definition: 'The practitioner who screens the person in custody or at court.',
  },
] as const satisfies readonly HubConcept[];

/** A role a practitioner plays on the pathway. */
export type PractitionerRoleCode = (typeof PRACTITIONER_ROLE_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const PRACTITIONER_ROLE_CODES: readonly PractitionerRoleCode[] = PRACTITIONER_ROLE_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the practitioner-role CodeSystem. */
export const PRACTITIONER_ROLE_SYSTEM = `${HUB_CODE_SYSTEM_BASE}practitioner-role`;
/** Roles of practitioners on the pathway (`PractitionerRole.code`, `CareTeam.participant.role`). */
export const PRACTITIONER_ROLE_CODE_SYSTEM = hubCodeSystem<PractitionerRoleCode>({
  id: 'practitioner-role',
  name: 'CstrPractitionerRole',
  title: 'Pathway practitioner roles',
  description: 'The roles practitioners play on the pathway.',
  concepts: PRACTITIONER_ROLE_CONCEPTS,
});

const RISK_REGISTRATION_TYPE_CONCEPTS = [
  { code: 'rosh', display: 'Risk of serious harm', definition: 'A risk of serious harm (RoSH) level registration.' },
  {
    code: 'mappa',
    display: 'MAPPA',
    definition: 'Multi-Agency Public Protection Arrangements registration (level and category).',
  },
  {
    code: 'other',
    display: 'Other risk registration',
    definition: 'Any other risk registration or alert (e.g. safeguarding, self-harm).',
  },
] as const satisfies readonly HubConcept[];

/** A kind of risk registration. */
export type RiskRegistrationTypeCode = (typeof RISK_REGISTRATION_TYPE_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const RISK_REGISTRATION_TYPE_CODES: readonly RiskRegistrationTypeCode[] = RISK_REGISTRATION_TYPE_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the risk-registration-type CodeSystem. */
export const RISK_REGISTRATION_TYPE_SYSTEM = `${HUB_CODE_SYSTEM_BASE}risk-registration-type`;
/** Kinds of risk registration (`Flag.category`). */
export const RISK_REGISTRATION_TYPE_CODE_SYSTEM = hubCodeSystem<RiskRegistrationTypeCode>({
  id: 'risk-registration-type',
  name: 'CstrRiskRegistrationType',
  title: 'Risk registration types',
  description:
    'Kinds of risk registration shared between probation and treatment providers (service specification row 7).',
  concepts: RISK_REGISTRATION_TYPE_CONCEPTS,
});

const RISK_REGISTER_CONCEPTS = [
  { code: 'RVHR', display: 'Very high RoSH', definition: 'Register: very high risk of serious harm.' },
  { code: 'RHRH', display: 'High RoSH', definition: 'Register: high risk of serious harm.' },
  { code: 'RMRH', display: 'Medium RoSH', definition: 'Register: medium risk of serious harm.' },
  { code: 'RLRH', display: 'Low RoSH', definition: 'Register: low risk of serious harm.' },
  { code: 'MAPP', display: 'MAPPA', definition: 'Register: managed under MAPPA; level and category given with it.' },
  { code: 'ALSH', display: 'Risk to self', definition: 'Register: risk of suicide or self-harm.' },
  { code: 'RCCO', display: 'Child concerns', definition: 'Register: child protection or safeguarding concerns.' },
] as const satisfies readonly HubConcept[];

/** A probation register code the hub knows. */
export type RiskRegisterCode = (typeof RISK_REGISTER_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const RISK_REGISTER_CODES: readonly RiskRegisterCode[] = RISK_REGISTER_CONCEPTS.map((concept) => concept.code);
/** Canonical URL of the risk-register CodeSystem. */
export const RISK_REGISTER_SYSTEM = `${HUB_CODE_SYSTEM_BASE}risk-register`;
/** The probation register codes the hub carries (`Flag.code`); a fragment of the case management system's list. */
export const RISK_REGISTER_CODE_SYSTEM = hubCodeSystem<RiskRegisterCode>({
  id: 'risk-register',
  name: 'CstrRiskRegister',
  title: 'Probation risk registers',
  description: 'Probation risk register codes exchanged on the pathway.',
  concepts: RISK_REGISTER_CONCEPTS,
  content: 'fragment',
});

const RISK_LEVEL_CONCEPTS = [
  { code: 'low', display: 'Low', definition: 'Low risk of serious harm.' },
  { code: 'medium', display: 'Medium', definition: 'Medium risk of serious harm.' },
  { code: 'high', display: 'High', definition: 'High risk of serious harm.' },
  { code: 'very-high', display: 'Very high', definition: 'Very high risk of serious harm.' },
] as const satisfies readonly HubConcept[];

/** A risk of serious harm level. */
export type RiskLevelCode = (typeof RISK_LEVEL_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const RISK_LEVEL_CODES: readonly RiskLevelCode[] = RISK_LEVEL_CONCEPTS.map((concept) => concept.code);
/** Canonical URL of the risk-level CodeSystem. */
export const RISK_LEVEL_SYSTEM = `${HUB_CODE_SYSTEM_BASE}risk-level`;
/** Risk of serious harm levels (`RiskAssessment.prediction.qualitativeRisk`). */
export const RISK_LEVEL_CODE_SYSTEM = hubCodeSystem<RiskLevelCode>({
  id: 'risk-level',
  name: 'CstrRiskLevel',
  title: 'Risk of serious harm levels',
  description: 'Overall risk of serious harm levels.',
  concepts: RISK_LEVEL_CONCEPTS,
});

const ENFORCEMENT_DECISION_CONCEPTS = [
  { code: 'no-action', display: 'No action', definition: 'Absence accepted; no enforcement action.' },
  { code: 'warning', display: 'Warning', definition: 'A formal warning for failure to comply.' },
  {
    code: 'final-warning',
    display: 'Final warning',
    definition: 'A final warning; a further failure leads to breach proceedings.',
  },
  { code: 'breach-proceedings', display: 'Breach proceedings', definition: 'Probation starts breach proceedings.' },
  {
    code: 'return-to-court',
    display: 'Return to court',
    definition: 'The case returns to court (breach or an application to amend or revoke).',
  },
] as const satisfies readonly HubConcept[];

/** Probation's enforcement decision. */
export type EnforcementDecisionCode = (typeof ENFORCEMENT_DECISION_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const ENFORCEMENT_DECISION_CODES: readonly EnforcementDecisionCode[] = ENFORCEMENT_DECISION_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the enforcement-decision CodeSystem. */
export const ENFORCEMENT_DECISION_SYSTEM = `${HUB_CODE_SYSTEM_BASE}enforcement-decision`;
/** Enforcement decisions shared with the treatment provider. */
export const ENFORCEMENT_DECISION_CODE_SYSTEM = hubCodeSystem<EnforcementDecisionCode>({
  id: 'enforcement-decision',
  name: 'CstrEnforcementDecision',
  title: 'Enforcement decisions',
  description: "Probation's decision after a failure to comply, informed by the treatment worker's view.",
  concepts: ENFORCEMENT_DECISION_CONCEPTS,
});

const REQUIREMENT_TERMINATION_CONCEPTS = [
  { code: 'completed', display: 'Completed', definition: 'The requirement was completed.' },
  {
    code: 'revoked',
    display: 'Revoked',
    definition: 'The court revoked the requirement (e.g. on application, or re-sentence).',
  },
  { code: 'breached', display: 'Breached', definition: 'The requirement ended after breach proceedings.' },
] as const satisfies readonly HubConcept[];

/** How a requirement ended. */
export type RequirementTerminationCode = (typeof REQUIREMENT_TERMINATION_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const REQUIREMENT_TERMINATION_CODES: readonly RequirementTerminationCode[] =
  REQUIREMENT_TERMINATION_CONCEPTS.map((concept) => concept.code);
/** Canonical URL of the requirement-termination CodeSystem. */
export const REQUIREMENT_TERMINATION_SYSTEM = `${HUB_CODE_SYSTEM_BASE}requirement-termination`;
/** How probation ended a treatment requirement. */
export const REQUIREMENT_TERMINATION_CODE_SYSTEM = hubCodeSystem<RequirementTerminationCode>({
  id: 'requirement-termination',
  name: 'CstrRequirementTermination',
  title: 'Requirement termination reasons',
  description: 'How a treatment requirement ended.',
  concepts: REQUIREMENT_TERMINATION_CONCEPTS,
});
