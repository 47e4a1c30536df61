/**
 * The event contract of SPEC §3: every event is a FHIR R4 message Bundle whose first entry is a
 * MessageHeader naming a catalogue event type, sent from `urn:cstr-hub:partner:<id>`, with every
 * `focus` pointing at an entry of the Bundle; every entry is validated against UK Core.
 */
import {
  EVENT_TYPE_SYSTEM,
  isEventType,
  type OperationOutcome,
  type OperationOutcomeIssue,
  PARTNER_ENDPOINT_PREFIX,
} from '@cstr/contracts';
import { fhirValidator, type FhirValidator, type ValidationContext } from './fhir-validator';
import { isObject } from './json-walk';
import { issue, outcomeOf, rebaseIssues } from './validation-outcome';

/** `MessageHeader.source.endpoint` of a partner: `urn:cstr-hub:partner:<partner-id>`, the id lower-case words joined by single hyphens. */
export const PARTNER_ENDPOINT_PATTERN = new RegExp(
  `^${PARTNER_ENDPOINT_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[a-z0-9]+(-[a-z0-9]+)*$`,
);

const BUNDLE_PROFILE = 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Bundle';
const HEADER = 'Bundle.entry[0].resource';

/**
 * Validates an event: a message Bundle (UKCore-Bundle) with a MessageHeader first whose
 * `eventCoding` is a catalogue event type of {@link EVENT_TYPE_SYSTEM}, whose `source.endpoint` is
 * `urn:cstr-hub:partner:<partner-id>` and whose every `focus` resolves to an entry's `fullUrl`;
 * every entry has a `fullUrl` and a resource valid by {@link validateResource}, its issues under
 * `Bundle.entry[i].resource`. Never throws.
 */
export function validateMessageBundle(bundle: unknown, validator: FhirValidator = fhirValidator()): OperationOutcome {
  if (!isObject(bundle))
    return outcomeOf([issue('error', 'structure', 'A message Bundle must be a JSON object.', 'Bundle')]);
  if (bundle.resourceType !== 'Bundle') {
    return outcomeOf([
      issue(
        'error',
        'structure',
        `An event must be a Bundle, not ${JSON.stringify(bundle.resourceType ?? null)}.`,
        'Bundle.resourceType',
      ),
    ]);
  }
  const context = validator.newContext();
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const issues: OperationOutcomeIssue[] = [];
  try {
    issues.push(...shellIssues(bundle, entries, validator, context));
    if (bundle.type !== 'message')
      issues.push(
        issue(
          'error',
          'value',
          `Bundle.type must be "message" for an event, not ${JSON.stringify(bundle.type ?? null)}.`,
          'Bundle.type',
        ),
      );
    if (entries.length === 0) {
      issues.push(
        issue('error', 'required', 'A message Bundle needs at least one entry: the MessageHeader.', 'Bundle.entry'),
      );
      return outcomeOf(issues);
    }
    entries.forEach((entry, index) => issues.push(...entryIssues(entry, index, validator, context)));
    issues.push(...headerIssues(entries));
  } catch (error) {
    // A defect of ours or of a definition, never a reason to crash on partner input.
    issues.push(
      issue(
        'error',
        'exception',
        `The validator could not process this Bundle: ${error instanceof Error ? error.message : String(error)}`,
        'Bundle',
      ),
    );
  }
  return outcomeOf(issues);
}

/**
 * The Bundle's own rules (UKCore-Bundle, bdl-* invariants) without validating every resource a
 * second time as base R4: each entry's resource is swapped for a stand-in of the same type that
 * keeps only what those rules read (the entries are validated one by one against their own
 * profiles), and what is said about the stand-ins themselves is dropped.
 */
function shellIssues(
  bundle: Record<string, unknown>,
  entries: unknown[],
  validator: FhirValidator,
  context: ValidationContext,
): OperationOutcomeIssue[] {
  const shell = Array.isArray(bundle.entry)
    ? { ...bundle, entry: entries.map((entry) => withStandIn(entry, validator)) }
    : bundle;
  return validator
    .profileIssues(shell, BUNDLE_PROFILE, 'Bundle', context)
    .filter((each) => !each.expression?.some((path) => STAND_IN_PATH.test(path)));
}

const STAND_IN_PATH = /^Bundle\.entry\[\d+\]\.resource($|[.[])/;

function withStandIn(entry: unknown, validator: FhirValidator): unknown {
  if (!isObject(entry) || !isObject(entry.resource)) return entry;
  const type = entry.resource.resourceType;
  // The entry's own validation reports an unknown type; the Bundle's rules need only some type.
  const resourceType = typeof type === 'string' && validator.isResourceType(type) ? type : 'Binary';
  // bdl-7 tells entries apart by fullUrl and meta.versionId.
  const versionId = isObject(entry.resource.meta) ? entry.resource.meta.versionId : undefined;
  return { ...entry, resource: { resourceType, ...(typeof versionId === 'string' ? { meta: { versionId } } : {}) } };
}

function entryIssues(
  entry: unknown,
  index: number,
  validator: FhirValidator,
  context: ValidationContext,
): OperationOutcomeIssue[] {
  const at = `Bundle.entry[${index}]`;
  if (!isObject(entry)) return [issue('error', 'structure', 'A Bundle entry must be a JSON object.', at)];
  const issues: OperationOutcomeIssue[] = [];
  if (typeof entry.fullUrl !== 'string' || entry.fullUrl === '')
    issues.push(issue('error', 'required', 'Every entry of a message Bundle needs a fullUrl.', `${at}.fullUrl`));
  if (entry.resource === undefined) {
    issues.push(issue('error', 'required', 'Every entry of a message Bundle needs a resource.', `${at}.resource`));
    return issues;
  }
  const resource = entry.resource;
  const roots =
    isObject(resource) && typeof resource.resourceType === 'string' && resource.resourceType !== ''
      ? [resource.resourceType, 'Resource']
      : ['Resource'];
  issues.push(...rebaseIssues(validator.resourceIssues(resource, {}, context), roots, `${at}.resource`));
  return issues;
}

/** The MessageHeader rules: first entry, event type, partner endpoint, focus references. */
function headerIssues(entries: unknown[]): OperationOutcomeIssue[] {
  const first = entries[0];
  const header = isObject(first) ? first.resource : undefined;
  if (!isObject(header) || header.resourceType !== 'MessageHeader') {
    const found = isObject(header) ? JSON.stringify(header.resourceType ?? null) : 'nothing';
    return [
      issue(
        'error',
        'structure',
        `The first entry of a message Bundle must be a MessageHeader, not ${found}.`,
        `${HEADER}.resourceType`,
      ),
    ];
  }
  const issues: OperationOutcomeIssue[] = [];
  const eventCoding = isObject(header.eventCoding) ? header.eventCoding : undefined;
  if (!eventCoding) {
    issues.push(
      issue(
        'error',
        'required',
        `MessageHeader.eventCoding must name the event type (system ${EVENT_TYPE_SYSTEM}).`,
        `${HEADER}.eventCoding`,
      ),
    );
  } else {
    if (eventCoding.system !== EVENT_TYPE_SYSTEM) {
      issues.push(
        issue(
          'error',
          'value',
          `MessageHeader.eventCoding.system must be ${EVENT_TYPE_SYSTEM}, not ${JSON.stringify(eventCoding.system ?? null)}.`,
          `${HEADER}.eventCoding.system`,
        ),
      );
    }
    if (!isEventType(eventCoding.code)) {
      issues.push(
        issue(
          'error',
          'code-invalid',
          `Unknown event type ${JSON.stringify(eventCoding.code ?? null)}: not in the event catalogue (SPEC §3).`,
          `${HEADER}.eventCoding.code`,
        ),
      );
    }
  }
  const endpoint = isObject(header.source) ? header.source.endpoint : undefined;
  if (typeof endpoint !== 'string' || !PARTNER_ENDPOINT_PATTERN.test(endpoint)) {
    issues.push(
      issue(
        'error',
        'value',
        `MessageHeader.source.endpoint must be urn:cstr-hub:partner:<partner-id> (lower-case letters, digits and single hyphens), not ${JSON.stringify(endpoint ?? null)}.`,
        `${HEADER}.source.endpoint`,
      ),
    );
  }
  issues.push(...focusIssues(header, entries));
  return issues;
}

/** Every `focus` must reference an entry of this Bundle, by fullUrl or by a relative `Type/id` against it. */
function focusIssues(header: Record<string, unknown>, entries: unknown[]): OperationOutcomeIssue[] {
  const fullUrls = entries.flatMap((entry) =>
    isObject(entry) && typeof entry.fullUrl === 'string' ? [entry.fullUrl] : [],
  );
  const focus = Array.isArray(header.focus) ? header.focus : [];
  const issues: OperationOutcomeIssue[] = [];
  focus.forEach((each, index) => {
    const at = `${HEADER}.focus[${index}]`;
    const reference = isObject(each) ? each.reference : undefined;
    if (typeof reference !== 'string' || reference === '') {
      issues.push(
        issue(
          'error',
          'required',
          'MessageHeader.focus must reference an entry of the Bundle (focus.reference).',
          `${at}.reference`,
        ),
      );
    } else if (!fullUrls.some((fullUrl) => resolvesTo(reference, fullUrl))) {
      issues.push(
        issue(
          'error',
          'not-found',
          `MessageHeader.focus ${reference} does not resolve to any entry's fullUrl in this Bundle.`,
          `${at}.reference`,
        ),
      );
    }
  });
  return issues;
}

/** FHIR reference resolution inside a Bundle: the same URL, or a relative `Type/id` under the entry's base. */
function resolvesTo(reference: string, fullUrl: string): boolean {
  if (reference === fullUrl) return true;
  return /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(reference) && fullUrl.endsWith(`/${reference}`);
}
