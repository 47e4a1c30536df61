/**
 * Audit queries as SQL, built from filters that come from HTTP requests: every filter is checked
 * first, and bad input gives an OperationOutcome, never an exception or a malformed query.
 */
import { operationOutcomeOf, type OperationOutcome, type OperationOutcomeIssue } from '@cstr/contracts';
import { IDENTIFIER_SYSTEMS, parseIdentifier } from '@cstr/identity';
import {
  AUDIT_KINDS,
  AUDIT_OUTCOMES,
  type AuditPageRequest,
  type AuditPeriod,
  type AuditPersonFilter,
  type AuditSearchFilter,
} from './audit-record.types';
import { normaliseIdentifierValue } from './audit-record.validation';

/** The most records one page may hold. */
export const MAX_PAGE_LIMIT = 1000;

/** A parameterised SQL statement. */
export interface SqlQuery {
  readonly sql: string;
  readonly params: unknown[];
}

/** A checked query, or the OperationOutcome saying what is wrong with the request. */
export type QueryBuild<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly outcome: OperationOutcome };

/** Columns of `audit_record` every reader selects. */
export const AUDIT_RECORD_COLUMNS =
  'seq, recorded_at, kind, outcome, event_id, event_type, sender, recipient, agreement_id, agreement_version, flow_id, refusing_rule, legal_basis, consent_reference, removed_elements, actor, person_identifiers, reason, prev_hash, hash, key_id, ' +
  'format, person_keys, identifiers_change, identifiers_changed_at, identifiers_key_id, identifiers_mac';

const CURSOR = /^[1-9][0-9]{0,15}$/;

/** The statement of one search page; it asks for one record more than `limit` to know whether a next page exists. */
export function buildSearchQuery(
  filter: AuditSearchFilter,
  page: AuditPageRequest,
): QueryBuild<{ query: SqlQuery; limit: number }> {
  const issues: OperationOutcomeIssue[] = [];
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const f: Partial<Record<keyof AuditSearchFilter, unknown>> = filter ?? {};

  if (f.person !== undefined) {
    const containments = personContainments(f.person as AuditPersonFilter);
    if (containments === undefined)
      issues.push(issue('value', 'person must be an identifier value, or { system, value }.', 'person'));
    else where.push(`(${containments.map((json) => `person_identifiers @> ${param(json)}::jsonb`).join(' OR ')})`);
  }
  if (f.partner !== undefined) {
    if (!isShortText(f.partner)) issues.push(issue('value', 'partner must be a partner id.', 'partner'));
    else {
      const p = param(f.partner);
      where.push(`(sender = ${p} OR recipient = ${p})`);
    }
  }
  if (f.eventType !== undefined) {
    if (!isShortText(f.eventType)) issues.push(issue('value', 'eventType must be an event type.', 'eventType'));
    else where.push(`event_type = ${param(f.eventType)}`);
  }
  if (f.outcome !== undefined) {
    if (!(AUDIT_OUTCOMES as readonly unknown[]).includes(f.outcome))
      issues.push(issue('code-invalid', `outcome must be one of ${AUDIT_OUTCOMES.join(', ')}.`, 'outcome'));
    else where.push(`outcome = ${param(f.outcome)}`);
  }
  if (f.kind !== undefined) {
    if (!(AUDIT_KINDS as readonly unknown[]).includes(f.kind))
      issues.push(issue('code-invalid', `kind must be one of ${AUDIT_KINDS.join(', ')}.`, 'kind'));
    else where.push(`kind = ${param(f.kind)}`);
  }
  const period = checkPeriod({ from: f.from as AuditPeriod['from'], to: f.to as AuditPeriod['to'] }, issues);
  if (period.from) where.push(`recorded_at >= ${param(period.from)}`);
  if (period.to) where.push(`recorded_at < ${param(period.to)}`);

  const p: Partial<Record<keyof AuditPageRequest, unknown>> = page ?? {};
  const limit = p.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    issues.push(issue('value', `limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}.`, 'limit'));
  }
  const order = p.order ?? 'newest-first';
  if (order !== 'newest-first' && order !== 'oldest-first')
    issues.push(issue('code-invalid', 'order must be newest-first or oldest-first.', 'order'));
  if (p.after !== undefined) {
    if (typeof p.after !== 'string' || !CURSOR.test(p.after))
      issues.push(issue('value', 'after must be the next cursor of a previous page.', 'after'));
    // Keyset on (time, seq) from the cursor's own record: one history across the audit's chains.
    else
      where.push(
        `(recorded_at, seq) ${order === 'oldest-first' ? '>' : '<'} (SELECT recorded_at, seq FROM audit_record WHERE seq = ${param(p.after)}::bigint)`,
      );
  }
  if (issues.length > 0) return { ok: false, outcome: operationOutcomeOf(issues) };

  const sql = [
    `SELECT ${AUDIT_RECORD_COLUMNS} FROM audit_record`,
    where.length > 0 ? `WHERE ${where.join(' AND ')}` : '',
    order === 'oldest-first' ? 'ORDER BY recorded_at ASC, seq ASC' : 'ORDER BY recorded_at DESC, seq DESC',
    `LIMIT ${param((limit as number) + 1)}`,
  ]
    .filter(Boolean)
    .join(' ');
  return { ok: true, query: { sql, params }, limit: limit as number };
}

/** The statement of the flow counts over a period: decisions and what the hub kept, per sender → recipient → event type. */
export function buildFlowsQuery(period: AuditPeriod): QueryBuild<{ query: SqlQuery }> {
  const issues: OperationOutcomeIssue[] = [];
  const checked = checkPeriod(period ?? {}, issues);
  if (issues.length > 0) return { ok: false, outcome: operationOutcomeOf(issues) };
  const params: unknown[] = [];
  const where = ["kind IN ('decision', 'kept-by-hub')"];
  if (checked.from) where.push(`recorded_at >= $${params.push(checked.from)}`);
  if (checked.to) where.push(`recorded_at < $${params.push(checked.to)}`);
  const sql = `SELECT sender, recipient, event_type,
      count(*) FILTER (WHERE outcome = 'delivered') AS delivered,
      count(*) FILTER (WHERE outcome = 'refused') AS refused,
      count(*) FILTER (WHERE outcome = 'kept') AS kept
    FROM audit_record WHERE ${where.join(' AND ')}
    GROUP BY sender, recipient, event_type ORDER BY sender, recipient, event_type`;
  return { ok: true, query: { sql, params } };
}

/**
 * The jsonb containment values that find a person: `[{system, value}]` for an identifier with
 * its system; for a bare value, the value as given and as each identifier kind normalises it.
 */
function personContainments(person: AuditPersonFilter): string[] | undefined {
  if (typeof person === 'string') {
    const value = person.trim();
    if (!isShortText(value)) return undefined;
    const values = new Set([value]);
    for (const system of Object.values(IDENTIFIER_SYSTEMS)) {
      const parsed = parseIdentifier(system, value);
      if (parsed.ok) values.add(parsed.value);
    }
    return [...values].map((candidate) => JSON.stringify([{ value: candidate }]));
  }
  if (typeof person !== 'object' || person === null || !isShortText(person.system) || !isShortText(person.value))
    return undefined;
  return [JSON.stringify([{ system: person.system, value: normaliseIdentifierValue(person.system, person.value) }])];
}

function checkPeriod(period: AuditPeriod, issues: OperationOutcomeIssue[]): { from?: Date; to?: Date } {
  const from = toDate(period.from);
  const to = toDate(period.to);
  if (from === null) issues.push(issue('value', 'from must be a date-time (ISO 8601).', 'from'));
  if (to === null) issues.push(issue('value', 'to must be a date-time (ISO 8601).', 'to'));
  if (from && to && from.getTime() >= to.getTime()) issues.push(issue('invariant', 'from must be before to.', 'from'));
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/** undefined when absent, null when not a date-time. */
function toDate(value: unknown): Date | undefined | null {
  if (value === undefined) return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  // A date (YYYY-MM-DD) or a date-time with a time zone: a local time without zone is ambiguous.
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)
  )
    return null;
  const date = new Date(value);
  // Date parsing rolls 2026-02-31 over to March: the calendar date must exist as written.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  const exists = calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day;
  return Number.isNaN(date.getTime()) || !exists ? null : date;
}

function isShortText(value: unknown): value is string {
  // eslint-disable-next-line no-control-regex -- PostgreSQL text cannot hold NUL.
  return typeof value === 'string' && value.length > 0 && value.length <= 512 && !/\u0000/.test(value);
}

function issue(code: OperationOutcomeIssue['code'], diagnostics: string, field: string): OperationOutcomeIssue {
  return { severity: 'error', code, diagnostics, expression: [field] };
}
