/** Treatment code systems: appointments, assessments, attendance, progress, episodes. */
import { HUB_CODE_SYSTEM_BASE, hubCodeSystem, type HubConcept } from './hub-code-system';

const NON_ATTENDANCE_SIGNIFICANCE_CONCEPTS = [
  {
    code: 'acceptable',
    display: 'Acceptable absence',
    definition:
      "In the treatment worker's view the absence is acceptable in the light of the person's condition and treatment (service specification row 6).",
  },
  {
    code: 'unacceptable',
    display: 'Unacceptable absence',
    definition:
      "In the treatment worker's view the absence is not explained by the person's condition or treatment; probation may consider enforcement.",
  },
  {
    code: 'logistics',
    display: 'Logistical reason',
    definition:
      'The absence had a practical cause (transport, clash with another appointment, provider cancellation) rather than a clinical one.',
  },
] as const satisfies readonly HubConcept[];

/** The treatment worker's view of a missed appointment. */
export type NonAttendanceSignificanceCode = (typeof NON_ATTENDANCE_SIGNIFICANCE_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const NON_ATTENDANCE_SIGNIFICANCE_CODES: readonly NonAttendanceSignificanceCode[] =
  NON_ATTENDANCE_SIGNIFICANCE_CONCEPTS.map((concept) => concept.code);
/** Canonical URL of the non-attendance-significance CodeSystem. */
export const NON_ATTENDANCE_SIGNIFICANCE_SYSTEM = `${HUB_CODE_SYSTEM_BASE}non-attendance-significance`;
/** The significance of a failure to attend, as the treatment worker sees it (no clinical detail). */
export const NON_ATTENDANCE_SIGNIFICANCE_CODE_SYSTEM = hubCodeSystem<NonAttendanceSignificanceCode>({
  id: 'non-attendance-significance',
  name: 'CstrNonAttendanceSignificance',
  title: 'Significance of non-attendance',
  description:
    "The treatment worker's view of the significance of a failure to attend, shared with the responsible officer.",
  concepts: NON_ATTENDANCE_SIGNIFICANCE_CONCEPTS,
});

const APPOINTMENT_TYPE_CONCEPTS = [
  { code: 'assessment', display: 'Assessment', definition: 'A suitability or in-depth assessment appointment.' },
  {
    code: 'three-way-meeting',
    display: 'Three-way meeting',
    definition:
      'Meeting of the person, the responsible officer and the treatment practitioner to set goals and sequencing.',
  },
  {
    code: 'four-way-meeting',
    display: 'Four-way meeting',
    definition: 'Three-way meeting joined by a fourth party (e.g. a DRR or ATR worker) for a combined order.',
  },
  {
    code: 'treatment-session',
    display: 'Treatment session',
    definition: 'A treatment session under the requirement (typically 50 minutes).',
  },
  { code: 'review', display: 'Review', definition: 'A progress or end-of-treatment review.' },
  { code: 'court-hearing', display: 'Court hearing', definition: 'A listed court hearing.' },
  {
    code: 'court-review',
    display: 'Court review hearing',
    definition:
      "A court review of a requirement's progress (a DRR under Criminal Justice Act 2003 s210), on a written report from probation.",
  },
] as const satisfies readonly HubConcept[];

/** A kind of appointment. */
export type AppointmentTypeCode = (typeof APPOINTMENT_TYPE_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const APPOINTMENT_TYPE_CODES: readonly AppointmentTypeCode[] = APPOINTMENT_TYPE_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the appointment-type CodeSystem. */
export const APPOINTMENT_TYPE_SYSTEM = `${HUB_CODE_SYSTEM_BASE}appointment-type`;
/** Kinds of appointment on the pathway (`Appointment.serviceType`). */
export const APPOINTMENT_TYPE_CODE_SYSTEM = hubCodeSystem<AppointmentTypeCode>({
  id: 'appointment-type',
  name: 'CstrAppointmentType',
  title: 'Pathway appointment types',
  description: 'Kinds of appointment exchanged on the pathway.',
  concepts: APPOINTMENT_TYPE_CONCEPTS,
});

const SUITABILITY_OUTCOME_CONCEPTS = [
  {
    code: 'suitable',
    display: 'Suitable',
    definition: 'The practitioner assessed the person as suitable for the treatment requirement.',
  },
  {
    code: 'not-suitable',
    display: 'Not suitable',
    definition: 'The practitioner assessed the person as not suitable; the reason is given.',
  },
] as const satisfies readonly HubConcept[];

/** Outcome of a suitability assessment. */
export type SuitabilityOutcomeCode = (typeof SUITABILITY_OUTCOME_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const SUITABILITY_OUTCOME_CODES: readonly SuitabilityOutcomeCode[] = SUITABILITY_OUTCOME_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the suitability-outcome CodeSystem. */
export const SUITABILITY_OUTCOME_SYSTEM = `${HUB_CODE_SYSTEM_BASE}suitability-outcome`;
/** Outcomes of a practitioner's suitability assessment. */
export const SUITABILITY_OUTCOME_CODE_SYSTEM = hubCodeSystem<SuitabilityOutcomeCode>({
  id: 'suitability-outcome',
  name: 'CstrSuitabilityOutcome',
  title: 'Suitability assessment outcomes',
  description: "The practitioner's finding on suitability for a treatment requirement.",
  concepts: SUITABILITY_OUTCOME_CONCEPTS,
});

const CLINICAL_LEAD_DECISION_CONCEPTS = [
  { code: 'approved', display: 'Approved', definition: 'The Clinical Lead signed off the treatment requirement.' },
  {
    code: 'declined',
    display: 'Declined',
    definition: 'The Clinical Lead declined the treatment requirement; the reason is given.',
  },
] as const satisfies readonly HubConcept[];

/** The Clinical Lead's decision. */
export type ClinicalLeadDecisionCode = (typeof CLINICAL_LEAD_DECISION_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const CLINICAL_LEAD_DECISION_CODES: readonly ClinicalLeadDecisionCode[] = CLINICAL_LEAD_DECISION_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the clinical-lead-decision CodeSystem. */
export const CLINICAL_LEAD_DECISION_SYSTEM = `${HUB_CODE_SYSTEM_BASE}clinical-lead-decision`;
/** Clinical Lead sign-off decisions. */
export const CLINICAL_LEAD_DECISION_CODE_SYSTEM = hubCodeSystem<ClinicalLeadDecisionCode>({
  id: 'clinical-lead-decision',
  name: 'CstrClinicalLeadDecision',
  title: 'Clinical Lead decisions',
  description: "The Clinical Lead's sign-off of a proposed treatment requirement.",
  concepts: CLINICAL_LEAD_DECISION_CONCEPTS,
});

const ENGAGEMENT_LEVEL_CONCEPTS = [
  { code: 'good', display: 'Good engagement', definition: 'Attends and engages with treatment as planned.' },
  { code: 'partial', display: 'Partial engagement', definition: 'Attends or engages some of the time.' },
  { code: 'poor', display: 'Poor engagement', definition: 'Rarely attends or engages.' },
] as const satisfies readonly HubConcept[];

/** Level of engagement with treatment. */
export type EngagementLevelCode = (typeof ENGAGEMENT_LEVEL_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const ENGAGEMENT_LEVEL_CODES: readonly EngagementLevelCode[] = ENGAGEMENT_LEVEL_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the engagement-level CodeSystem. */
export const ENGAGEMENT_LEVEL_SYSTEM = `${HUB_CODE_SYSTEM_BASE}engagement-level`;
/** Engagement with treatment, for the summary shared with probation. */
export const ENGAGEMENT_LEVEL_CODE_SYSTEM = hubCodeSystem<EngagementLevelCode>({
  id: 'engagement-level',
  name: 'CstrEngagementLevel',
  title: 'Engagement levels',
  description: 'How the person engages with treatment, as summarised for probation.',
  concepts: ENGAGEMENT_LEVEL_CONCEPTS,
});

const EPISODE_END_REASON_CONCEPTS = [
  { code: 'completed', display: 'Completed', definition: 'Treatment completed as planned.' },
  {
    code: 'discharged',
    display: 'Discharged',
    definition: 'Discharged before the planned end (e.g. transferred to other care).',
  },
  {
    code: 'disengaged',
    display: 'Disengaged',
    definition: 'The person stopped engaging and was discharged (unplanned discharge).',
  },
] as const satisfies readonly HubConcept[];

/** Why a treatment episode ended. */
export type EpisodeEndReasonCode = (typeof EPISODE_END_REASON_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const EPISODE_END_REASON_CODES: readonly EpisodeEndReasonCode[] = EPISODE_END_REASON_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the episode-end-reason CodeSystem. */
export const EPISODE_END_REASON_SYSTEM = `${HUB_CODE_SYSTEM_BASE}episode-end-reason`;
/** Reasons a treatment episode ended (minimum dataset: unplanned discharge reasons). */
export const EPISODE_END_REASON_CODE_SYSTEM = hubCodeSystem<EpisodeEndReasonCode>({
  id: 'episode-end-reason',
  name: 'CstrEpisodeEndReason',
  title: 'Treatment episode end reasons',
  description: 'Why the treatment episode ended.',
  concepts: EPISODE_END_REASON_CONCEPTS,
});

const OUTCOME_STAGE_CONCEPTS = [
  { code: 'baseline', display: 'Baseline', definition: 'Measured at the start of treatment (pre).' },
  { code: 'review', display: 'Review', definition: 'Measured during treatment.' },
  { code: 'discharge', display: 'Discharge', definition: 'Measured at the end of treatment (post).' },
] as const satisfies readonly HubConcept[];

/** When in treatment an outcome measure was taken. */
export type OutcomeStageCode = (typeof OUTCOME_STAGE_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const OUTCOME_STAGE_CODES: readonly OutcomeStageCode[] = OUTCOME_STAGE_CONCEPTS.map((concept) => concept.code);
/** Canonical URL of the outcome-stage CodeSystem. */
export const OUTCOME_STAGE_SYSTEM = `${HUB_CODE_SYSTEM_BASE}outcome-stage`;
/** Stages at which outcome measures are taken (pre/post comparison in the minimum dataset). */
export const OUTCOME_STAGE_CODE_SYSTEM = hubCodeSystem<OutcomeStageCode>({
  id: 'outcome-stage',
  name: 'CstrOutcomeStage',
  title: 'Outcome measure stages',
  description: 'When an outcome measure was taken.',
  concepts: OUTCOME_STAGE_CONCEPTS,
});

const OBSERVATION_TYPE_CONCEPTS = [
  {
    code: 'ld-screening',
    display: 'L&D screening',
    definition: 'Category of the observations recorded by a Liaison & Diversion screening.',
  },
  {
    code: 'non-attendance-significance',
    display: 'Significance of non-attendance',
    definition:
      "The treatment worker's view of a missed appointment; value from the non-attendance-significance CodeSystem.",
  },
  {
    code: 'notify-officer',
    display: 'Notify responsible officer',
    definition: 'The treatment worker asks the responsible officer to act now (boolean).',
  },
  {
    code: 'suitability',
    display: 'Suitability for treatment requirement',
    definition: "The practitioner's suitability finding; value from the suitability-outcome CodeSystem.",
  },
  {
    code: 'clinical-lead-decision',
    display: 'Clinical Lead decision',
    definition: "The Clinical Lead's sign-off; value from the clinical-lead-decision CodeSystem.",
  },
  {
    code: 'engagement-summary',
    display: 'Engagement summary',
    definition: 'Summary of engagement with treatment; value from the engagement-level CodeSystem, note as text.',
  },
  {
    code: 'sessions-attended',
    display: 'Sessions attended',
    definition: 'Number of treatment sessions attended in the period (component of the engagement summary).',
  },
  {
    code: 'sessions-offered',
    display: 'Sessions offered',
    definition: 'Number of treatment sessions offered in the period (component of the engagement summary).',
  },
  {
    code: 'outcome-score-core-34',
    display: 'CORE-34 score',
    definition: 'Clinical Outcomes in Routine Evaluation (34 items) total score, 0-136.',
  },
  {
    code: 'outcome-score-phq-9',
    display: 'PHQ-9 score',
    definition: 'Patient Health Questionnaire (9 items) total score, 0-27.',
  },
  {
    code: 'outcome-score-gad-7',
    display: 'GAD-7 score',
    definition: 'Generalised Anxiety Disorder (7 items) total score, 0-21.',
  },
  {
    code: 'outcome-score-audit',
    display: 'AUDIT score',
    definition:
      'Alcohol Use Disorders Identification Test total score, 0-40, at ATR assessment and after (outcome score: the hub reporting only).',
  },
  {
    code: 'drug-test-result',
    display: 'Drug test result',
    definition:
      'The result of a drug test for one substance (code: also the drug-test-substance; value from the drug-test-result CodeSystem; effective: the sample date).',
  },
  {
    code: 'outcome-stage',
    display: 'Outcome measure stage',
    definition: 'When the score was taken (component); value from the outcome-stage CodeSystem.',
  },
] as const satisfies readonly HubConcept[];

/** A hub observation type. */
export type ObservationTypeCode = (typeof OBSERVATION_TYPE_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const OBSERVATION_TYPE_CODES: readonly ObservationTypeCode[] = OBSERVATION_TYPE_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the observation-type CodeSystem (agreements filter Observations on it). */
export const OBSERVATION_TYPE_SYSTEM = `${HUB_CODE_SYSTEM_BASE}observation-type`;
/** What a hub Observation records: `Observation.code` (and some categories and components). */
export const OBSERVATION_TYPE_CODE_SYSTEM = hubCodeSystem<ObservationTypeCode>({
  id: 'observation-type',
  name: 'CstrObservationType',
  title: 'Pathway observation types',
  description:
    'Observations exchanged on the pathway; information-sharing agreements select Observations by these codes.',
  concepts: OBSERVATION_TYPE_CONCEPTS,
});

const REQUEST_TYPE_CONCEPTS = [
  {
    code: 'treatment-requirement',
    display: 'Treatment requirement',
    definition: 'A treatment requirement imposed by the court, to be delivered by a treatment provider.',
  },
  {
    code: 'suitability-assessment',
    display: 'Suitability assessment',
    definition: 'An assessment of suitability for a treatment requirement, for a pre-sentence report.',
  },
  {
    code: 'onward-referral',
    display: 'Onward referral',
    definition: 'Referral to onward care at the end of a treatment episode.',
  },
] as const satisfies readonly HubConcept[];

/** A kind of service request. */
export type RequestTypeCode = (typeof REQUEST_TYPE_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const REQUEST_TYPE_CODES: readonly RequestTypeCode[] = REQUEST_TYPE_CONCEPTS.map((concept) => concept.code);
/** Canonical URL of the request-type CodeSystem. */
export const REQUEST_TYPE_SYSTEM = `${HUB_CODE_SYSTEM_BASE}request-type`;
/** Kinds of `ServiceRequest` on the pathway (`ServiceRequest.category`). */
export const REQUEST_TYPE_CODE_SYSTEM = hubCodeSystem<RequestTypeCode>({
  id: 'request-type',
  name: 'CstrRequestType',
  title: 'Pathway request types',
  description: 'The kinds of service request exchanged on the pathway.',
  concepts: REQUEST_TYPE_CONCEPTS,
});
