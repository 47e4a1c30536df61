/**
 * Partner-native formats → typed event inputs of the catalogue. Pure functions, no I/O; malformed
 * input gives an `invalid` result carrying an OperationOutcome, never an exception.
 */
export type { IgnoredPayload, InvalidPayload, MappedEvents, MapResult, MappingContext } from './map-result';
export * from './common-platform-hearing.types';
export { mapHearingListed, mapHearingResulted } from './common-platform-hearing.mapper';
export * from './libra-case.mapper';
export * from './hmpps-domain-event.mapper';
export * from './ld-screening.mapper';
export * from './pds-patient.mapper';
export * from './provider-fhir.mapper';
