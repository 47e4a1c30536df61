/**
 * validateMessageBundle: the event contract of SPEC §3 on a realistic event (a missed treatment
 * appointment, ten entries adapted from the UK Core examples) and on broken copies of it.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@cstr/contracts';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorsOf, isValid, validateMessageBundle } from './index';

const FIXTURE = join(
  __dirname,
  '..',
  '..',
  'test',
  'validation',
  'fixtures',
  'treatment-appointment-missed.bundle.json',
);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test data edited in place

/** A fresh copy of the valid event, edited by `edit`. */
function event(edit: (bundle: Json) => void = () => undefined): Json {
  const bundle = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Json;
  edit(bundle);
  return bundle;
}

function header(bundle: Json): Json {
  return bundle.entry[0].resource;
}

/** The one error issue at `expression`, asserting there is exactly one there and it has `code`. */
function errorAt(
  outcome: OperationOutcome,
  expression: string,
  code: OperationOutcomeIssue['code'],
): OperationOutcomeIssue {
  const matches = errorsOf(outcome).filter((each) => each.expression?.includes(expression));
  expect(matches).toEqual([expect.objectContaining({ severity: 'error', code, expression: [expression] })]);
  return matches[0];
}

describe('validateMessageBundle', () => {
  it('passes the valid ten-entry event', () => {
    const bundle = event();
    expect(bundle.entry).toHaveLength(10);
    expect(errorsOf(validateMessageBundle(bundle))).toEqual([]);
  });

  it('refuses what is not a Bundle, without throwing', () => {
    errorAt(validateMessageBundle('{"resourceType":"Bundle"}'), 'Bundle', 'structure');
    errorAt(validateMessageBundle(header(event())), 'Bundle.resourceType', 'structure');
  });

  it('refuses a Bundle that is not a message', () => {
    expect(
      errorAt(validateMessageBundle(event((b) => (b.type = 'collection'))), 'Bundle.type', 'value').diagnostics,
    ).toMatch(/"message"/);
  });

  it('refuses a message Bundle with no entries', () => {
    const errors = errorsOf(validateMessageBundle(event((b) => (b.entry = []))));
    expect(errors).toContainEqual(
      expect.objectContaining({
        code: 'required',
        expression: ['Bundle.entry'],
        diagnostics: expect.stringMatching(/MessageHeader/),
      }),
    );
    // FHIR JSON has no empty arrays either.
    expect(errors).toContainEqual(expect.objectContaining({ code: 'invariant', expression: ['Bundle.entry'] }));
  });

  it('refuses a message Bundle whose first entry is not a MessageHeader', () => {
    const outcome = validateMessageBundle(event((b) => b.entry.reverse()));
    expect(errorAt(outcome, 'Bundle.entry[0].resource.resourceType', 'structure').diagnostics).toMatch(
      /must be a MessageHeader, not "Organization"/,
    );
  });

  it('refuses an event type outside the catalogue', () => {
    const outcome = validateMessageBundle(
      event((b) => (header(b).eventCoding.code = 'treatment.appointment.forgotten')),
    );
    expect(errorAt(outcome, 'Bundle.entry[0].resource.eventCoding.code', 'code-invalid').diagnostics).toMatch(
      /treatment\.appointment\.forgotten/,
    );
  });

  it('refuses an event type from another code system', () => {
    const outcome = validateMessageBundle(event((b) => (header(b).eventCoding.system = 'http://snomed.info/sct')));
    errorAt(outcome, 'Bundle.entry[0].resource.eventCoding.system', 'value');
  });

  it('refuses a MessageHeader without eventCoding', () => {
    const outcome = validateMessageBundle(event((b) => delete header(b).eventCoding));
    expect(errorsOf(outcome).map((each) => each.expression?.[0])).toContain('Bundle.entry[0].resource.eventCoding');
  });

  it.each([
    'urn:cstr-hub:partner:St_Andrews',
    'urn:cstr-hub:partner:',
    'urn:cstr-hub:partner:st--andrews',
    'https://st-andrews.example/fhir',
  ])('refuses source.endpoint %s', (endpoint) => {
    errorAt(
      validateMessageBundle(event((b) => (header(b).source.endpoint = endpoint))),
      'Bundle.entry[0].resource.source.endpoint',
      'value',
    );
  });

  it.each(['urn:cstr-hub:partner:nps-london', 'urn:cstr-hub:partner:cstr-hub', 'urn:cstr-hub:partner:croydon-mc'])(
    'accepts source.endpoint %s',
    (endpoint) => {
      expect(errorsOf(validateMessageBundle(event((b) => (header(b).source.endpoint = endpoint))))).toEqual([]);
    },
  );

  it('refuses a focus that points at no entry', () => {
    const outcome = validateMessageBundle(
      event((b) => (header(b).focus[1].reference = 'urn:uuid:00000000-0000-4000-8000-000000000000')),
    );
    expect(errorAt(outcome, 'Bundle.entry[0].resource.focus[1].reference', 'not-found').diagnostics).toMatch(
      /does not resolve/,
    );
  });

  it('resolves a relative focus against an entry fullUrl', () => {
    const outcome = validateMessageBundle(
      event((b) => {
        b.entry[4].fullUrl = 'https://st-andrews.example/fhir/Appointment/a1';
        b.entry[4].resource.id = 'a1';
        header(b).focus[0].reference = 'Appointment/a1';
      }),
    );
    expect(errorsOf(outcome)).toEqual([]);
  });

  it('refuses an entry without fullUrl', () => {
    const outcome = validateMessageBundle(event((b) => delete b.entry[3].fullUrl));
    errorAt(outcome, 'Bundle.entry[3].fullUrl', 'required');
  });

  it('refuses an entry with an unknown resourceType', () => {
    const outcome = validateMessageBundle(event((b) => (b.entry[1].resource.resourceType = 'Patinet')));
    errorAt(outcome, 'Bundle.entry[1].resource.resourceType', 'structure');
  });

  it('validates each entry against UK Core, with paths inside the Bundle', () => {
    const outcome = validateMessageBundle(
      event((b) => {
        b.entry[1].resource.identifier[0].value = '9912003889';
        b.entry[4].resource.status = 'missed';
        delete b.entry[3].resource.intent;
      }),
    );
    expect(errorAt(outcome, 'Bundle.entry[1].resource.identifier[0].value', 'value').diagnostics).toMatch(
      /nhs-number-check-digit/,
    );
    errorAt(outcome, 'Bundle.entry[4].resource.status', 'code-invalid');
    errorAt(outcome, 'Bundle.entry[3].resource.intent', 'required');
  });

  it('accepts entries of types UK Core has no profile for, validated as base R4', () => {
    const riskAssessment = {
      resourceType: 'RiskAssessment',
      status: 'final',
      subject: { reference: 'urn:uuid:3f6b9d24-7e1a-4b8c-8d2f-5a9e0c4b7d12' },
    };
    const bundle = event((b) =>
      b.entry.push({ fullUrl: 'urn:uuid:6c1f0d2a-3b4c-4d5e-8f60-718293a4b5c6', resource: riskAssessment }),
    );
    expect(isValid(validateMessageBundle(bundle))).toBe(true);
    const broken = event((b) =>
      b.entry.push({
        fullUrl: 'urn:uuid:6c1f0d2a-3b4c-4d5e-8f60-718293a4b5c6',
        resource: { ...riskAssessment, status: undefined, subject: 'Patient/1' },
      }),
    );
    errorAt(validateMessageBundle(broken), 'Bundle.entry[10].resource.subject', 'structure');
  });

  it('reports a Bundle-level invariant (bdl-7: duplicate fullUrl)', () => {
    const outcome = validateMessageBundle(event((b) => (b.entry[9].fullUrl = b.entry[8].fullUrl)));
    expect(errorsOf(outcome)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'invariant', diagnostics: expect.stringMatching(/bdl-7/) }),
      ]),
    );
  });

  it('never throws, whatever JSON replaces whatever part of the event', () => {
    const paths = jsonPaths(event());
    fc.assert(
      fc.property(fc.nat({ max: paths.length - 1 }), fc.jsonValue({ maxDepth: 3 }), (which, replacement) => {
        const bundle = event();
        setAt(bundle, paths[which], replacement);
        const outcome = validateMessageBundle(bundle);
        expect(outcome.resourceType).toBe('OperationOutcome');
        expect(errorsOf(outcome).every((each) => each.code !== 'exception')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

/** Every path (as keys and indexes) of every value in `value`. */
function jsonPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const children = Array.isArray(value) ? value.map((child, index) => [index, child] as const) : Object.entries(value);
  return children.flatMap(([key, child]) => [[...prefix, key], ...jsonPaths(child, [...prefix, key])]);
}

function setAt(root: Json, path: (string | number)[], replacement: unknown): void {
  let parent: Json = root;
  for (const key of path.slice(0, -1)) parent = parent[key as string];
  parent[path[path.length - 1] as string] = replacement;
}
