import { loadRetentionConfig, projectPath } from '@cstr/platform';
import { DatabaseFixture, testEnvironment, uniqueName } from '@cstr/testing';
import { GP_REGISTRATION_MIGRATIONS } from './known-registration.migration';
import { KNOWN_REGISTRATION_RETENTION_CLASS, KnownRegistrationPurge } from './known-registration.purge';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-06-30T09:00:00.000Z');
/** Three years before NOW on the calendar: the cut-off of the shipped period. */
const CUT_OFF = new Date('2023-06-30T09:00:00.000Z');
/** Last read a day before and a day after the cut-off. */
const DUE = new Date(CUT_OFF.getTime() - DAY_MS);
const KEPT = new Date(CUT_OFF.getTime() + DAY_MS);

/**
 * The GP registration adapter's purge of `gp_known_registration` against the real database, with
 * the period of the shipped config/retention.yaml: what was last read before the cut-off goes,
 * the rest stays, two instances at once delete each row once, and a row another transaction
 * holds (a PDS read updating it) is skipped, not waited for.
 */
describe('known GP registration purge (real PostgreSQL)', () => {
  const env = testEnvironment();
  const opened: DatabaseFixture[] = [];
  const keep = loadRetentionConfig(projectPath('config/retention.yaml')).classes[KNOWN_REGISTRATION_RETENTION_CLASS]
    .keep;
  let serial = 0;

  afterAll(async () => {
    for (const database of opened) await database.close();
  });

  async function adapterSchema(schema = uniqueName('gp_purge')): Promise<DatabaseFixture> {
    const database = await DatabaseFixture.open(env.databaseUrl, schema, GP_REGISTRATION_MIGRATIONS);
    opened.push(database);
    return database;
  }

  /** Remembers `count` practices (synthetic NHS numbers) last read at `at`; returns their NHS numbers. */
  async function known(database: DatabaseFixture, count: number, at: Date): Promise<string[]> {
    const nhsNumbers = Array.from({ length: count }, () => `999${String((serial += 1)).padStart(7, '0')}`);
    for (const nhsNumber of nhsNumbers)
      await database.dataSource.query(
        `INSERT INTO gp_known_registration (nhs_number, ods_code, start_date, updated_at) VALUES ($1, 'Y12345', '2020-01-01', $2)`,
        [nhsNumber, at],
      );
    return nhsNumbers;
  }

  const remaining = async (database: DatabaseFixture): Promise<string[]> =>
    (
      (await database.dataSource.query('SELECT nhs_number FROM gp_known_registration ORDER BY nhs_number')) as {
        nhs_number: string;
      }[]
    ).map((row) => row.nhs_number);

  const purgeOf = (database: DatabaseFixture, batchSize: number, maxBatches?: number): KnownRegistrationPurge =>
    new KnownRegistrationPurge(database.dataSource, keep, { batchSize, maxBatches, now: () => NOW });

  it('the shipped period is 3 years from the last PDS read', () => {
    expect(keep).toMatchObject({ text: 'P3Y', years: 3, months: 0, days: 0 });
  });

  it('two adapter instances purging at once delete every due row once and keep the rest', async () => {
    const schema = uniqueName('gp_purge');
    const first = await adapterSchema(schema);
    const second = await adapterSchema(schema);
    await known(first, 11, DUE);
    const kept = await known(first, 4, KEPT);

    const [one, two] = await Promise.all([purgeOf(first, 3, 100).run(), purgeOf(second, 3, 100).run()]);

    expect(one.deleted + two.deleted).toBe(11);
    expect(one.dueBefore.toISOString()).toBe(CUT_OFF.toISOString());
    expect(await remaining(first)).toEqual([...kept].sort());
    expect((await purgeOf(first, 3).run()).deleted).toBe(0);
  });

  it('takes at most maxBatches batches a run, the rest on the next', async () => {
    const database = await adapterSchema();
    await known(database, 7, DUE);
    expect((await purgeOf(database, 2, 2).run()).deleted).toBe(4);
    expect((await purgeOf(database, 2, 2).run()).deleted).toBe(3);
    expect(await remaining(database)).toEqual([]);
  });

  it('skips rows another transaction holds instead of waiting, and takes them on a later run', async () => {
    const database = await adapterSchema();
    const due = await known(database, 5, DUE);
    const holder = database.dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query('SELECT nhs_number FROM gp_known_registration WHERE nhs_number = ANY($1) FOR UPDATE', [
        due.slice(0, 2),
      ]);
      expect((await purgeOf(database, 10).run()).deleted).toBe(3);
      expect(await remaining(database)).toEqual(due.slice(0, 2).sort());
      await holder.commitTransaction();
    } finally {
      await holder.release();
    }
    expect((await purgeOf(database, 10).run()).deleted).toBe(2);
    expect(await remaining(database)).toEqual([]);
  });
});
