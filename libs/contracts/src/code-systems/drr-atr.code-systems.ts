/**
 * Code systems of the drug and alcohol treatment requirements (DRR, ATR): drug tests, court
 * reviews and treatment starts (supporting community order treatment requirements 2014).
 */
import { HUB_CODE_SYSTEM_BASE, hubCodeSystem, type HubConcept } from './hub-code-system';

const DRUG_TEST_SUBSTANCE_CONCEPTS = [
  { code: 'opiates', display: 'Opiates', definition: 'Opiates (heroin, morphine, codeine).' },
  { code: 'cocaine', display: 'Cocaine', definition: 'Cocaine and crack cocaine (benzoylecgonine).' },
  { code: 'amphetamines', display: 'Amphetamines', definition: 'Amphetamine and methamphetamine.' },
  { code: 'benzodiazepines', display: 'Benzodiazepines', definition: 'Benzodiazepines.' },
  { code: 'cannabis', display: 'Cannabis', definition: 'Cannabis (THC).' },
  { code: 'methadone', display: 'Methadone', definition: 'Methadone (prescribed or not).' },
  { code: 'buprenorphine', display: 'Buprenorphine', definition: 'Buprenorphine (prescribed or not).' },
  { code: 'other', display: 'Other substance', definition: 'Another substance the test panel covers.' },
] as const satisfies readonly HubConcept[];

/** A substance a DRR drug test tests for. */
export type DrugTestSubstanceCode = (typeof DRUG_TEST_SUBSTANCE_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const DRUG_TEST_SUBSTANCE_CODES: readonly DrugTestSubstanceCode[] = DRUG_TEST_SUBSTANCE_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the drug-test-substance CodeSystem. */
export const DRUG_TEST_SUBSTANCE_SYSTEM = `${HUB_CODE_SYSTEM_BASE}drug-test-substance`;
/** The substances of a DRR drug test (`Observation.code`, after the observation type). */
export const DRUG_TEST_SUBSTANCE_CODE_SYSTEM = hubCodeSystem<DrugTestSubstanceCode>({
  id: 'drug-test-substance',
  name: 'CstrDrugTestSubstance',
  title: 'Drug test substances',
  description:
    'The substances a drug test under a Drug Rehabilitation Requirement tests for: those most associated with the offending regularly, others intermittently (supporting community order treatment requirements 2014, Testing).',
  concepts: DRUG_TEST_SUBSTANCE_CONCEPTS,
});

const DRUG_TEST_RESULT_CONCEPTS = [
  { code: 'positive', display: 'Positive', definition: 'The substance was found in the sample.' },
  { code: 'negative', display: 'Negative', definition: 'The substance was not found in the sample.' },
  {
    code: 'inconclusive',
    display: 'Inconclusive',
    definition: 'The sample could not be read for this substance (spoilt, diluted, kit failure).',
  },
  { code: 'refused', display: 'Sample refused', definition: 'The person refused to give a sample.' },
] as const satisfies readonly HubConcept[];

/** The result of one substance of a drug test. */
export type DrugTestResultCode = (typeof DRUG_TEST_RESULT_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const DRUG_TEST_RESULT_CODES: readonly DrugTestResultCode[] = DRUG_TEST_RESULT_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the drug-test-result CodeSystem. */
export const DRUG_TEST_RESULT_SYSTEM = `${HUB_CODE_SYSTEM_BASE}drug-test-result`;
/** The result per substance of a drug test (`Observation.valueCodeableConcept`). */
export const DRUG_TEST_RESULT_CODE_SYSTEM = hubCodeSystem<DrugTestResultCode>({
  id: 'drug-test-result',
  name: 'CstrDrugTestResult',
  title: 'Drug test results',
  description: 'The result of a drug test for one substance.',
  concepts: DRUG_TEST_RESULT_CONCEPTS,
});

const COURT_REVIEW_OUTCOME_CONCEPTS = [
  {
    code: 'progress-satisfactory',
    display: 'Progress satisfactory',
    definition: 'The court found progress on the requirement satisfactory; the order continues as made.',
  },
  {
    code: 'progress-unsatisfactory',
    display: 'Progress unsatisfactory',
    definition: 'The court found progress unsatisfactory; the order continues, to be reviewed again.',
  },
  {
    code: 'requirement-amended',
    display: 'Requirement amended',
    definition:
      'The court amended the requirement (treatment, testing frequency or reviews) with the offender expressing willingness to comply.',
  },
  {
    code: 'order-revoked',
    display: 'Order revoked',
    definition:
      'The court revoked the order and dealt with the offender again (for instance when the offender is no longer willing to comply).',
  },
  { code: 'adjourned', display: 'Review adjourned', definition: 'The review hearing was adjourned to another date.' },
] as const satisfies readonly HubConcept[];

/** What the court decided at a review of a requirement. */
export type CourtReviewOutcomeCode = (typeof COURT_REVIEW_OUTCOME_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const COURT_REVIEW_OUTCOME_CODES: readonly CourtReviewOutcomeCode[] = COURT_REVIEW_OUTCOME_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the court-review-outcome CodeSystem. */
export const COURT_REVIEW_OUTCOME_SYSTEM = `${HUB_CODE_SYSTEM_BASE}court-review-outcome`;
/** Outcomes of a court review of a DRR (Criminal Justice Act 2003 ss210-211). */
export const COURT_REVIEW_OUTCOME_CODE_SYSTEM = hubCodeSystem<CourtReviewOutcomeCode>({
  id: 'court-review-outcome',
  name: 'CstrCourtReviewOutcome',
  title: 'Court review outcomes',
  description: 'What the court decided at a review hearing of a Drug Rehabilitation Requirement.',
  concepts: COURT_REVIEW_OUTCOME_CONCEPTS,
});

const TREATMENT_MODALITY_CONCEPTS = [
  {
    code: 'structured-psychosocial',
    display: 'Structured psychosocial intervention',
    definition: 'Structured, care-planned counselling or psychosocial treatment.',
  },
  { code: 'specialist-prescribing', display: 'Specialist prescribing', definition: 'Specialist prescribing.' },
  { code: 'gp-prescribing', display: 'GP prescribing', definition: 'Prescribing by a GP under shared care.' },
  {
    code: 'inpatient-detoxification',
    display: 'Inpatient detoxification',
    definition: 'Admission for inpatient detoxification.',
  },
  {
    code: 'residential-rehabilitation',
    display: 'Residential rehabilitation',
    definition: 'Admission to residential rehabilitation.',
  },
  { code: 'structured-day-care', display: 'Structured day care', definition: 'A structured day programme.' },
  { code: 'other', display: 'Other treatment', definition: 'Another treatment intervention.' },
] as const satisfies readonly HubConcept[];

/** How treatment under a requirement started. */
export type TreatmentModalityCode = (typeof TREATMENT_MODALITY_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const TREATMENT_MODALITY_CODES: readonly TreatmentModalityCode[] = TREATMENT_MODALITY_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the treatment-modality CodeSystem. */
export const TREATMENT_MODALITY_SYSTEM = `${HUB_CODE_SYSTEM_BASE}treatment-modality`;
/** The treatment a requirement started with (supporting community order treatment requirements 2014: DRR service provision). */
export const TREATMENT_MODALITY_CODE_SYSTEM = hubCodeSystem<TreatmentModalityCode>({
  id: 'treatment-modality',
  name: 'CstrTreatmentModality',
  title: 'Treatment modalities',
  description:
    'The treatment a requirement started with; many DRR and ATR starts are not an appointment (a prescription, an admission).',
  concepts: TREATMENT_MODALITY_CONCEPTS,
});
