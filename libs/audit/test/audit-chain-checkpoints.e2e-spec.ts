import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseFixture, testEnvironment, uniqueName } from '@cstr/testing';
import {
  AUDIT_CHAIN_SEQ_SPAN,
  AUDIT_MIGRATIONS,
  AuditChainKey,
  AuditLog,
  FileCheckpointStore,
  chainsCheckpointName,
  checkpointName,
  signCheckpoint,
  type AuditAlert,
  type AuditRecord,
  type AuditRecordInput,
} from '@cstr/audit';
import { delivered, refused, refusedAtIngress } from './fixtures/audit-records';

const KEY = 'audit-chain-test-key-0123456789abcdef';
const P0 = 'hub.ingress.p0';
const P1 = 'hub.ingress.p1';

/**
 * Checkpoints of every chain: a partition chain cut back by somebody who can write the database
 * is caught against the checkpoint as chain `main` is, and the checkpoints of `main` alone written
 * before chains still count.
 */
describe('AuditLog checkpoints of every chain (real PostgreSQL)', () => {
  const env = testEnvironment();
  let database: DatabaseFixture;
  let folder: string;
  let dir: string;
  let alerts: AuditAlert[];
  let audit: AuditLog;

  beforeEach(async () => {
    database = await DatabaseFixture.open(env.databaseUrl, uniqueName('audit_chain_ckpt'), AUDIT_MIGRATIONS);
    folder = mkdtempSync(join(tmpdir(), 'audit-chain-checkpoints-'));
    dir = join(folder, 'checkpoints');
    alerts = [];
    audit = await openAudit();
  });

  afterEach(async () => {
    await database.close();
    rmSync(folder, { recursive: true, force: true });
  });

  /** An audit on the test's database and checkpoint folder, as a process started now would open it. */
  async function openAudit(): Promise<AuditLog> {
    return new AuditLog(database.dataSource, {
      key: KEY,
      checkpoints: await FileCheckpointStore.open(dir, { create: true }),
      onAlert: (alert) => alerts.push(alert),
    });
  }

  function append(records: AuditRecordInput[], chain?: string): Promise<AuditRecord[]> {
    return database.dataSource.transaction((tx) => audit.append(tx, records, { chain }));
  }

  function fill(count: number, chain?: string): Promise<AuditRecord[]> {
    return append(
      Array.from({ length: count }, (_, index) => (index % 2 === 0 ? delivered() : refused())),
      chain,
    );
  }

  /** As a database superuser: triggers off, statements run, triggers on. */
  async function tamper(...statements: [string, unknown[]?][]): Promise<void> {
    await database.dataSource.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_record DISABLE TRIGGER USER');
      await tx.query('ALTER TABLE audit_chain_head DISABLE TRIGGER USER');
      for (const [sql, params] of statements) await tx.query(sql, params ?? []);
      await tx.query('ALTER TABLE audit_chain_head ENABLE TRIGGER USER');
      await tx.query('ALTER TABLE audit_record ENABLE TRIGGER USER');
    });
  }

  async function headOf(chain: string): Promise<{ last_seq: string; last_hash: string; head_mac: string }> {
    const [row] = (await database.dataSource.query(
      'SELECT last_seq, last_hash, head_mac FROM audit_chain_head WHERE chain_id = $1',
      [chain],
    )) as { last_seq: string; last_hash: string; head_mac: string }[];
    return row;
  }

  it('writes one checkpoint of every chain head, named by the records it covers, and verifies every chain against it', async () => {
    const main = await fill(2);
    const p0 = await fill(3, P0);
    const p1 = await fill(1, P1);
    const outcome = await audit.checkpoint();
    expect(outcome).toEqual({
      written: true,
      checkpoint: {
        format: 2,
        at: expect.any(String),
        keyId: 'k1',
        heads: [
          { chain: 'main', seq: 2, hash: main[1].hash },
          { chain: P0, seq: AUDIT_CHAIN_SEQ_SPAN + 3, hash: p0[2].hash },
          { chain: P1, seq: 2 * AUDIT_CHAIN_SEQ_SPAN + 1, hash: p1[0].hash },
        ],
        mac: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
    expect(readdirSync(dir)).toEqual([chainsCheckpointName(6)]);
    expect(JSON.parse(readFileSync(join(dir, chainsCheckpointName(6)), 'utf8'))).toEqual(outcome.checkpoint);
    expect(await audit.checkpoint()).toMatchObject({ written: false, reason: 'unchanged' });
    // A partition's head alone moving is a new checkpoint.
    await fill(1, P1);
    expect(await audit.checkpoint()).toMatchObject({
      written: true,
      checkpoint: { heads: [{}, {}, { seq: 2 * AUDIT_CHAIN_SEQ_SPAN + 2 }] },
    });
    expect(readdirSync(dir).sort()).toEqual([chainsCheckpointName(6), chainsCheckpointName(7)]);
    expect(await audit.verify()).toEqual({
      ok: true,
      checked: 7,
      headSeq: 2,
      checkpoint: { seq: 2, at: expect.any(String), keyId: 'k1' },
      chains: [
        { chain: 'main', headSeq: 2, checked: 2, checkpointSeq: 2 },
        { chain: P0, headSeq: AUDIT_CHAIN_SEQ_SPAN + 3, checked: 3, checkpointSeq: AUDIT_CHAIN_SEQ_SPAN + 3 },
        { chain: P1, headSeq: 2 * AUDIT_CHAIN_SEQ_SPAN + 2, checked: 2, checkpointSeq: 2 * AUDIT_CHAIN_SEQ_SPAN + 2 },
      ],
    });
  });

  it('a partition chain cut back with its head copied back from an earlier state: verify names the chain and the record, and the checkpointer refuses to sign', async () => {
    await fill(3);
    await fill(3, P0);
    const earlier = await headOf(P0);
    const p0 = await fill(2, P0);
    await fill(2, P1);
    expect(await audit.checkpoint()).toMatchObject({ written: true });

    // The newest two records of p0 deleted and its head set back to a state it had: its MAC verifies.
    await tamper(
      ['DELETE FROM audit_record WHERE chain_id = $1 AND seq > $2', [P0, earlier.last_seq]],
      [
        'UPDATE audit_chain_head SET last_seq = $1, last_hash = $2, head_mac = $3 WHERE chain_id = $4',
        [earlier.last_seq, earlier.last_hash, earlier.head_mac, P0],
      ],
    );
    // Without the checkpoint, the chain itself cannot tell.
    expect(await new AuditLog(database.dataSource, { key: KEY }).verify()).toMatchObject({ ok: true });

    const result = await audit.verify();
    expect(result).toMatchObject({
      ok: false,
      firstBroken: { chain: P0, seq: AUDIT_CHAIN_SEQ_SPAN + 4, reason: 'truncated' },
      checkpoint: { seq: 3, keyId: 'k1' },
    });
    expect(result.firstBroken?.detail).toMatch(
      new RegExp(`saw 5 records, up to ${AUDIT_CHAIN_SEQ_SPAN + 5}; the chain ends at ${AUDIT_CHAIN_SEQ_SPAN + 3}\\.`),
    );

    // A process started now reads the checkpoint from the store and will not sign the cut head.
    const restarted = await openAudit();
    expect(await restarted.checkpoint()).toEqual({ written: false, reason: 'head-behind-checkpoint' });
    expect(alerts).toEqual([
      {
        reason: 'head-behind-checkpoint',
        detail: expect.stringMatching(
          new RegExp(
            `^The head of chain ${P0.replace(/\./g, '\\.')} is at ${AUDIT_CHAIN_SEQ_SPAN + 3}, behind the checkpoint of .* at ${AUDIT_CHAIN_SEQ_SPAN + 5}\\.$`,
          ),
        ),
      },
    ]);

    // The database alone lets p0 be written again past the cut: the record the checkpoint saw differs.
    await fill(2, P0);
    const rewound = await audit.verify();
    expect(rewound.firstBroken).toMatchObject({ chain: P0, seq: AUDIT_CHAIN_SEQ_SPAN + 5, reason: 'rewound' });
    expect(p0[1].seq).toBe(AUDIT_CHAIN_SEQ_SPAN + 5);
    expect(await restarted.checkpoint()).toEqual({ written: false, reason: 'head-behind-checkpoint' });
    expect(alerts[1].detail).toMatch(
      new RegExp(`^Record ${AUDIT_CHAIN_SEQ_SPAN + 5} of chain ${P0.replace(/\./g, '\\.')} is not the one`),
    );
  });

  it('a partition chain deleted with its head: verify reports it truncated at its first record', async () => {
    await fill(2);
    await fill(2, P0);
    await fill(3, P1);
    await audit.checkpoint();
    await tamper(
      ['DELETE FROM audit_record WHERE chain_id = $1', [P1]],
      ['DELETE FROM audit_chain_head WHERE chain_id = $1', [P1]],
    );
    const result = await audit.verify();
    expect(result).toMatchObject({
      ok: false,
      firstBroken: { chain: P1, seq: 2 * AUDIT_CHAIN_SEQ_SPAN + 1, reason: 'truncated' },
    });
    expect(result.firstBroken?.detail).toMatch(/saw 3 records, up to \d+; the chain has none\./);
    expect(await (await openAudit()).checkpoint()).toEqual({ written: false, reason: 'head-behind-checkpoint' });
    expect(alerts[0].detail).toMatch(/^The head of chain hub\.ingress\.p1 is gone, behind the checkpoint/);
  });

  describe('checkpoints of chain main alone, written before chains', () => {
    /** A checkpoint as the hub wrote them before chains: `audit-checkpoint-<seq>.json`, format 1. */
    async function legacyCheckpoint(record: AuditRecord, key = new AuditChainKey(KEY)): Promise<void> {
      const store = await FileCheckpointStore.open(dir, { create: true });
      const checkpoint = signCheckpoint(key, record.seq, record.hash, new Date('2026-01-05T10:00:00.000Z'));
      expect(await store.put(checkpointName(record.seq), `${JSON.stringify(checkpoint, null, 2)}\n`)).toBe('written');
    }

    it('still verifies, and still catches main cut back before it', async () => {
      const main = await fill(4);
      await fill(2, P0);
      await legacyCheckpoint(main[3]);
      expect(await audit.verify()).toMatchObject({
        ok: true,
        checked: 6,
        checkpoint: { seq: 4, at: '2026-01-05T10:00:00.000Z', keyId: 'k1' },
        chains: [{ chain: 'main', checkpointSeq: 4 }, { chain: P0 }],
      });
      await tamper(['DELETE FROM audit_record WHERE seq > 2 AND chain_id = $1', ['main']]);
      expect((await audit.verify()).firstBroken).toMatchObject({ seq: 3, reason: 'truncated' });
      expect((await audit.verify()).firstBroken?.chain).toBeUndefined();
    });

    it('the first checkpoint of every chain is checked against it, and then covers main too', async () => {
      const main = await fill(4);
      await fill(2, P0);
      await legacyCheckpoint(main[3]);
      await fill(1);
      expect(await audit.checkpoint()).toMatchObject({
        written: true,
        checkpoint: { heads: [{ chain: 'main', seq: 5 }, { chain: P0 }] },
      });
      expect(readdirSync(dir).sort()).toEqual([checkpointName(4), chainsCheckpointName(7)]);
      expect(await audit.verify()).toMatchObject({ ok: true, checkpoint: { seq: 5 } });
    });

    it('one written later than the checkpoint of every chain (an instance not yet upgraded) counts for main', async () => {
      await fill(2);
      await fill(1, P0);
      await audit.checkpoint();
      await fill(2);
      const earlier = await headOf('main');
      const [fifth] = await fill(1);
      await legacyCheckpoint(fifth);
      expect(await audit.verify()).toMatchObject({ ok: true, checkpoint: { seq: 5, at: '2026-01-05T10:00:00.000Z' } });
      // Record 5 deleted and main's head copied back to seq 4: only the later checkpoint of main alone saw 5.
      await tamper(
        ['DELETE FROM audit_record WHERE seq = 5'],
        [
          'UPDATE audit_chain_head SET last_seq = $1, last_hash = $2, head_mac = $3 WHERE chain_id = $4',
          [earlier.last_seq, earlier.last_hash, earlier.head_mac, 'main'],
        ],
      );
      expect((await audit.verify()).firstBroken).toMatchObject({ seq: 5, reason: 'truncated' });
      // A process started now refuses to sign over it as well.
      expect(await (await openAudit()).checkpoint()).toEqual({ written: false, reason: 'head-behind-checkpoint' });
      expect(alerts).toEqual([
        {
          reason: 'head-behind-checkpoint',
          detail: expect.stringMatching(
            /^The chain head is at 4, behind the checkpoint of 2026-01-05T10:00:00\.000Z at 5\.$/,
          ),
        },
      ]);
    });

    it('a checkpoint of main alone that does not verify fails verify', async () => {
      const main = await fill(3);
      await legacyCheckpoint(main[2], new AuditChainKey('somebody-elses-key-0123456789abcdef'));
      expect(await audit.verify()).toMatchObject({ ok: false, firstBroken: { seq: 3, reason: 'checkpoint-invalid' } });
    });
  });

  it('a forged checkpoint of every chain fails verify', async () => {
    await fill(2);
    await fill(1, P0);
    await audit.checkpoint();
    await fill(1, P0);
    const name = chainsCheckpointName(4);
    const forger = new AuditChainKey('somebody-elses-key-0123456789abcdef');
    const [main, p0] = (await database.dataSource.query(
      'SELECT chain_id AS chain, last_seq::bigint AS seq, last_hash AS hash FROM audit_chain_head ORDER BY id',
    )) as { chain: string; seq: string; hash: string }[];
    const heads = [main, p0].map((head) => ({ chain: head.chain, seq: Number(head.seq), hash: head.hash }));
    const at = new Date().toISOString();
    const store = await FileCheckpointStore.open(dir, { create: false });
    await store.put(
      name,
      JSON.stringify({ format: 2, at, keyId: 'k1', heads, mac: forger.chainsCheckpointMac(at, heads) }),
    );
    expect(await audit.verify()).toMatchObject({
      ok: false,
      firstBroken: { seq: 4, reason: 'checkpoint-invalid', detail: expect.stringMatching(/not signed by the key/) },
    });
  });

  it('keeps the refusal of an append to a partition head moved without the key, naming the chain', async () => {
    await fill(1, P0);
    const p0 = await fill(2, P0);
    await tamper(
      ['DELETE FROM audit_record WHERE seq = $1', [p0[1].seq]],
      ['UPDATE audit_chain_head SET last_seq = $1, last_hash = $2 WHERE chain_id = $3', [p0[0].seq, p0[0].hash, P0]],
    );
    await expect(append([refusedAtIngress()], P0)).rejects.toMatchObject({ reason: 'head-mac-invalid' });
    expect(alerts).toEqual([
      {
        reason: 'head-mac-invalid',
        detail: expect.stringMatching(/^The head of chain hub\.ingress\.p0 \(seq \d+\) does not verify/),
      },
    ]);
  });
});
