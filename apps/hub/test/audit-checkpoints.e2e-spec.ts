import 'reflect-metadata';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { checkpointName } from '@cstr/audit';
import { HUB_PARTNER_ID } from '@cstr/contracts';
import { projectPath } from '@cstr/platform';
import { eventually, uniqueName } from '@cstr/testing';
import { rotateKey } from '../../../tools/key-rotation';
import { AuditCheckpointScheduler } from '../src/core/audit-checkpoint.scheduler';
import { PRINCIPALS, basicAuth, bootHub, type TestHub } from './http-test-kit';

/**
 * The hub's audit checkpoints (issue 12, item 6): written outside the database on a schedule and
 * at shutdown; the attack — newest records deleted, head moved back, one ordinary append — is
 * refused with an alert (log line and metric), and `GET /audit/verify` names the cut.
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

  const latestSeq = (dir: string): number => {
    const names = readdirSync(dir).filter((name) => name.startsWith('audit-checkpoint-'));
    return names.length === 0 ? 0 : Math.max(...names.map((name) => Number(/\d+/.exec(name)?.[0])));
  };

  /**
   * The hub's own records at boot — one per agreement file of config/agreements it imports into a
   * new schema, and nothing else — checked; returns the head after them.
   */
  async function headAfterBoot(hub: TestHub): Promise<number> {
    const rows = (await hub.dataSource.query(
      'SELECT seq::int AS seq, kind, actor, reason FROM audit_record ORDER BY seq',
    )) as { seq: number; kind: string; actor: string; reason: string }[];
    const files = readdirSync(projectPath('config/agreements')).filter((name) => name.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    expect(rows.map(({ kind, actor }) => ({ kind, actor }))).toEqual(
      files.map(() => ({ kind: 'operator-action', actor: HUB_PARTNER_ID })),
    );
    for (const row of rows) expect(row.reason).toMatch(/^Imported agreement \S+ version \d+ from \S+\.yaml: in force/);
    return rows.length;
  }

  const headSeq = async (hub: TestHub): Promise<number> => {
    const [{ n }] = (await hub.dataSource.query('SELECT last_seq::int AS n FROM audit_chain_head')) as { n: number }[];
    return n;
  };

  async function verifyAs(hub: TestHub): Promise<request.Response> {
    return request(hub.app.getHttpServer()).get('/audit/verify').set('Authorization', basicAuth(PRINCIPALS.auditor));
  }

  it('writes a checkpoint at graceful shutdown that covers the last append', async () => {
    const dir = checkpointFolder();
    const hub = await bootHub({ AUDIT_CHECKPOINT_DIR: dir, AUDIT_CHECKPOINT_INTERVAL_MS: '3600000' });
    let closed = false;
    try {
      const booted = await headAfterBoot(hub);
      // No checkpoint covers the records after boot yet (the interval is an hour).
      expect(latestSeq(dir)).toBeLessThanOrEqual(booted);
      // Each verify is itself audited: three reads, three records.
      for (let i = 0; i < 3; i += 1) expect((await verifyAs(hub)).body).toMatchObject({ ok: true });
      const last = booted + 3;
      expect(await headSeq(hub)).toBe(last);
      expect(latestSeq(dir)).toBeLessThan(last);
      await hub.close();
      closed = true;
      expect(latestSeq(dir)).toBe(last);
      const checkpoint = JSON.parse(readFileSync(join(dir, checkpointName(last)), 'utf8')) as Record<string, unknown>;
      expect(checkpoint).toEqual({
        format: 1,
        seq: last,
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        at: expect.any(String),
        keyId: 'k1',
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
        await tx.query('DELETE FROM audit_record WHERE seq > $1', [seq - 5]);
        await tx.query('UPDATE audit_chain_head SET last_seq = $1, last_hash = $2', [seq - 5, hash]);
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
      const [{ n }] = (await hub.dataSource.query('SELECT count(*)::int AS n FROM audit_record')) as { n: number }[];
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

  it('rotation with the documented command: records under k1, a hub on the new lines writes under k2, verify stays ok; a hub without k2 refuses to append', async () => {
    const dir = checkpointFolder();
    const schema = uniqueName('hub_rotation');
    const FIRST = 'audit-rotation-test-first-key-0123456789';
    const common = { DATABASE_SCHEMA: schema, AUDIT_CHECKPOINT_DIR: dir, AUDIT_HMAC_KEY: FIRST };
    const before = await bootHub(common);
    let after: TestHub | undefined;
    try {
      const booted = await headAfterBoot(before);
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
      const keys = (await after.dataSource.query('SELECT key_id FROM audit_record ORDER BY seq')) as {
        key_id: string;
      }[];
      // The boot records and the first hub's reads under k1; the second hub imports nothing new (same
      // schema, same files), so its two reads follow under k2.
      expect(keys.map((row) => row.key_id)).toEqual([...Array<string>(booted + 2).fill('k1'), 'k2', 'k2']);
      // The instance still on the old configuration can check neither the checkpoint (now under k2)
      // nor the records made under k2, and cannot extend the head: its read is refused, not re-signed.
      await after.app.get(AuditCheckpointScheduler).runOnce();
      const stale = await verifyAs(before);
      expect(stale.body).toMatchObject({
        ok: false,
        firstBroken: { reason: 'checkpoint-invalid', detail: expect.stringMatching(/key the ring does not hold/) },
        readRecorded: false,
      });
      const verified = await verifyAs(after);
      expect(verified.body).toMatchObject({ ok: true, checked: booted + 4, headSeq: booted + 4 });
    } finally {
      await after?.close();
      await before.close();
    }
  });
});
