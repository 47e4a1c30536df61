import type { OperationOutcomeIssue } from '@cstr/contracts';

/** A stored resource: any FHIR R4 resource with the id and meta the server assigned. */
export interface StoredResource {
  readonly resourceType: string;
  readonly id: string;
  readonly meta: { readonly versionId: string; readonly lastUpdated: string; readonly [key: string]: unknown };
  readonly [element: string]: unknown;
}

/** One search parameter as given: name (with modifier) and its values (repeated parameters are ANDed). */
export type SearchParams = readonly (readonly [string, string])[];

/** Search parameters that filter resources (the rest shape the result). */
const FILTERS = ['_id', '_lastUpdated', 'identifier', 'patient', 'subject', 'status'] as const;
/** Parameters that shape the searchset. */
const RESULT_PARAMS = ['_count', '_sort', '_offset', '_format'] as const;

/** The search parameters the server understands, for the CapabilityStatement. */
export const SUPPORTED_SEARCH_PARAMS: readonly string[] = [...FILTERS, '_count', '_sort'];

const DATE_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parameters the server cannot apply: a search must not silently ignore a filter. */
export function unsupportedParams(params: SearchParams): OperationOutcomeIssue[] {
  return params
    .filter(
      ([name]) =>
        !(FILTERS as readonly string[]).includes(name) && !(RESULT_PARAMS as readonly string[]).includes(name),
    )
    .map(([name]) => ({
      severity: 'error',
      code: 'not-supported',
      diagnostics: `Search parameter ${name} is not supported by this server (supported: ${SUPPORTED_SEARCH_PARAMS.join(', ')})`,
      expression: [name],
    }));
}

/** Problems in the values of the parameters the server does support. */
export function invalidParams(params: SearchParams): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  for (const [name, value] of params) {
    if (name === '_lastUpdated' && parseDateParam(value) === undefined) {
      issues.push({
        severity: 'error',
        code: 'value',
        diagnostics: '_lastUpdated must be [eq|ne|gt|lt|ge|le]<ISO date or date-time>',
        expression: [name],
      });
    }
    if ((name === '_count' || name === '_offset') && !/^\d{1,6}$/.test(value))
      issues.push({
        severity: 'error',
        code: 'value',
        diagnostics: `${name} must be a non-negative integer`,
        expression: [name],
      });
    if (name === '_sort' && !['_lastUpdated', '-_lastUpdated'].includes(value))
      issues.push({
        severity: 'error',
        code: 'not-supported',
        diagnostics: '_sort supports _lastUpdated and -_lastUpdated',
        expression: [name],
      });
  }
  return issues;
}

/** A date parameter: its prefix and the instants its precision covers (`2027-02-03` covers the whole day, UTC). */
function parseDateParam(
  value: string,
): { prefix: (typeof DATE_PREFIXES)[number]; low: number; high: number } | undefined {
  const prefix = DATE_PREFIXES.find((candidate) => value.startsWith(candidate));
  const date = prefix ? value.slice(2) : value;
  const match = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(date);
  if (!match) return undefined;
  // Without a zone the value is read as UTC: the sandbox's clock is UTC.
  const low = Date.parse(match[2] ? date : date.includes('T') ? `${date}Z` : `${date}T00:00:00Z`);
  if (Number.isNaN(low)) return undefined;
  const timePart = date.includes('T') ? date.slice(date.indexOf('T') + 1).replace(/(Z|[+-]\d{2}:\d{2})$/, '') : '';
  const span = !timePart ? 86_400_000 : timePart.length === 5 ? 60_000 : match[1] ? 1 : 1_000;
  return { prefix: prefix ?? 'eq', low, high: low + span - 1 };
}

function matchesDate(lastUpdated: string, value: string): boolean {
  const parsed = parseDateParam(value);
  if (!parsed) return false;
  const at = Date.parse(lastUpdated);
  switch (parsed.prefix) {
    case 'gt':
      return at > parsed.high;
    case 'ge':
      return at >= parsed.low;
    case 'lt':
      return at < parsed.low;
    case 'le':
      return at <= parsed.high;
    case 'ne':
      return at < parsed.low || at > parsed.high;
    case 'eq':
      return at >= parsed.low && at <= parsed.high;
  }
}

function matchesIdentifier(resource: StoredResource, value: string): boolean {
  const identifiers = Array.isArray(resource.identifier)
    ? resource.identifier
    : isRecord(resource.identifier)
      ? [resource.identifier]
      : [];
  const [system, code] = value.includes('|')
    ? [value.slice(0, value.indexOf('|')), value.slice(value.indexOf('|') + 1)]
    : [undefined, value];
  return identifiers.some(
    (identifier: unknown) =>
      isRecord(identifier) &&
      identifier.value === code &&
      (system === undefined || (system === '' ? identifier.system === undefined : identifier.system === system)),
  );
}

/** The references to the person: `subject`, `patient`, `for` (Task), `beneficiary`, `participant[].actor`. */
function personReferences(resource: StoredResource): string[] {
  const references: unknown[] = [resource.subject, resource.patient, resource.for, resource.beneficiary];
  if (Array.isArray(resource.participant))
    for (const participant of resource.participant as unknown[])
      if (isRecord(participant)) references.push(participant.actor);
  return references.flatMap((reference) =>
    isRecord(reference) && typeof reference.reference === 'string' ? [reference.reference] : [],
  );
}

function matchesPatient(resource: StoredResource, value: string, name: 'patient' | 'subject'): boolean {
  if (resource.resourceType === 'Patient') return false;
  const wanted = value.includes('/') ? value : `Patient/${value}`;
  return personReferences(resource).some(
    (reference) =>
      reference === wanted || reference.endsWith(`/${wanted}`) || (name === 'subject' && reference === value),
  );
}

/** Whether a resource satisfies every filter (values of one parameter separated by commas are ORed). */
export function matchesSearch(resource: StoredResource, params: SearchParams): boolean {
  return params.every(([name, raw]) => {
    const values = name === '_lastUpdated' ? [raw] : raw.split(',');
    switch (name) {
      case '_id':
        return values.includes(resource.id);
      case '_lastUpdated':
        return matchesDate(resource.meta.lastUpdated, raw);
      case 'identifier':
        return values.some((value) => matchesIdentifier(resource, value));
      case 'patient':
      case 'subject':
        return values.some((value) => matchesPatient(resource, value, name));
      case 'status':
        return values.includes(String(resource.status));
      default:
        return true;
    }
  });
}

/** Reads a query string or a parsed Express query into search parameters, in order. */
export function searchParamsOf(query: string | Record<string, unknown>): SearchParams {
  if (typeof query === 'string') return [...new URLSearchParams(query).entries()];
  return Object.entries(query).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value])
      .filter((item): item is string => typeof item === 'string')
      .map((item) => [name, item] as const),
  );
}
