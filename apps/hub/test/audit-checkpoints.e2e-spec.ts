import 'reflect-metadata';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import {
  AuditChainKey,
  AuditLog,
  FileCheckpointStore,
  checkpointLayout,
  checkpointName,
  signCheckpoint,
  type AuditChainsCheckpoint,
  type AuditRecordInput,
} from '@cstr/audit';
import { HUB_PARTNER_ID, MAX_INGRESS_PARTITIONS, ingressPartitionQueue } from '@cstr/contracts';
import { projectPath } from '@cstr/platform';
import { eventually, uniqueName } from '@cstr/testing';
import { rotateKey } from '../../../tools/key-rotation';
import { AuditCheckpointScheduler } from '../src/core/audit-checkpoint.scheduler';
import { PRINCIPALS, basicAuth, bootHub, type TestHub } from './http-test-kit';

/**
 * The hub's audit checkpoints (issue 12, item 6): written outside the database on a schedule and
 * at shutdown, of every chain; the attack — newest records deleted, head moved back, one ordinary
 * append — is refused with an alert (log line and metric), and `GET /audit/verify` names the cut,
 * in chain `main` or in a partition's chain.
 */
describe('hub audit checkpoints (real PostgreSQL and RabbitMQ)', () => {
  const folders: string[] = [];
  afterAll(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  function checkpointFolder(): string {
    const folder = mkdtempSync(join(tmpdir(), 'hub-audit-checkpoints-'));
    folders.push(folder);
    return join(folder, uniqueName('checkpoints'));
  }

  /** The latest checkpoint of every chain in `dir`, if any. */
  const latestCheckpoint = (dir: string): { name: string; checkpoint: AuditChainsCheckpoint } | undefined => {
    const name = readdirSync(dir)
      .filter((each) => checkpointLayout(each) === 'chains')
      .sort()
      .pop();
    return name === undefined
      ? undefined
      : { name, checkpoint: JSON.parse(readFileSync(join(dir, name), 'utf8')) as AuditChainsCheckpoint };
  };

  /** The seq of chain `main` in the latest checkpoint (0 when there is none). */
  const latestSeq = (dir: string): number =>
    latestCheckpoint(dir)?.checkpoint.heads.find((head) => head.chain === 'main')?.seq ?? 0;

  /**
   * The hub's own records at boot: one per agreement file of config/agreements, imported into a
   * new schema. Any other record is a decision about a message an earlier test file left on the
   * shared broker, which this hub consumes; none is a read or another operator action.
   */
  async function expectBootRecords(hub: TestHub): Promise<void> {
    const rows = (await hub.dataSource.query('SELECT kind, actor, reason FROM audit_record ORDER BY seq')) as {
      kind: string;
      actor: string | null;
      reason: string | null;
    }[];
    const files = readdirSync(projectPath('config/agreements')).filter((name) => name.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    const own = rows.filter((row) => row.kind === 'operator-action');
    expect(own.map(({ actor }) => actor)).toEqual(files.map(() => HUB_PARTNER_ID));
    for (const row of own) expect(row.reason).toMatch(/^Imported agreement \S+ version \d+ from \S+\.yaml: in force/);
    for (const row of rows.filter((each) => each.kind !== 'operator-action'))
      expect(['decision', 'refusal-at-ingress', 'dead-letter']).toContain(row.kind);
  }

  const headSeq = async (hub: TestHub): Promise<number> => {
    const [{ n }] = (await hub.dataSource.query(
      "SELECT last_seq::int AS n FROM audit_chain_head WHERE chain_id = 'main'",
    )) as { n: number }[];
    return n;
  };

  /** The head once nothing more is appended (messages left on the shared broker all consumed). */
  const settledHead = async (hub: TestHub): Promise<number> => {
    const [head] = await eventually(
      async () => {
        const first = await headSeq(hub);
        await new Promise((resolve) => setTimeout(resolve, 500));
        return [first, await headSeq(hub)];
      },
      ([first, second]) => first === second,
      20_000,
      0,
    );
    return head;
  };

  const keysOfReads = async (hub: TestHub): Promise<string[]> =>
    (
      (await hub.dataSource.query("SELECT key_id FROM audit_record WHERE kind = 'read' ORDER BY seq")) as {
        key_id: string;
      }[]
    ).map((row) => row.key_id);

  /** No scheduler of the hub's own appends during these tests: the records are the test's. */
  const QUIET = { PATHWAY_SCHEDULER_INTERVAL_MS: '0', RETENTION_PURGE_INTERVAL_MS: '0' };

  async function verifyAs(hub: TestHub): Promise<request.Response> {
    return request(hub.app.getHttpServer()).get('/audit/verify').set('Authorization', basicAuth(PRINCIPALS.auditor));
  }

  it('writes a checkpoint at graceful shutdown that covers the last append', async () => {
    const dir = checkpointFolder();
    const hub = await bootHub({ ...QUIET, AUDIT_CHECKPOINT_DIR: dir, AUDIT_CHECKPOINT_INTERVAL_MS: '3600000' });
    let closed = false;
    try {
      await expectBootRecords(hub);
      // The checkpoint at start (taken just after boot) covers the imports.
      const atStart = await eventually(
        async () => latestSeq(dir),
        (seq) => seq > 0,
        10_000,
      );
      // Each verify is itself audited: three reads, three records.
      for (let i = 0; i < 3; i += 1) expect((await verifyAs(hub)).body).toMatchObject({ ok: true });
      expect(await keysOfReads(hub)).toEqual(['k1', 'k1', 'k1']);
      const last = await settledHead(hub);
      // No checkpoint since the one at start (the interval is an hour): the reads are not covered yet.
      expect(latestSeq(dir)).toBe(atStart);
      expect(atStart).toBeLessThan(last);
      await hub.close();
      closed = true;
      expect(latestSeq(dir)).toBe(last);
      expect(latestCheckpoint(dir)?.checkpoint).toEqual({
        format: 2,
        at: expect.any(String),
        keyId: 'k1',
        heads: expect.arrayContaining([{ chain: 'main', seq: last, hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]),
        mac: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    } finally {
      if (!closed) await hub.close();
    }
  });

  it('refuses the append after the head was moved back, alerts, and verify names the truncation against the checkpoint', async () => {
    const dir = checkpointFolder();
    const hub = await bootHub({ AUDIT_CHECKPOINT_DIR: dir, AUDIT_CHECKPOINT_INTERVAL_MS: '1000' });
    try {
      for (let i = 0; i < 10; i += 1) expect((await verifyAs(hub)).status).toBe(200);
      await eventually(
        async () => latestSeq(dir),
        (seq) => seq >= 10,
        10_000,
      );
      const seq = latestSeq(dir);
      const [{ hash }] = (await hub.dataSource.query('SELECT hash FROM audit_record WHERE seq = $1', [seq - 5])) as {
        hash: string;
      }[];
      // As a database superuser: the newest five deleted, the head moved back to the new last one.
      await hub.dataSource.transaction(async (tx) => {
        await tx.query('ALTER TABLE audit_record DISABLE TRIGGER USER');
        await tx.query("DELETE FROM audit_record WHERE seq > $1 AND chain_id = 'main'", [seq - 5]);
        await tx.query("UPDATE audit_chain_head SET last_seq = $1, last_hash = $2 WHERE chain_id = 'main'", [
          seq - 5,
          hash,
        ]);
        await tx.query('ALTER TABLE audit_record ENABLE TRIGGER USER');
      });

      // The verify's own read record is the ordinary append: refused, so the auditor still sees the cut.
      const answer = await verifyAs(hub);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        ok: false,
        headSeq: seq - 5,
        firstBroken: { seq: seq - 4, reason: 'truncated' },
        checkpoint: { seq, keyId: 'k1' },
        readRecorded: false,
      });
      const [{ n }] = (await hub.dataSource.query(
        "SELECT count(*)::int AS n FROM audit_record WHERE chain_id = 'main'",
      )) as { n: number }[];
      expect(n).toBe(seq - 5);

      const metrics = await request(hub.app.getHttpServer())
        .get('/metrics')
        .set('Authorization', basicAuth(PRINCIPALS.operator));
      expect(metrics.text).toMatch(/cstr_hub_audit_alerts_total\{reason="head-mac-invalid"\} [1-9]/);
      expect(metrics.text).toMatch(new RegExp(`cstr_hub_audit_checkpoint_seq ${seq}\\b`));
      // No checkpoint is ever taken of the moved head.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(latestSeq(dir)).toBe(seq);
    } finally {
      await hub.close();
    }
  });

  it("a partition's chain cut back with its head copied back from an earlier state: verify names the chain and record against the checkpoint, and the checkpointer alerts", async () => {
    // A partition this hub does not consume, so that no message left on the shared broker lands in it meanwhile.
    const chain = ingressPartitionQueue(MAX_INGRESS_PARTITIONS - 1);
    const dir = checkpointFolder();
    const hub = await bootHub({ ...QUIET, AUDIT_CHECKPOINT_DIR: dir, AUDIT_CHECKPOINT_INTERVAL_MS: '3600000' });
    try {
      const audit = hub.app.get(AuditLog);
      const refusal = (): AuditRecordInput => ({
        kind: 'refusal-at-ingress',
        outcome: 'refused',
        eventType: 'court.hearing.listed',
        sender: 'hmcts-common-platform',
        refusingRule: 'invalid-bundle',
        reason: 'Patient.identifier: NHS number check digit is wrong.',
      });
      const append = (count: number) =>
        hub.dataSource.transaction((tx) => audit.append(tx, Array.from({ length: count }, refusal), { chain }));
      await append(3);
      const [earlier] = (await hub.dataSource.query(
        'SELECT last_seq, last_hash, head_mac FROM audit_chain_head WHERE chain_id = $1',
        [chain],
      )) as { last_seq: string; last_hash: string; head_mac: string }[];
      const cut = await append(2);
      const taken = await hub.app.get(AuditCheckpointScheduler).runOnce();
      expect(taken?.checkpoint?.heads).toContainEqual({ chain, seq: cut[1].seq, hash: cut[1].hash });
      expect(latestCheckpoint(dir)?.checkpoint.heads).toContainEqual({ chain, seq: cut[1].seq, hash: cut[1].hash });
      const files = readdirSync(dir).sort();

      // As a database superuser: the partition's newest two deleted, its head set back to a state it had.
      await hub.dataSource.transaction(async (tx) => {
        await tx.query('ALTER TABLE audit_record DISABLE TRIGGER USER');
        await tx.query('DELETE FROM audit_record WHERE chain_id = $1 AND seq > $2', [chain, earlier.last_seq]);
        await tx.query('UPDATE audit_chain_head SET last_seq = $1, last_hash = $2, head_mac = $3 WHERE chain_id = $4', [
          earlier.last_seq,
          earlier.last_hash,
          earlier.head_mac,
          chain,
        ]);
        await tx.query('ALTER TABLE audit_record ENABLE TRIGGER USER');
      });

      const answer = await verifyAs(hub);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        ok: false,
        firstBroken: {
          chain,
          seq: cut[0].seq,
          reason: 'truncated',
          detail: expect.stringMatching(
            new RegExp(`saw 5 records, up to ${cut[1].seq}; the chain ends at ${earlier.last_seq}`),
          ),
        },
      });
      // The checkpointer will not sign the cut head, and says so.
      expect(await hub.app.get(AuditCheckpointScheduler).runOnce()).toEqual({
        written: false,
        reason: 'head-behind-checkpoint',
      });
      const metrics = await request(hub.app.getHttpServer())
        .get('/metrics')
        .set('Authorization', basicAuth(PRINCIPALS.operator));
      expect(metrics.text).toMatch(/cstr_hub_audit_alerts_total\{reason="head-behind-checkpoint"\} [1-9]/);
      expect(readdirSync(dir).sort()).toEqual(files);
    } finally {
      await hub.close();
    }
  });

  it('a hub upgraded onto a folder of checkpoints of main alone verifies against them and writes its checkpoint of every chain beside them', async () => {
    const schema = uniqueName('hub_upgrade');
    const KEY = 'audit-upgrade-test-key-0123456789abcdef';
    const common = { ...QUIET, DATABASE_SCHEMA: schema, AUDIT_HMAC_KEY: KEY };
    const before = await bootHub({ ...common, AUDIT_CHECKPOINT_DIR: checkpointFolder() });
    let after: TestHub | undefined;
    try {
      await expectBootRecords(before);
      // A checkpoint of main as hubs wrote them before chains, in the folder the upgraded hub is given.
      const seq = await headSeq(before);
      const [{ hash }] = (await before.dataSource.query('SELECT hash FROM audit_record WHERE seq = $1', [seq])) as {
        hash: string;
      }[];
      const dir = checkpointFolder();
      const legacy = signCheckpoint(new AuditChainKey(KEY), seq, hash, new Date('2026-01-05T10:00:00.000Z'));
      const store = await FileCheckpointStore.open(dir, { create: true });
      expect(await store.put(checkpointName(seq), `${JSON.stringify(legacy, null, 2)}\n`)).toBe('written');

      after = await bootHub({ ...common, AUDIT_CHECKPOINT_DIR: dir, AUDIT_CHECKPOINT_INTERVAL_MS: '3600000' });
      await eventually(
        async () => latestSeq(dir),
        (main) => main >= seq,
        10_000,
      );
      expect(readFileSync(join(dir, checkpointName(seq)), 'utf8')).toBe(`${JSON.stringify(legacy, null, 2)}\n`);
      expect(readdirSync(dir).filter((name) => checkpointLayout(name) === 'main')).toEqual([checkpointName(seq)]);
      const verified = await verifyAs(after);
      expect(verified.body).toMatchObject({ ok: true, checkpoint: { seq: latestSeq(dir), keyId: 'k1' } });
    } finally {
      await after?.close();
      await before.close();
    }
  });

  it('rotation with the documented command: records under k1, a hub on the new lines writes under k2, verify stays ok; a hub without k2 refuses to append', async () => {
    const dir = checkpointFolder();
    const schema = uniqueName('hub_rotation');
    const FIRST = 'audit-rotation-test-first-key-0123456789';
    const common = { ...QUIET, DATABASE_SCHEMA: schema, AUDIT_CHECKPOINT_DIR: dir, AUDIT_HMAC_KEY: FIRST };
    const before = await bootHub(common);
    let after: TestHub | undefined;
    try {
      await expectBootRecords(before);
      for (let i = 0; i < 2; i += 1) expect((await verifyAs(before)).body).toMatchObject({ ok: true });
      const lines = Object.fromEntries(
        rotateKey('audit', { AUDIT_HMAC_KEY: FIRST }).lines.map((line) => [
          line.slice(0, line.indexOf('=')),
          line.slice(line.indexOf('=') + 1),
        ]),
      );
      expect(lines.AUDIT_HMAC_KEY_ID).toBe('k2');
      after = await bootHub({ ...common, ...lines });
      for (let i = 0; i < 2; i += 1) expect((await verifyAs(after)).body).toMatchObject({ ok: true });
      expect(await keysOfReads(after)).toEqual(['k1', 'k1', 'k2', 'k2']);
      // The second hub imports nothing new (same schema, same files): the imports are the first hub's, under k1.
      const imports = (await after.dataSource.query(
        "SELECT key_id FROM audit_record WHERE kind = 'operator-action' ORDER BY seq",
      )) as { key_id: string }[];
      expect(imports.map((row) => row.key_id)).toEqual(
        readdirSync(projectPath('config/agreements'))
          .filter((name) => name.endsWith('.yaml'))
          .map(() => 'k1'),
      );
      // The instance still on the old configuration can check neither the checkpoint (now under k2)
      // nor the records made under k2, and cannot extend the head: its read is refused, not re-signed.
      await after.app.get(AuditCheckpointScheduler).runOnce();
      const stale = await verifyAs(before);
      expect(stale.body).toMatchObject({
        ok: false,
        firstBroken: { reason: 'checkpoint-invalid', detail: expect.stringMatching(/key the ring does not hold/) },
        readRecorded: false,
      });
      const head = await settledHead(after);
      const verified = await verifyAs(after);
      expect(verified.body).toMatchObject({ ok: true, checked: head, headSeq: head });
    } finally {
      await after?.close();
      await before.close();
    }
  });
});
