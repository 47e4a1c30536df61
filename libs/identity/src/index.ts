/**
 * libs/identity — person identifiers (NHS number, CRN, PNC ID, CRO number, Common Platform
 * defendant id): parse, normalise, validate — pure functions; bad input gives a typed failure
 * with a stable code, never an exception. And the person index (PostgreSQL): identifiers seen
 * together in trusted events linked to one person; link, merge, unlink and possible matches recorded.
 */
export type {
  IdentifierFailure,
  IdentifierKind,
  IdentifierParseResult,
  IdentifierSuccess,
  IdentifierValue,
} from './identifier-result';
export * from './identifier-systems';
export { MOD23_CHECK_LETTERS, mod23CheckLetter, nhsNumberCheckDigit } from './check-characters';
export * from './nhs-number';
export * from './crn';
export * from './pnc-id';
export * from './cro-number';
export * from './common-platform-defendant-id';
export * from './parse-identifier';
export * from './identifier-outcome';
export * from './person-index';
