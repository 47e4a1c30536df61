/**
 * libs/fhir — UK Core resource builders, the message-Bundle builder of every event of the
 * catalogue, the validator against the UK Core kit, the mappers from partner-native formats, and
 * the readers of a message Bundle (its Patient, its resources of a type, references between them).
 */
export * from './validation';
export * from './events';
export * from './builders';
export * from './mappers';
export * from './bundle/bundle-reading';
