import type { DataSource, EntityManager } from 'typeorm';
import { DatabaseFixture, testEnvironment, uniqueName } from '@cstr/testing';
import { AUDIT_CHAIN_SEQ_SPAN, AUDIT_MIGRATIONS, AuditLog, type AuditRecordInput } from '@cstr/audit';
import { delivered, refused, refusedAtIngress } from './fixtures/audit-records';

const KEY = 'audit-chain-test-key-0123456789abcdef';
const P0 = 'hub.ingress.p0';
const P1 = 'hub.ingress.p1';

describe('AuditLog chains (real PostgreSQL)', () => {
  const env = testEnvironment();
  let database: DatabaseFixture;
  let audit: AuditLog;
  let clock = Date.parse('2026-09-01T10:00:00.000Z');

  beforeEach(async () => {
    database = await DatabaseFixture.open(env.databaseUrl, uniqueName('audit_chains'), AUDIT_MIGRATIONS);
    // Each record a millisecond later than the one before, so that time orders them.
    audit = new AuditLog(database.dataSource, { key: KEY, now: () => new Date((clock += 1)) });
  });

  afterEach(async () => {
    await database.close();
  });

  function append(dataSource: DataSource, records: AuditRecordInput[], chain?: string) {
    return dataSource.transaction((tx) => audit.append(tx, records, { chain }));
  }

  it('numbers each chain from its own base without gaps, and verifies every chain, main as before', async () => {
    const main = await append(database.dataSource, [delivered(), refused()]);
    const p0 = await append(database.dataSource, [delivered(), refusedAtIngress()], P0);
    const p1 = await append(database.dataSource, [refused()], P1);
    const p0Again = await append(database.dataSource, [delivered()], P0);
    expect(main.map((record) => record.seq)).toEqual([1, 2]);
    expect([...p0, ...p0Again].map((record) => record.seq)).toEqual([
      AUDIT_CHAIN_SEQ_SPAN + 1,
      AUDIT_CHAIN_SEQ_SPAN + 2,
      AUDIT_CHAIN_SEQ_SPAN + 3,
    ]);
    expect(p1.map((record) => record.seq)).toEqual([2 * AUDIT_CHAIN_SEQ_SPAN + 1]);
    expect(p0Again[0].prevHash).toBe(p0[1].hash);
    expect(await audit.verify({ pageSize: 2 })).toEqual({
      ok: true,
      checked: 6,
      headSeq: 2,
      chains: [
        { chain: 'main', headSeq: 2, checked: 2 },
        { chain: P0, headSeq: AUDIT_CHAIN_SEQ_SPAN + 3, checked: 3 },
        { chain: P1, headSeq: 2 * AUDIT_CHAIN_SEQ_SPAN + 1, checked: 1 },
      ],
    });
  });

  it('lets two chains append at once: an open append on one chain holds only that chain', async () => {
    await append(database.dataSource, [delivered()], P0);
    await append(database.dataSource, [delivered()], P1);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holding = database.dataSource.transaction(async (tx: EntityManager) => {
      await audit.append(tx, [refused()], { chain: P0 });
      await held;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const other = await Promise.race([
      append(database.dataSource, [refused()], P1).then(() => 'appended'),
      new Promise((resolve) => setTimeout(() => resolve('waited'), 3_000)),
    ]);
    const sameChain = append(database.dataSource, [refusedAtIngress()], P0).then(() => 'appended');
    const beforeRelease = await Promise.race([
      sameChain,
      new Promise((resolve) => setTimeout(() => resolve('waited'), 500)),
    ]);
    release();
    await holding;
    expect(other).toBe('appended');
    expect(beforeRelease).toBe('waited');
    expect(await sameChain).toBe('appended');
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 5 });
  });

  it('names the broken record and its chain when a partition chain is tampered with', async () => {
    await append(database.dataSource, [delivered(), refused()]);
    const p1 = await append(database.dataSource, [delivered(), refused(), refusedAtIngress()], P1);
    await database.dataSource.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_record DISABLE TRIGGER USER');
      await tx.query(`UPDATE audit_record SET sender = 'someone-else' WHERE seq = $1`, [p1[1].seq]);
      await tx.query('ALTER TABLE audit_record ENABLE TRIGGER USER');
    });
    const result = await audit.verify();
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({ seq: p1[1].seq, chain: P1, reason: 'hash-mismatch' });
  });

  it('refuses a record put in a chain that has no head', async () => {
    await append(database.dataSource, [delivered()]);
    const [record] = await append(database.dataSource, [refused()], P0);
    await database.dataSource.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_record DISABLE TRIGGER USER');
      await tx.query(`UPDATE audit_record SET chain_id = 'forged' WHERE seq = $1`, [record.seq]);
      await tx.query('ALTER TABLE audit_record ENABLE TRIGGER USER');
    });
    expect((await audit.verify()).firstBroken).toMatchObject({
      seq: record.seq,
      chain: 'forged',
      reason: 'head-mismatch',
    });
  });

  it('searches one history across chains, by time then seq, each record once across pages', async () => {
    const written = [
      ...(await append(database.dataSource, [delivered()], P1)),
      ...(await append(database.dataSource, [refused()])),
      ...(await append(database.dataSource, [delivered(), refused()], P0)),
      ...(await append(database.dataSource, [refusedAtIngress()], P1)),
    ];
    const seen: number[] = [];
    let after: string | undefined;
    do {
      const page = await audit.search({}, { limit: 2, order: 'oldest-first', ...(after ? { after } : {}) });
      if (!page.ok) throw new Error('search refused');
      seen.push(...page.records.map((record) => record.seq));
      after = page.next;
    } while (after);
    expect(seen).toEqual(written.map((record) => record.seq));
    const newest = await audit.search({}, { limit: 10 });
    expect(newest.ok && newest.records.map((record) => record.seq)).toEqual(
      written.map((record) => record.seq).reverse(),
    );
  });
});
