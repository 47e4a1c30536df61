/**
 * Checks and normalises what the hub asks to append, before anything is hashed: a record that
 * cannot be stored and read back exactly (NUL characters, lone surrogates, non-integer versions)
 * would later look tampered with.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@cstr/contracts';
import { identifierKindForSystem, parseIdentifier } from '@cstr/identity';
import {
  AUDIT_KINDS,
  AUDIT_OUTCOMES,
  type AuditKind,
  type AuditOutcome,
  type AuditPersonIdentifier,
  type AuditRecordInput,
} from './audit-record.types';
import type { ChainedContent } from './audit-chain';

/** A checked record, not yet numbered: `recordedAt` is filled in at append time when absent. */
export type CheckedAuditRecord = Omit<ChainedContent, 'seq' | 'recordedAt' | 'format' | 'personKeys'> & {
  readonly recordedAt?: Date;
};

/** The result of {@link checkAuditRecordInput}. */
export type AuditRecordCheck =
  | { readonly ok: true; readonly record: CheckedAuditRecord }
  | { readonly ok: false; readonly issues: OperationOutcomeIssue[] };

/** Raised by `AuditLog.append` for a record the hub built wrongly; carries the OperationOutcome. */
export class InvalidAuditRecordError extends Error {
  readonly code = 'invalid-audit-record';
  constructor(readonly outcome: OperationOutcome) {
    super(`Invalid audit record: ${outcome.issue.map((issue) => issue.diagnostics).join('; ')}`);
    this.name = 'InvalidAuditRecordError';
  }
}

const MAX_TEXT = 512;
const MAX_REASON = 4000;
const MAX_LIST = 10_000;
// eslint-disable-next-line no-control-regex -- NUL is exactly what PostgreSQL text refuses.
const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const OUTCOMES_OF_KIND: Readonly<Record<AuditKind, readonly AuditOutcome[]>> = {
  decision: ['delivered', 'refused'],
  read: ['read'],
  'refusal-at-ingress': ['refused'],
  'dead-letter': ['dead-lettered'],
  'kept-by-hub': ['kept'],
  'operator-action': ['performed'],
};

/** Checks one input of `AuditLog.append`; `path` names it in issue expressions. */
export function checkAuditRecordInput(input: unknown, path = 'AuditRecordInput'): AuditRecordCheck {
  const issues: OperationOutcomeIssue[] = [];
  const problem = (code: OperationOutcomeIssue['code'], diagnostics: string, field: string): void => {
    issues.push({ severity: 'error', code, diagnostics, expression: [`${path}.${field}`] });
  };
  if (!isPlainObject(input)) {
    return {
      ok: false,
      issues: [
        { severity: 'error', code: 'structure', diagnostics: 'An audit record must be an object.', expression: [path] },
      ],
    };
  }
  const raw = input as Partial<Record<keyof AuditRecordInput, unknown>>;

  const text = (field: keyof AuditRecordInput, max = MAX_TEXT): string | null => {
    const value = raw[field];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') {
      problem('structure', `${field} must be a string.`, field);
      return null;
    }
    const reason = textProblem(value, max);
    if (reason) problem('value', `${field} ${reason}.`, field);
    return reason ? null : value;
  };

  const kind = raw.kind;
  const outcome = raw.outcome;
  if (!(AUDIT_KINDS as readonly unknown[]).includes(kind))
    problem('code-invalid', `kind must be one of ${AUDIT_KINDS.join(', ')}.`, 'kind');
  if (!(AUDIT_OUTCOMES as readonly unknown[]).includes(outcome))
    problem('code-invalid', `outcome must be one of ${AUDIT_OUTCOMES.join(', ')}.`, 'outcome');

  let recordedAt: Date | undefined;
  if (raw.recordedAt !== undefined) {
    const year = raw.recordedAt instanceof Date ? raw.recordedAt.getUTCFullYear() : Number.NaN;
    if (year >= 2000 && year <= 9999) recordedAt = new Date((raw.recordedAt as Date).getTime());
    else problem('value', 'recordedAt must be a valid Date between the years 2000 and 9999.', 'recordedAt');
  }

  const record = {
    eventId: text('eventId'),
    eventType: text('eventType'),
    sender: text('sender'),
    recipient: text('recipient'),
    flowId: text('flowId'),
    refusingRule: text('refusingRule'),
    consentReference: text('consentReference'),
    actor: text('actor'),
    reason: text('reason', MAX_REASON),
    agreement: checkAgreement(raw.agreement, problem),
    legalBasis: checkLegalBasis(raw.legalBasis, problem),
    removedElements: checkRemovedElements(raw.removedElements, problem),
    personIdentifiers: checkPersonIdentifiers(raw.personIdentifiers, problem),
  };

  if (issues.length === 0) {
    const k = kind as AuditKind;
    const o = outcome as AuditOutcome;
    if (!OUTCOMES_OF_KIND[k].includes(o))
      problem('invariant', `A ${k} record has outcome ${OUTCOMES_OF_KIND[k].join(' or ')}, not ${o}.`, 'outcome');
    if ((k === 'read' || k === 'operator-action') && !record.actor)
      problem('required', `A ${k} record names its actor.`, 'actor');
    if (k === 'kept-by-hub' && !record.eventId)
      problem('required', 'A kept-by-hub record names its eventId.', 'eventId');
    if (k === 'decision') {
      for (const field of ['eventId', 'eventType', 'sender', 'recipient'] as const) {
        if (!record[field]) problem('required', `A decision record names its ${field}.`, field);
      }
    }
    if (o === 'delivered') {
      if (!record.agreement) problem('required', 'A delivery names the agreement it was made under.', 'agreement');
      if (!record.flowId) problem('required', 'A delivery names the agreement flow that allowed it.', 'flowId');
    }
    if (o === 'refused' && !record.refusingRule)
      problem('required', 'A refusal names the rule that refused it.', 'refusingRule');
  }
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    record: {
      ...record,
      kind: kind as AuditKind,
      outcome: outcome as AuditOutcome,
      ...(recordedAt ? { recordedAt } : {}),
    },
  };
}

/** Why `value` cannot be stored as text, or undefined. */
function textProblem(value: string, max: number): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > max) return `is longer than ${max} characters`;
  if (NUL.test(value)) return 'contains a NUL character';
  if (LONE_SURROGATE.test(value)) return 'is not well-formed Unicode';
  return undefined;
}

type Problem = (code: OperationOutcomeIssue['code'], diagnostics: string, field: string) => void;

function checkAgreement(value: unknown, problem: Problem): CheckedAuditRecord['agreement'] {
  if (value === undefined || value === null) return null;
  if (!isPlainObject(value)) {
    problem('structure', 'agreement must be { id, version }.', 'agreement');
    return null;
  }
  const { id, version } = value as { id?: unknown; version?: unknown };
  const idProblem = typeof id === 'string' ? textProblem(id, MAX_TEXT) : 'must be a string';
  if (idProblem) problem('value', `agreement.id ${idProblem}.`, 'agreement.id');
  const versionOk = typeof version === 'number' && Number.isSafeInteger(version) && version > 0;
  if (!versionOk) problem('value', 'agreement.version must be a positive integer.', 'agreement.version');
  return !idProblem && versionOk ? { id: id as string, version: version as number } : null;
}

function checkLegalBasis(value: unknown, problem: Problem): CheckedAuditRecord['legalBasis'] {
  if (value === undefined || value === null) return null;
  if (!isPlainObject(value)) {
    problem('structure', 'legalBasis must be an object of texts.', 'legalBasis');
    return null;
  }
  const basis: Record<string, string> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const reason =
      textProblem(key, MAX_TEXT) ?? (typeof item === 'string' ? textProblem(item, MAX_REASON) : 'must be a string');
    if (reason) problem('value', `legalBasis.${key} ${reason}.`, `legalBasis.${key}`);
    else basis[key] = item as string;
  }
  return basis;
}

function checkRemovedElements(value: unknown, problem: Problem): readonly string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_LIST) {
    problem('structure', `removedElements must be a list of at most ${MAX_LIST} texts.`, 'removedElements');
    return [];
  }
  value.forEach((item, index) => {
    const reason = typeof item === 'string' ? textProblem(item, MAX_REASON) : 'must be a string';
    if (reason) problem('value', `removedElements[${index}] ${reason}.`, `removedElements[${index}]`);
  });
  return value as string[];
}

/**
 * Person identifiers, normalised as the identity lib normalises them (so a search by the
 * normalised value finds the record), without duplicates. A value a known system's parser
 * refuses is kept as given (trimmed): the audit records what the event carried.
 */
function checkPersonIdentifiers(value: unknown, problem: Problem): readonly AuditPersonIdentifier[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > 100) {
    problem('structure', 'personIdentifiers must be a list of at most 100 { system, value }.', 'personIdentifiers');
    return [];
  }
  const identifiers = new Map<string, AuditPersonIdentifier>();
  value.forEach((item: unknown, index) => {
    const field = `personIdentifiers[${index}]`;
    if (!isPlainObject(item)) return problem('structure', `${field} must be { system, value }.`, field);
    const { system, value: raw } = item as { system?: unknown; value?: unknown };
    const reason =
      (typeof system === 'string' ? textProblem(system, MAX_TEXT) : 'must be a string') ??
      (typeof raw === 'string' ? textProblem(raw.trim(), MAX_TEXT) : 'must be a string');
    if (reason) return problem('value', `${field} ${reason}.`, field);
    const normalised = normaliseIdentifierValue(system as string, raw as string);
    identifiers.set(`${system as string}|${normalised}`, { system: system as string, value: normalised });
  });
  return [...identifiers.values()];
}

/** The normalised form of an identifier value of `system` (trimmed when the system is not one the hub parses). */
export function normaliseIdentifierValue(system: string, value: string): string {
  if (identifierKindForSystem(system)) {
    const parsed = parseIdentifier(system, value);
    if (parsed.ok) return parsed.value;
  }
  return value.trim();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
