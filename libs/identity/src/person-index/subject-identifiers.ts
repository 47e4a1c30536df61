/**
 * The strong identifiers of an event's subject: parsed with this lib's parsers, normalised,
 * de-duplicated and put in a fixed order of trust. Bad ones become warnings, not exceptions.
 */
import type { OperationOutcomeIssue } from '@cstr/contracts';
import type { IdentifierKind } from '../identifier-result';
import { identifierIssue } from '../identifier-outcome';
import { parseIdentifier } from '../parse-identifier';
import type { StrongIdentifier } from './person-index.types';

/**
 * Which identifier decides when an event's identifiers point at different persons and they are
 * not merged: the NHS number first (health events are about the NHS patient), then the justice
 * identifiers from the most to the least central.
 */
export const IDENTIFIER_PRIORITY: readonly IdentifierKind[] = [
  'nhs-number',
  'crn',
  'pnc-id',
  'cro-number',
  'common-platform-defendant-id',
];

/** The subject's usable identifiers and what was wrong with the others. */
export interface SubjectIdentifiers {
  /** Valid, normalised, without duplicates; ordered by {@link IDENTIFIER_PRIORITY}, then as given. */
  readonly valid: readonly StrongIdentifier[];
  /** One warning per identifier ignored, with the FHIRPath of the offending element. */
  readonly issues: readonly OperationOutcomeIssue[];
}

/**
 * Parses each `{ system, value }` of a subject. `expressionPrefix` is the FHIRPath of the
 * identifier list in the caller's resource, used in the issues (`Patient.identifier` by default).
 */
export function readSubjectIdentifiers(
  identifiers: unknown,
  expressionPrefix = 'Patient.identifier',
): SubjectIdentifiers {
  if (!Array.isArray(identifiers)) {
    return {
      valid: [],
      issues: [
        {
          severity: 'error',
          code: 'structure',
          diagnostics: 'Subject identifiers must be a list of { system, value }.',
          expression: [expressionPrefix],
        },
      ],
    };
  }
  const valid: { identifier: StrongIdentifier; index: number }[] = [];
  const issues: OperationOutcomeIssue[] = [];
  const seen = new Set<string>();
  identifiers.forEach((entry: unknown, index) => {
    const read = readIdentifier(entry, `${expressionPrefix}[${index}]`);
    if (!read.ok) {
      // The event is still processed: the identifier is only left out of matching.
      issues.push({
        ...read.issue,
        severity: 'warning',
        diagnostics: `${read.issue.diagnostics ?? ''} The identifier was ignored for person matching.`.trim(),
      });
      return;
    }
    const key = identifierKey(read.identifier);
    if (seen.has(key)) return;
    seen.add(key);
    valid.push({ identifier: read.identifier, index });
  });
  valid.sort(
    (a, b) =>
      IDENTIFIER_PRIORITY.indexOf(a.identifier.kind) - IDENTIFIER_PRIORITY.indexOf(b.identifier.kind) ||
      a.index - b.index,
  );
  return { valid: valid.map((entry) => entry.identifier), issues };
}

/**
 * Parses one `{ system, value }` (`element` is its FHIRPath): the normalised identifier, or an
 * error issue saying what is wrong, on `.system` or `.value` as appropriate.
 */
export function readIdentifier(
  entry: unknown,
  element: string,
): { ok: true; identifier: StrongIdentifier } | { ok: false; issue: OperationOutcomeIssue } {
  if (typeof entry !== 'object' || entry === null) {
    return {
      ok: false,
      issue: {
        severity: 'error',
        code: 'structure',
        diagnostics: 'Identifier must be an object with system and value.',
        expression: [element],
      },
    };
  }
  const { system, value } = entry as { system?: unknown; value?: unknown };
  const parsed = parseIdentifier(system, value);
  if (!parsed.ok) {
    const onSystem = parsed.code === 'identifier-system-missing' || parsed.code === 'identifier-system-unsupported';
    return { ok: false, issue: identifierIssue(parsed, `${element}.${onSystem ? 'system' : 'value'}`) };
  }
  return { ok: true, identifier: { system: system as string, value: parsed.value, kind: parsed.kind } };
}

/** A map key for an identifier (system and normalised value). */
export function identifierKey(identifier: { readonly system: string; readonly value: string }): string {
  return `${identifier.system}|${identifier.value}`;
}
