/** The typed input of every catalogue event, and its FHIR message Bundle. */
export * from './event-inputs';
export { buildEventBundle, tryBuildEventBundle, eventInputOutcome, envelopeIssues } from './event-bundle.builder';
export { treatmentStartDetail, treatmentStartOf, type TreatmentStart } from './treatment-start';
