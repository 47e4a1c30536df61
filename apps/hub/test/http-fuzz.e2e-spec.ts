import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import request from 'supertest';
import type { Bundle, MessageHeader, Patient } from 'fhir/r4';
import { EVENT_TYPE_SYSTEM, type EventType } from '@cstr/contracts';
import { fixtureEvent } from './ingress-test-kit';
import { PRINCIPALS, basicAuth, bootHub, type TestHub } from './http-test-kit';

type Server = Parameters<typeof request>[0];

/** What the fuzzer sends: a raw body and its content type. */
interface FuzzInput {
  readonly label: string;
  readonly body: string | Buffer;
  readonly contentType: string;
}

/** The answers a submission may get; each carries an OperationOutcome. */
const ANSWERS = new Set([202, 400, 403, 409, 413, 415, 422]);

/** Event types slam-mhtr (a provider) publishes, to mutate from. */
const PROVIDER_TYPES: EventType[] = [
  'treatment.appointment.attended',
  'treatment.appointment.missed',
  'treatment.assessment.completed',
  'treatment.referral.accepted',
  'consent.recorded',
];
const FIXTURES = PROVIDER_TYPES.map((type) => fixtureEvent(type).bundle);

const fhir = (label: string, body: unknown): FuzzInput => ({
  label,
  body: JSON.stringify(body),
  contentType: 'application/fhir+json',
});
/** A fixture Bundle with a fresh event id, so an accepted one is not a resubmission. */
const freshFixture = (index: number): Bundle => ({
  ...(structuredClone(FIXTURES[index % FIXTURES.length]) as Bundle),
  id: randomUUID(),
});
const patientOf = (bundle: Bundle): Patient =>
  bundle.entry?.find((entry) => entry.resource?.resourceType === 'Patient')?.resource as Patient;
const headerOf = (bundle: Bundle): MessageHeader => bundle.entry?.[0].resource as MessageHeader;

/** Sets `value` at a random place in a JSON tree (or deletes what is there when `value` is undefined). */
function mutate(root: unknown, choices: number[], value: unknown): void {
  let node = root as Record<string, unknown>;
  for (const [depth, choice] of choices.entries()) {
    const keys = Array.isArray(node) ? node.map((_, index) => String(index)) : Object.keys(node);
    if (keys.length === 0) return;
    const key = keys[choice % keys.length];
    const child = node[key];
    if (depth === choices.length - 1 || typeof child !== 'object' || child === null) {
      if (value === undefined && !Array.isArray(node)) Reflect.deleteProperty(node, key);
      else node[key] = value;
      return;
    }
    node = child as Record<string, unknown>;
  }
}

const malformedJson = fc
  .oneof(
    fc.string({ maxLength: 200 }),
    fc.json({ maxDepth: 3 }).map((json) => json.slice(0, Math.max(1, json.length - 1))),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.constantFrom(
      '',
      '{',
      '{"resourceType":"Bundle",}',
      '[1,2',
      'null',
      'true',
      '"Bundle"',
      '{"a":1}{"b":2}',
      '\u0000',
      '{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"MessageHeader","source":{"endpoint":"urn:cstr-hub:partner:slam-mhtr"}}}]',
    ),
  )
  .map((body) => ({ label: 'malformed JSON', body, contentType: 'application/fhir+json' }) as FuzzInput);

const wrongResourceTypes = fc
  .record({
    resourceType: fc.oneof(
      fc.constantFrom('Patient', 'Observation', 'OperationOutcome', 'bundle', 'BUNDLE', ''),
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.constant(null),
    ),
    rest: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  })
  .map(({ resourceType, rest }) => fhir('wrong resource type', { ...rest, resourceType }));

const randomJson = fc.jsonValue({ maxDepth: 4 }).map((value) => fhir('random JSON value', value));

const badIdentifiers = fc
  .tuple(
    fc.nat(),
    fc.oneof(
      fc.stringMatching(/^\d{10}$/),
      fc.string({ maxLength: 15 }),
      fc.constantFrom('', '0000000000', '943 476 5919', '9434765918'),
    ),
    fc.oneof(
      fc.constant('https://fhir.nhs.uk/Id/nhs-number'),
      fc.string({ maxLength: 30 }),
      fc.constant('https://cstr-hub.org.uk/fhir/Id/crn'),
    ),
  )
  .map(([index, value, system]) => {
    const bundle = freshFixture(index);
    const patient = patientOf(bundle);
    if (patient) patient.identifier = [{ system, value }, ...(patient.identifier ?? []).slice(1)];
    return fhir('bad identifier', bundle);
  });

const unknownEventTypes = fc
  .tuple(
    fc.nat(),
    fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        'treatment.teleported',
        'court.sentence.imposed',
        'pathway.deadline.missed',
        'TREATMENT.APPOINTMENT.ATTENDED',
      ),
    ),
    fc.oneof(fc.constant(EVENT_TYPE_SYSTEM), fc.webUrl()),
  )
  .map(([index, code, system]) => {
    const bundle = freshFixture(index);
    headerOf(bundle).eventCoding = { system, code };
    return fhir('unknown event type', bundle);
  });

const mutatedFixtures = fc
  .tuple(
    fc.nat(),
    fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
    fc.oneof(
      fc.constant(undefined),
      fc.jsonValue({ maxDepth: 2 }),
      fc.string({ maxLength: 30 }),
      fc.constantFrom(null, '', 0, -1, [], {}, 'urn:cstr-hub:partner:nps-london-croydon'),
    ),
    fc.boolean(),
  )
  .map(([index, path, value, keepId]) => {
    const bundle = freshFixture(index);
    mutate(bundle, path, value);
    if (keepId) bundle.id = (bundle as { id?: unknown }).id === undefined ? randomUUID() : bundle.id;
    return fhir('mutated fixture', bundle);
  });

const wrongMediaTypes = fc
  .tuple(
    fc.nat(),
    fc.constantFrom(
      'text/plain',
      'application/xml',
      'application/fhir+xml',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/json; charset=latin1',
    ),
  )
  .map(
    ([index, contentType]) =>
      ({ label: 'wrong media type', body: JSON.stringify(freshFixture(index)), contentType }) as FuzzInput,
  );

/** A few bodies over the limit (1 MiB by default): padded Bundles and plain junk. */
const HUGE: FuzzInput[] = [1.01, 1.5, 2.5, 4].map((mebibytes, index) => ({
  label: 'huge body',
  body:
    index % 2 === 0
      ? JSON.stringify({ ...FIXTURES[0], id: randomUUID(), padding: 'x'.repeat(Math.ceil(mebibytes * 1024 * 1024)) })
      : Buffer.alloc(Math.ceil(mebibytes * 1024 * 1024), '{'),
  contentType: 'application/fhir+json',
}));

const RUNS: [string, fc.Arbitrary<FuzzInput>, number][] = [
  ['malformed JSON strings', malformedJson, 1000],
  ['wrong resource types', wrongResourceTypes, 600],
  ['random JSON values', randomJson, 600],
  ['bad identifiers', badIdentifiers, 700],
  ['unknown event types', unknownEventTypes, 600],
  ['mutated fixture bundles', mutatedFixtures, 1300],
  ['wrong media types', wrongMediaTypes, 200],
];

/**
 * ≥ 5,000 fuzzed submissions at POST /fhir/$process-message: each is answered, within a few
 * seconds, with a 2xx/4xx status and an OperationOutcome — never a 500 — and the hub keeps
 * serving (GET /health, a valid event still accepted).
 */
describe('POST /fhir/$process-message under fuzzed input', () => {
  let hub: TestHub;
  let server: Server;
  const statuses = new Map<number, number>();
  let sent = 0;

  beforeAll(async () => {
    hub = await bootHub();
    server = hub.app.getHttpServer() as Server;
  });

  afterAll(async () => hub?.close());

  async function answer(input: FuzzInput): Promise<void> {
    const response = await request(server)
      .post('/fhir/$process-message')
      .set('Authorization', basicAuth(PRINCIPALS.slam))
      .set('Content-Type', input.contentType)
      .timeout(10_000)
      .send(input.body);
    sent += 1;
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    const body = response.body as { resourceType?: string; issue?: { severity?: string; code?: string }[] };
    if (
      !ANSWERS.has(response.status) ||
      body.resourceType !== 'OperationOutcome' ||
      !Array.isArray(body.issue) ||
      body.issue.length === 0
    ) {
      throw new Error(
        `${input.label}: answered ${response.status} ${JSON.stringify(body).slice(0, 300)} to ${String(input.body).slice(0, 300)}`,
      );
    }
    for (const issue of body.issue)
      expect(issue).toMatchObject({ severity: expect.any(String), code: expect.any(String) });
    if (response.status !== 202)
      expect(body.issue.some((issue) => issue.severity === 'error' || issue.severity === 'fatal')).toBe(true);
  }

  it.each(RUNS)('answers %s with an OperationOutcome', async (_, arbitrary, numRuns) => {
    await fc.assert(fc.asyncProperty(arbitrary, answer), { numRuns, seed: Number(process.env.FUZZ_SEED ?? 20261130) });
  });

  it('answers huge bodies with 413', async () => {
    for (const input of HUGE) {
      const response = await request(server)
        .post('/fhir/$process-message')
        .set('Authorization', basicAuth(PRINCIPALS.slam))
        .set('Content-Type', input.contentType)
        .timeout(20_000)
        .send(input.body);
      sent += 1;
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-long' }] });
    }
  });

  it('answers fuzzed audit and dead-letter queries with 200 or a 400 OperationOutcome', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom(
        '',
        '9434765919',
        'https://fhir.nhs.uk/Id/nhs-number|943 476 5919',
        'x|',
        '|x',
        '2026-01-01',
        '2026-13-45T99:00:00Z',
        'slam-mhtr',
        '-1',
        '0',
        '1001',
        '99999999999999999999',
      ),
    );
    const params = fc.dictionary(
      fc.constantFrom(
        'person',
        'partner',
        'event',
        'outcome',
        'kind',
        'from',
        'to',
        'limit',
        'after',
        'order',
        'queue',
        'code',
        'replayed',
        'bogus',
      ),
      text,
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/audit', '/audit/flows', '/dead-letters'), params, async (path, query) => {
        const response = await request(server)
          .get(path)
          .query(query)
          .set('Authorization', basicAuth(PRINCIPALS.admin))
          .timeout(10_000);
        if (response.status !== 200) {
          expect({
            status: response.status,
            resourceType: (response.body as { resourceType?: string }).resourceType,
          }).toEqual({ status: 400, resourceType: 'OperationOutcome' });
        }
      }),
      { numRuns: 400, seed: Number(process.env.FUZZ_SEED ?? 20261130) },
    );
  });

  it('has sent at least 5,000 inputs, met every kind of answer, and still serves', async () => {
    expect(sent).toBeGreaterThanOrEqual(5000);
    if (process.env.FUZZ_REPORT)
      process.stdout.write(`fuzz answers: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
    // The fuzzers reach past each check: parse (400), media type (415), validation (422), sender (403), size (413), acceptance (202).
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([202, 400, 403, 413, 415, 422]));
    expect(statuses.get(500)).toBeUndefined();
    expect((await request(server).get('/health')).status).toBe(200);
    const valid = fixtureEvent('treatment.appointment.attended').bundle;
    expect(
      (
        await request(server)
          .post('/fhir/$process-message')
          .set('Authorization', basicAuth(PRINCIPALS.slam))
          .set('Content-Type', 'application/fhir+json')
          .send(JSON.stringify(valid))
      ).status,
    ).toBe(202);
  });
});
