import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { buildEventBundle } from '../events/event-bundle.builder';
import { errorsOf } from './validation-outcome';
import { validateMessageBundle } from './message-bundle.rules';
import { ValidationPool } from './validation-pool';

jest.setTimeout(60_000);

describe('ValidationPool', () => {
  let pool: ValidationPool;
  beforeAll(async () => {
    pool = new ValidationPool(1);
    const started = Date.now();
    while (!pool.ready && Date.now() - started < 50_000) await new Promise((resolve) => setTimeout(resolve, 100));
  });
  afterAll(() => pool.close());

  it('says it is ready once its worker has loaded the kit', () => {
    expect(pool.ready).toBe(true);
  });

  it('gives, for each body in order, the outcome validating it on the main thread gives', async () => {
    const valid = buildEventBundle(loadEventFixture('court.hearing.listed'));
    const invalid = structuredClone(valid) as unknown as { entry: { resource: Record<string, unknown> }[] };
    const patient = invalid.entry.find((entry) => entry.resource.resourceType === 'Patient');
    if (!patient) throw new Error('the fixture has no Patient');
    patient.resource.birthDate = 'not a date';
    const bodies = [valid, invalid, { resourceType: 'Patient' }].map((body) => JSON.stringify(body));
    const outcomes = await pool.validate([...bodies, 'not JSON']);
    expect(outcomes).toHaveLength(4);
    bodies.forEach((body, index) => expect(outcomes[index]).toEqual(validateMessageBundle(JSON.parse(body))));
    expect(errorsOf(outcomes[0])).toEqual([]);
    expect(errorsOf(outcomes[1]).length).toBeGreaterThan(0);
    expect(errorsOf(outcomes[2]).length).toBeGreaterThan(0);
    expect(errorsOf(outcomes[3]).length).toBeGreaterThan(0);
  });

  it('keeps batches apart when several are in flight', async () => {
    const valid = JSON.stringify(buildEventBundle(loadEventFixture('court.hearing.listed')));
    const results = await Promise.all([pool.validate([valid]), pool.validate(['{}', valid]), pool.validate([])]);
    expect(results.map((outcomes) => outcomes.map((outcome) => errorsOf(outcome).length === 0))).toEqual([
      [true],
      [false, true],
      [],
    ]);
  });
});
