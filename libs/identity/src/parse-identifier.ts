/**
 * One entry point for a FHIR `Identifier`: pick the parser from `Identifier.system`.
 */
import { CommonPlatformDefendantIdResult, parseCommonPlatformDefendantId } from './common-platform-defendant-id';
import { CroNumberResult, parseCroNumber } from './cro-number';
import { CrnResult, parseCrn } from './crn';
import { fail, IdentifierFailure, IdentifierKind } from './identifier-result';
import {
  COMMON_PLATFORM_DEFENDANT_ID_SYSTEM,
  CRN_SYSTEM,
  CRO_NUMBER_SYSTEM,
  NHS_NUMBER_SYSTEM,
  PNC_ID_SYSTEM,
} from './identifier-systems';
import { NhsNumberResult, parseNhsNumber } from './nhs-number';
import { parsePncId, PncIdOptions, PncIdResult } from './pnc-id';

/** Why an identifier could not even be given to a parser. */
export type IdentifierSystemErrorCode = 'identifier-system-missing' | 'identifier-system-unsupported';

/** The failure when the system is missing or not one the hub knows; `kind` is `'unknown'`. */
export type IdentifierSystemFailure = IdentifierFailure<'unknown', IdentifierSystemErrorCode>;

/** Any result {@link parseIdentifier} can return. */
export type IdentifierResult =
  | NhsNumberResult
  | CrnResult
  | PncIdResult
  | CroNumberResult
  | CommonPlatformDefendantIdResult
  | IdentifierSystemFailure;

/** Any failed result, e.g. to turn into an OperationOutcome issue. */
export type AnyIdentifierFailure = Extract<IdentifierResult, { ok: false }>;

/** Every stable error code of this lib. */
export type IdentifierErrorCode = AnyIdentifierFailure['code'];

/** Options passed through to the parser that needs them. */
export type ParseIdentifierOptions = PncIdOptions;

/** The identifier kind whose FHIR system URI is `system`, or undefined for any other system. */
export function identifierKindForSystem(system: unknown): IdentifierKind | undefined {
  switch (system) {
    case NHS_NUMBER_SYSTEM:
      return 'nhs-number';
    case CRN_SYSTEM:
      return 'crn';
    case PNC_ID_SYSTEM:
      return 'pnc-id';
    case CRO_NUMBER_SYSTEM:
      return 'cro-number';
    case COMMON_PLATFORM_DEFENDANT_ID_SYSTEM:
      return 'common-platform-defendant-id';
    default:
      return undefined;
  }
}

/**
 * Parses `value` as the identifier named by the FHIR `system` URI (exact match, as FHIR
 * compares systems). A missing or unknown system is a failure with kind `'unknown'`; the system
 * URI is named in the reason because it is configuration, not personal data.
 */
export function parseIdentifier(
  system: unknown,
  value: unknown,
  options: ParseIdentifierOptions = {},
): IdentifierResult {
  if (system === undefined || system === null || system === '') {
    return fail('unknown', 'identifier-system-missing', 'Identifier has no system, so it cannot be validated.');
  }
  const kind = identifierKindForSystem(system);
  switch (kind) {
    case 'nhs-number':
      return parseNhsNumber(value);
    case 'crn':
      return parseCrn(value);
    case 'pnc-id':
      return parsePncId(value, options);
    case 'cro-number':
      return parseCroNumber(value);
    case 'common-platform-defendant-id':
      return parseCommonPlatformDefendantId(value);
    case undefined: {
      const named = typeof system === 'string' ? `'${system.slice(0, 200)}'` : `of type ${typeof system}`;
      return fail(
        'unknown',
        'identifier-system-unsupported',
        `Identifier system ${named} is not one the hub recognises.`,
      );
    }
  }
}
