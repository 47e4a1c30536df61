/**
 * UK Core resource builders: small functions returning `fhir/r4` resources that claim their
 * UK Core profile (or base R4 where UK Core has none).
 */
export * from './uk-core-profiles';
export * from './resource-ids';
export * from './hub-identifiers';
export * from './codings';
export * from './build-result';
export * from './profiled-resource';
export * from './patient.builder';
export * from './equality.builder';
export * from './party.builders';
export * from './workflow.builders';
export * from './clinical.builders';
export * from './message.builders';
export * from './hub-extensions';
