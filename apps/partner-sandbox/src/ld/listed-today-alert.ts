import type { OperationOutcomeIssue } from '@cstr/contracts';

/** A "listed today" alert as the L&D case system accepts it (see the README for the contract). */
export interface ListedTodayAlert {
  /** The sender's id for this alert; a repeat is answered 409 with the alert first received. */
  readonly externalReference: string;
  /** ISO date the person is listed. */
  readonly listedOn: string;
  readonly court: { readonly code: string; readonly name?: string };
  /** ISO date-time of the hearing, when known. */
  readonly hearingStart?: string;
  /** At least one of nhsNumber, pncId, croNumber, crn. */
  readonly person: Readonly<Record<string, string>>;
  /** The earlier screening this alert is about, when known. */
  readonly screeningId?: string;
  readonly reason?: string;
}

const PERSON_IDENTIFIERS = ['nhsNumber', 'pncId', 'croNumber', 'crn'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks an alert body; returns the issues (empty when valid). */
export function listedTodayAlertIssues(body: unknown): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const problem = (path: string, diagnostics: string, code: OperationOutcomeIssue['code'] = 'value') =>
    issues.push({ severity: 'error', code, diagnostics, expression: [path] });
  if (!isRecord(body)) {
    problem('$', 'The alert must be a JSON object', 'structure');
    return issues;
  }
  if (typeof body.externalReference !== 'string' || body.externalReference.trim() === '')
    problem('externalReference', 'externalReference is required', 'required');
  if (typeof body.listedOn !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(body.listedOn))
    problem('listedOn', 'listedOn must be a date YYYY-MM-DD', 'required');
  if (!isRecord(body.court) || typeof body.court.code !== 'string' || body.court.code === '')
    problem('court.code', 'court.code is required', 'required');
  if (
    body.hearingStart !== undefined &&
    (typeof body.hearingStart !== 'string' || Number.isNaN(Date.parse(body.hearingStart)))
  )
    problem('hearingStart', 'hearingStart must be an ISO date-time');
  if (!isRecord(body.person)) problem('person', 'person is required', 'required');
  else if (!PERSON_IDENTIFIERS.some((key) => typeof (body.person as Record<string, unknown>)[key] === 'string')) {
    problem('person', `person needs at least one of ${PERSON_IDENTIFIERS.join(', ')}`, 'required');
  }
  for (const key of ['screeningId', 'reason'])
    if (body[key] !== undefined && typeof body[key] !== 'string') problem(key, `${key} must be a string`);
  return issues;
}
