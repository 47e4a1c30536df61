/**
 * libs/fhir — UK Core resource builders, the message-Bundle builder of every event of the
 * catalogue, the validator against the UK Core kit, and the mappers from partner-native formats.
 */
export * from './validation';
export * from './events';
export * from './builders';
export * from './mappers';
