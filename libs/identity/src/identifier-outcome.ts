/**
 * A refused identifier as a FHIR OperationOutcome issue, so a bad NHS number in an inbound
 * Bundle is reported like every other validation error (STYLE.md habit 2).
 */
import { IssueType, operationOutcome, OperationOutcome, OperationOutcomeIssue } from '@cstr/contracts';
import type { AnyIdentifierFailure, IdentifierErrorCode } from './parse-identifier';

// A Record, not a switch: adding a code without choosing its issue type fails to compile.
const ISSUE_TYPES: Readonly<Record<IdentifierErrorCode, IssueType>> = {
  'nhs-number-format': 'value',
  'nhs-number-placeholder': 'value',
  'nhs-number-check-digit': 'value',
  'crn-format': 'value',
  'pnc-id-format': 'value',
  'pnc-id-check-character': 'value',
  'cro-number-format': 'value',
  'cro-number-check-character': 'value',
  'common-platform-defendant-id-format': 'value',
  'common-platform-defendant-id-placeholder': 'value',
  'identifier-system-missing': 'required',
  'identifier-system-unsupported': 'not-supported',
};

/**
 * The OperationOutcome issue for a failed identifier parse: severity `error`, the reason with
 * its stable code in brackets as `diagnostics`, and `expression` as given by the caller — the
 * FHIRPath of the offending element, e.g. `Patient.identifier[0].value`.
 */
export function identifierIssue(failure: AnyIdentifierFailure, expression: string): OperationOutcomeIssue {
  return identifierOperationOutcome(failure, expression).issue[0];
}

/** An OperationOutcome with the one issue of {@link identifierIssue}. */
export function identifierOperationOutcome(failure: AnyIdentifierFailure, expression: string): OperationOutcome {
  return operationOutcome('error', ISSUE_TYPES[failure.code], `${failure.reason} [${failure.code}]`, [expression]);
}
