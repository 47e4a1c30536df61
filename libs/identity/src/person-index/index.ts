/**
 * The person index: PostgreSQL-backed linking of person identifiers (the one part of this lib
 * with I/O). Apps run {@link PERSON_INDEX_MIGRATIONS} at boot and use {@link PersonIndex}.
 */
export * from './person-index.types';
export { PersonIndex, PersonIndexContentionError, MAX_POSSIBLE_MATCHES_PER_RESOLVE } from './person-index';
export type { PossibleMatchDecision } from './person-index';
export { PERSON_INDEX_MIGRATIONS, PersonIndexSchema1764460800000 } from './person-index-schema.migration';
export { PERSON_ERASURE_SETTING, PersonIndexErasure1767920000000, type PersonErasure } from './person-erasure';
export { personPartitionKey, MIN_PARTITION_SECRET_LENGTH } from './partition-key';
export { nameBirthDateKey, normaliseNamePart, normaliseBirthDate } from './demographics';
export type { SubjectDemographics } from './demographics';
export { readSubjectIdentifiers, readIdentifier, IDENTIFIER_PRIORITY } from './subject-identifiers';
export { noStrongIdentifier } from './person-index-checks';
export type { SubjectIdentifiers } from './subject-identifiers';
export { planLinks, findConflicts } from './link-plan';
export type { IndexedPerson, LinkPlan, LinkPlanInput } from './link-plan';
