import { loadRetentionConfig, projectPath } from '@cstr/platform';
import { DatabaseFixture, testEnvironment, uniqueName } from '@cstr/testing';
import { RawPayloadArchive } from './raw-payload.archive';
import { HMCTS_LISTINGS_MIGRATIONS } from './raw-payload.migration';
import { RAW_PAYLOAD_RETENTION_CLASS, RawPayloadPurge } from './raw-payload.purge';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-06-30T09:00:00.000Z');
/** Received a day before and a day after the cut-off of the shipped period (90 days). */
const DUE = new Date(NOW.getTime() - 91 * DAY_MS);
const KEPT = new Date(NOW.getTime() - 89 * DAY_MS);

/**
 * The court adapter's purge of `hmcts_raw_payload` against the real database, with the period of
 * the shipped config/retention.yaml: what is due goes whatever became of it, what is not stays,
 * two instances at once delete each row once, and rows another transaction holds are skipped.
 */
describe('raw payload purge (real PostgreSQL)', () => {
  const env = testEnvironment();
  const opened: DatabaseFixture[] = [];
  const keep = loadRetentionConfig(projectPath('config/retention.yaml')).classes[RAW_PAYLOAD_RETENTION_CLASS].keep;

  afterAll(async () => {
    for (const database of opened) await database.close();
  });

  async function adapterSchema(schema = uniqueName('hmcts_purge')): Promise<DatabaseFixture> {
    const database = await DatabaseFixture.open(env.databaseUrl, schema, HMCTS_LISTINGS_MIGRATIONS);
    opened.push(database);
    return database;
  }

  /** Archives `count` Libra lists received at `at`, settled as `status`; returns their ids. */
  async function archived(database: DatabaseFixture, count: number, at: Date, status = 'published'): Promise<string[]> {
    const archive = new RawPayloadArchive();
    const ids: string[] = [];
    for (let n = 0; n < count; n += 1)
      await database.dataSource.transaction(async (tx) => {
        const id = await archive.archive(tx, {
          method: 'POST',
          route: '/libra/daily-list',
          contentType: 'application/json',
          body: Buffer.from(JSON.stringify({ courtHouse: 'Croydon', sittings: [], n })),
          receivedAt: at,
        });
        await archive.settle(tx, id, status as 'published', 0);
        ids.push(id);
      });
    return ids;
  }

  const remaining = async (database: DatabaseFixture): Promise<string[]> =>
    ((await database.dataSource.query('SELECT id::text AS id FROM hmcts_raw_payload ORDER BY id')) as { id: string }[])
      .map((row) => row.id)
      .sort();

  it('the shipped period is 90 days from arrival', () => {
    expect(keep).toMatchObject({ text: 'P90D', days: 90 });
  });

  it('two adapter instances purging at once delete every due payload once, whatever its status, and keep the rest', async () => {
    const schema = uniqueName('hmcts_purge');
    const first = await adapterSchema(schema);
    const second = await adapterSchema(schema);
    await archived(first, 9, DUE);
    await archived(first, 3, DUE, 'unparseable');
    await archived(first, 2, DUE, 'received');
    const kept = await archived(first, 4, KEPT);
    const purgeOf = (database: DatabaseFixture): RawPayloadPurge =>
      new RawPayloadPurge(database.dataSource, keep, { batchSize: 3, maxBatches: 100, now: () => NOW });

    const [one, two] = await Promise.all([purgeOf(first).run(), purgeOf(second).run()]);

    expect(one.deleted + two.deleted).toBe(14);
    expect(one.dueBefore.toISOString()).toBe(new Date(NOW.getTime() - 90 * DAY_MS).toISOString());
    expect(await remaining(first)).toEqual([...kept].sort());
    expect((await purgeOf(first).run()).deleted).toBe(0);
  });

  it('takes at most maxBatches batches a run, the rest on the next', async () => {
    const database = await adapterSchema();
    await archived(database, 7, DUE);
    const purge = new RawPayloadPurge(database.dataSource, keep, { batchSize: 2, maxBatches: 2, now: () => NOW });
    expect((await purge.run()).deleted).toBe(4);
    expect((await purge.run()).deleted).toBe(3);
    expect(await remaining(database)).toEqual([]);
  });

  it('skips payloads another transaction holds instead of waiting, and takes them on a later run', async () => {
    const database = await adapterSchema();
    const due = await archived(database, 5, DUE);
    const purge = new RawPayloadPurge(database.dataSource, keep, { batchSize: 10, now: () => NOW });
    const holder = database.dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query('SELECT id FROM hmcts_raw_payload WHERE id = ANY($1::bigint[]) FOR UPDATE', [due.slice(0, 2)]);
      expect((await purge.run()).deleted).toBe(3);
      expect(await remaining(database)).toEqual(due.slice(0, 2).sort());
      await holder.commitTransaction();
    } finally {
      await holder.release();
    }
    expect((await purge.run()).deleted).toBe(2);
    expect(await remaining(database)).toEqual([]);
  });
});
