import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createAppDataSource } from '@cstr/messaging';
import { DatabaseFixture, testEnvironment, uniqueName } from '@cstr/testing';
import {
  AUDIT_MIGRATIONS,
  AuditChainHeadError,
  AuditChainKey,
  AuditKeyRing,
  AuditLog,
  FileCheckpointStore,
  GENESIS_HASH,
  InvalidAuditRecordError,
  chainsCheckpointName,
  checkpointLayout,
  checkpointName,
  type AuditAlert,
  type AuditCheckpointStore,
  toAuditEvent,
  type AuditRecord,
  type AuditRecordInput,
  type ChainVerification,
} from '@cstr/audit';
import { errorsOf, validateResource } from '@cstr/fhir';
import { delivered, PERSON, refused, refusedAtIngress } from './fixtures/audit-records';

const KEY = 'audit-chain-test-key-0123456789abcdef';

describe('AuditLog (real PostgreSQL)', () => {
  const env = testEnvironment();
  const opened: DatabaseFixture[] = [];

  afterAll(async () => {
    for (const database of opened) await database.close();
  });

  /** A fresh audit in a schema of its own. */
  async function freshAudit(prefix = 'audit'): Promise<{ database: DatabaseFixture; audit: AuditLog }> {
    const database = await DatabaseFixture.open(env.databaseUrl, uniqueName(prefix), AUDIT_MIGRATIONS);
    opened.push(database);
    return { database, audit: new AuditLog(database.dataSource, { key: KEY }) };
  }

  async function appendAll(
    audit: AuditLog,
    dataSource: DataSource,
    inputs: AuditRecordInput[],
  ): Promise<AuditRecord[]> {
    return dataSource.transaction((tx) => audit.append(tx, inputs));
  }

  /** Runs `sql` with the append-only triggers off, as somebody with database access could. */
  async function tamper(dataSource: DataSource, ...statements: [string, unknown[]?][]): Promise<void> {
    await dataSource.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_record DISABLE TRIGGER USER');
      for (const [sql, params] of statements) await tx.query(sql, params ?? []);
      await tx.query('ALTER TABLE audit_record ENABLE TRIGGER USER');
    });
  }

  function broken(result: ChainVerification): { seq: number; reason: string } | undefined {
    return result.firstBroken && { seq: result.firstBroken.seq, reason: result.firstBroken.reason };
  }

  describe('append and verify', () => {
    it('numbers records 1, 2, 3…, links each to the one before, and verifies', async () => {
      const { database, audit } = await freshAudit();
      const first = await appendAll(audit, database.dataSource, [delivered(), refused()]);
      const second = await appendAll(audit, database.dataSource, [refusedAtIngress()]);
      expect([...first, ...second].map((record) => record.seq)).toEqual([1, 2, 3]);
      expect(first[0].prevHash).toBe('0'.repeat(64));
      expect(first[1].prevHash).toBe(first[0].hash);
      expect(second[0].prevHash).toBe(first[1].hash);
      expect(await audit.verify()).toEqual({ ok: true, checked: 3, headSeq: 3 });
    });

    it('an empty audit verifies', async () => {
      const { audit } = await freshAudit();
      expect(await audit.verify()).toEqual({ ok: true, checked: 0, headSeq: 0 });
    });

    it('gives back exactly what it stored (the jsonb and timestamptz round trip keeps the hash)', async () => {
      const { database, audit } = await freshAudit();
      const recordedAt = new Date('2026-05-01T10:00:00.123Z');
      // Texts that PostgreSQL array literals and jsonb must carry through unchanged.
      const awkward = delivered({
        recordedAt,
        reason: 'é ✓ \u{1F600} "quoted"\nnext line',
        flowId: 'NULL',
        refusingRule: undefined,
        consentReference: '{a,b} "c" \\d',
        removedElements: ['NULL', '{x}', 'a,b', 'back\\slash "q"', ''.padEnd(3, ' ')],
        legalBasis: { 'z key': 'last', 'a key': 'first, "quoted"' },
      });
      const [stored] = await appendAll(audit, database.dataSource, [awkward]);
      const page = await audit.search({}, { limit: 10 });
      expect(page).toEqual({ ok: true, records: [stored] });
      expect(stored.recordedAt.toISOString()).toBe('2026-05-01T10:00:00.123Z');
      expect((await audit.verify()).ok).toBe(true);
    });

    it('verifies across many pages', async () => {
      const { database, audit } = await freshAudit();
      await appendAll(
        audit,
        database.dataSource,
        Array.from({ length: 25 }, () => delivered()),
      );
      expect(await audit.verify({ pageSize: 4 })).toEqual({ ok: true, checked: 25, headSeq: 25 });
    });

    it('opens its own transaction when the manager has none', async () => {
      const { database, audit } = await freshAudit();
      const [record] = await audit.append(database.dataSource.manager, [delivered()]);
      expect(record.seq).toBe(1);
      expect((await audit.verify()).ok).toBe(true);
    });

    it('refuses a malformed record with an OperationOutcome and appends none of the batch', async () => {
      const { database, audit } = await freshAudit();
      const bad = { ...delivered(), agreement: undefined };
      const error = await appendAll(audit, database.dataSource, [delivered(), bad]).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(InvalidAuditRecordError);
      expect((error as InvalidAuditRecordError).outcome.issue).toEqual([
        expect.objectContaining({ code: 'required', expression: ['AuditRecordInput[1].agreement'] }),
      ]);
      expect(await database.count('SELECT count(*) AS n FROM audit_record')).toBe(0);
    });

    it('refuses UPDATE, DELETE and TRUNCATE of records, and deleting the chain head', async () => {
      const { database, audit } = await freshAudit();
      await appendAll(audit, database.dataSource, [delivered()]);
      await expect(database.dataSource.query("UPDATE audit_record SET reason = 'x'")).rejects.toThrow(/append-only/);
      await expect(database.dataSource.query('DELETE FROM audit_record')).rejects.toThrow(/append-only/);
      await expect(database.dataSource.query('TRUNCATE audit_record')).rejects.toThrow(/append-only/);
      await expect(database.dataSource.query('DELETE FROM audit_chain_head')).rejects.toThrow(/cannot be deleted/);
      expect((await audit.verify()).ok).toBe(true);
    });
  });

  describe('tampering is detected and the first broken record named', () => {
    async function chainOf(
      count: number,
    ): Promise<{ database: DatabaseFixture; audit: AuditLog; records: AuditRecord[] }> {
      const { database, audit } = await freshAudit('audit_tamper');
      const records = await appendAll(
        audit,
        database.dataSource,
        Array.from({ length: count }, (_, index) => (index % 3 === 2 ? refused() : delivered())),
      );
      expect((await audit.verify()).ok).toBe(true);
      return { database, audit, records };
    }

    it('an edited text field', async () => {
      const { database, audit } = await chainOf(10);
      await tamper(database.dataSource, ["UPDATE audit_record SET recipient = 'somebody-else' WHERE seq = 4"]);
      expect(broken(await audit.verify())).toEqual({ seq: 4, reason: 'hash-mismatch' });
    });

    it('an edited jsonb field (an element removed from the list of removed elements)', async () => {
      const { database, audit } = await chainOf(10);
      await tamper(database.dataSource, [
        'UPDATE audit_record SET removed_elements = \'["Patient.address"]\'::jsonb WHERE seq = 7',
      ]);
      expect(broken(await audit.verify({ pageSize: 3 }))).toEqual({ seq: 7, reason: 'hash-mismatch' });
    });

    it('an edited timestamp, even by one microsecond (which JavaScript dates cannot hold)', async () => {
      const { database, audit } = await chainOf(10);
      await tamper(
        database.dataSource,
        ['ALTER TABLE audit_record DROP CONSTRAINT audit_record_recorded_at_millis'],
        ["UPDATE audit_record SET recorded_at = recorded_at + interval '1 microsecond' WHERE seq = 2"],
      );
      expect(broken(await audit.verify())).toEqual({ seq: 2, reason: 'hash-mismatch' });
    });

    it('a deleted record', async () => {
      const { database, audit } = await chainOf(10);
      await tamper(database.dataSource, ['DELETE FROM audit_record WHERE seq = 5']);
      const result = await audit.verify();
      expect(broken(result)).toEqual({ seq: 5, reason: 'sequence-gap' });
      expect(result.checked).toBe(5);
    });

    it('a deleted record whose followers were renumbered to close the gap', async () => {
      const { database, audit } = await chainOf(10);
      await tamper(
        database.dataSource,
        ['DELETE FROM audit_record WHERE seq = 5'],
        ['UPDATE audit_record SET seq = seq - 1 WHERE seq > 5'],
      );
      expect(broken(await audit.verify())).toEqual({ seq: 5, reason: 'prev-hash-mismatch' });
    });

    it('two records swapped (their numbers exchanged)', async () => {
      const { database, audit } = await chainOf(10);
      await tamper(
        database.dataSource,
        ['UPDATE audit_record SET seq = 1000 WHERE seq = 3'],
        ['UPDATE audit_record SET seq = 3 WHERE seq = 4'],
        ['UPDATE audit_record SET seq = 4 WHERE seq = 1000'],
      );
      expect(broken(await audit.verify())).toEqual({ seq: 3, reason: 'prev-hash-mismatch' });
    });

    it('two records swapped with their chain links kept in place (contents exchanged)', async () => {
      const { database, audit } = await chainOf(10);
      const swap = `UPDATE audit_record a SET recipient = b.recipient, outcome = b.outcome, refusing_rule = b.refusing_rule, agreement_id = b.agreement_id,
          agreement_version = b.agreement_version, flow_id = b.flow_id, event_id = b.event_id, reason = b.reason
        FROM audit_record b WHERE (a.seq, b.seq) IN ((5, 6), (6, 5))`;
      await tamper(database.dataSource, [swap]);
      expect(broken(await audit.verify())).toEqual({ seq: 5, reason: 'hash-mismatch' });
    });

    it('a record forged at the end without the key, chain head updated to match', async () => {
      const { database, audit, records } = await chainOf(10);
      const last = records[records.length - 1];
      const forgedHash = createHash('sha256').update(`${last.hash}forged`).digest('hex');
      await tamper(
        database.dataSource,
        [
          `INSERT INTO audit_record (seq, recorded_at, kind, outcome, event_id, event_type, sender, recipient, agreement_id, agreement_version, flow_id, prev_hash, hash, key_id)
           VALUES (11, date_trunc('milliseconds', now()), 'decision', 'delivered', 'e-forged', 'treatment.appointment.attended', 'slam-mh', 'nps-london', 'cstr-south-london', 3, 'attendance-to-probation', $1, $2, 'k1')`,
          [last.hash, forgedHash],
        ],
        ['UPDATE audit_chain_head SET last_seq = 11, last_hash = $1', [forgedHash]],
      );
      expect(broken(await audit.verify())).toEqual({ seq: 11, reason: 'hash-mismatch' });
    });

    it('a deleted record replaced by a forged one under the same number', async () => {
      const { database, audit, records } = await chainOf(10);
      await tamper(
        database.dataSource,
        ['DELETE FROM audit_record WHERE seq = 6'],
        [
          `INSERT INTO audit_record (seq, recorded_at, kind, outcome, prev_hash, hash, key_id) VALUES (6, date_trunc('milliseconds', now()), 'dead-letter', 'dead-lettered', $1, $2, 'k1')`,
          [records[4].hash, records[5].hash],
        ],
      );
      expect(broken(await audit.verify())).toEqual({ seq: 6, reason: 'hash-mismatch' });
    });

    it('a record slipped in before the first one', async () => {
      const { database, audit, records } = await chainOf(3);
      await tamper(
        database.dataSource,
        ['ALTER TABLE audit_record DROP CONSTRAINT audit_record_seq_check'],
        [
          `INSERT INTO audit_record (seq, recorded_at, kind, outcome, prev_hash, hash, key_id) VALUES (0, date_trunc('milliseconds', now()), 'dead-letter', 'dead-lettered', $1, $2, 'k1')`,
          ['0'.repeat(64), records[0].prevHash],
        ],
      );
      expect(broken(await audit.verify())).toEqual({ seq: 0, reason: 'sequence-gap' });
    });

    it('the newest records deleted', async () => {
      const { database, audit } = await chainOf(10);
      await tamper(database.dataSource, ['DELETE FROM audit_record WHERE seq >= 9']);
      expect(broken(await audit.verify())).toEqual({ seq: 9, reason: 'missing-tail' });
    });

    it('the newest records deleted and the chain head rewound without the key', async () => {
      const { database, audit, records } = await chainOf(10);
      await tamper(
        database.dataSource,
        ['DELETE FROM audit_record WHERE seq >= 9'],
        ['UPDATE audit_chain_head SET last_seq = 8, last_hash = $1', [records[7].hash]],
      );
      expect(broken(await audit.verify())).toEqual({ seq: 8, reason: 'head-mismatch' });
    });
  });

  describe('concurrency and transactions', () => {
    it('two hub instances appending 500 records each at once keep one gapless, valid chain', async () => {
      const { database } = await freshAudit('audit_concurrent');
      const instances = await Promise.all(
        ['hub-a', 'hub-b'].map((name) =>
          createAppDataSource({
            url: env.databaseUrl,
            schema: database.schema,
            applicationName: `test:${name}`,
            migrations: AUDIT_MIGRATIONS,
            poolSize: 4,
          }),
        ),
      );
      try {
        // Each instance: 4 concurrent writers, 25 transactions of 5 records each = 500 records.
        await Promise.all(
          instances.flatMap((dataSource, instance) => {
            const audit = new AuditLog(dataSource, { key: KEY });
            return Array.from({ length: 4 }, async (_, writer) => {
              for (let transaction = 0; transaction < 25; transaction += 1) {
                await dataSource.transaction(async (tx) => {
                  await tx.query('SELECT pg_sleep(0.001)'); // the caller's own work, before the audit lock
                  await audit.append(
                    tx,
                    Array.from({ length: 5 }, () =>
                      delivered({ sender: `instance-${instance}`, reason: `writer ${writer}` }),
                    ),
                  );
                });
              }
            });
          }),
        );
      } finally {
        for (const dataSource of instances) await dataSource.destroy();
      }
      const audit = new AuditLog(database.dataSource, { key: KEY });
      expect(await audit.verify({ pageSize: 128 })).toEqual({ ok: true, checked: 1000, headSeq: 1000 });
      const [row] = (await database.dataSource.query(
        'SELECT count(*)::int AS n, min(seq)::int AS lo, max(seq)::int AS hi FROM audit_record',
      )) as { n: number; lo: number; hi: number }[];
      expect(row).toEqual({ n: 1000, lo: 1, hi: 1000 });
      expect(await database.count("SELECT count(*) AS n FROM audit_record WHERE sender = 'instance-0'")).toBe(500);
      expect(await database.count("SELECT count(*) AS n FROM audit_record WHERE sender = 'instance-1'")).toBe(500);
      // The two instances really wrote at the same time: their records interleave in the chain.
      const switches = await database.count(
        'SELECT count(*) AS n FROM (SELECT sender, lag(sender) OVER (ORDER BY seq) AS previous FROM audit_record) t WHERE sender <> previous',
      );
      expect(switches).toBeGreaterThan(10);
    });

    it('a rolled-back transaction leaves no record and no broken chain', async () => {
      const { database, audit } = await freshAudit();
      await appendAll(audit, database.dataSource, [delivered()]);
      await expect(
        database.dataSource.transaction(async (tx) => {
          await audit.append(tx, [delivered(), delivered()]);
          throw new Error('the delivery failed');
        }),
      ).rejects.toThrow('the delivery failed');
      expect(await database.count('SELECT count(*) AS n FROM audit_record')).toBe(1);
      const [next] = await appendAll(audit, database.dataSource, [refused()]);
      expect(next.seq).toBe(2);
      expect(await audit.verify()).toEqual({ ok: true, checked: 2, headSeq: 2 });
    });

    it('a writer waiting on the chain lock continues from the right head when the holder rolls back', async () => {
      const { database, audit } = await freshAudit();
      await appendAll(audit, database.dataSource, [delivered()]);
      let releaseHolder!: () => void;
      const holderMayEnd = new Promise<void>((resolve) => (releaseHolder = resolve));
      let holderAppended!: () => void;
      const holderHasLock = new Promise<void>((resolve) => (holderAppended = resolve));
      const holder = database.dataSource
        .transaction(async (tx) => {
          await audit.append(tx, [delivered(), delivered()]);
          holderAppended();
          await holderMayEnd;
          throw new Error('rolled back');
        })
        .catch((error: Error) => error.message);
      await holderHasLock;
      const waiter = appendAll(audit, database.dataSource, [refused()]);
      // The waiter is blocked on the head row until the holder ends.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await database.count('SELECT count(*) AS n FROM audit_record')).toBe(1);
      releaseHolder();
      expect(await holder).toBe('rolled back');
      const [record] = await waiter;
      expect(record.seq).toBe(2);
      expect(await audit.verify()).toEqual({ ok: true, checked: 2, headSeq: 2 });
    });
  });

  describe('search, flows and read auditing', () => {
    let audit: AuditLog;
    let database: DatabaseFixture;
    let all: AuditRecord[];
    const at = (minute: number): Date => new Date(Date.UTC(2026, 4, 1, 9, minute));
    const other = { system: PERSON.nhsNumber.system, value: '9990000026' };

    beforeAll(async () => {
      ({ database, audit } = await freshAudit('audit_search'));
      all = await appendAll(audit, database.dataSource, [
        delivered({ recordedAt: at(0) }),
        refused({ recordedAt: at(1) }),
        delivered({ recordedAt: at(2), eventType: 'treatment.appointment.missed' }),
        delivered({ recordedAt: at(3), personIdentifiers: [other] }),
        refused({ recordedAt: at(4), recipient: 'nps-london', refusingRule: 'consent-withdrawn' }),
        refusedAtIngress({ recordedAt: at(5) }),
        delivered({
          recordedAt: at(6),
          sender: 'nps-london',
          recipient: 'slam-mh',
          eventType: 'risk.changed',
          flowId: 'risk-to-provider',
          personIdentifiers: [other],
        }),
      ]);
    });

    const seqs = (result: Awaited<ReturnType<AuditLog['search']>>): number[] => {
      if (!result.ok) throw new Error(JSON.stringify(result.outcome));
      return result.records.map((record) => record.seq);
    };

    it('filters by person identifier (with system, or a bare value normalised as the identity lib does)', async () => {
      expect(seqs(await audit.search({ person: PERSON.nhsNumber }, { limit: 100 }))).toEqual([5, 3, 2, 1]);
      expect(seqs(await audit.search({ person: other }, { limit: 100 }))).toEqual([7, 4]);
      expect(seqs(await audit.search({ person: PERSON.crn.value.toLowerCase() }, { limit: 100 }))).toEqual([3, 1]);
      expect(
        seqs(
          await audit.search(
            { person: { system: PERSON.crn.system, value: ` ${PERSON.crn.value.toLowerCase()}` } },
            { limit: 100 },
          ),
        ),
      ).toEqual([3, 1]);
      expect(seqs(await audit.search({ person: '9990000034' }, { limit: 100 }))).toEqual([]);
    });

    it('filters by partner (as sender or recipient), event type, outcome, kind and period', async () => {
      expect(seqs(await audit.search({ partner: 'nps-london' }, { limit: 100 }))).toEqual([7, 5, 4, 3, 1]);
      expect(seqs(await audit.search({ eventType: 'treatment.appointment.missed' }, { limit: 100 }))).toEqual([3]);
      expect(seqs(await audit.search({ outcome: 'refused' }, { limit: 100 }))).toEqual([6, 5, 2]);
      expect(seqs(await audit.search({ kind: 'refusal-at-ingress' }, { limit: 100 }))).toEqual([6]);
      expect(seqs(await audit.search({ from: at(2), to: at(5) }, { limit: 100 }))).toEqual([5, 4, 3]);
      expect(
        seqs(
          await audit.search(
            { from: at(2).toISOString(), partner: 'nps-london', outcome: 'delivered' },
            { limit: 100 },
          ),
        ),
      ).toEqual([7, 4, 3]);
    });

    it('pages newest first and oldest first with a cursor, without repeats or gaps', async () => {
      const collect = async (order: 'newest-first' | 'oldest-first'): Promise<number[][]> => {
        const pages: number[][] = [];
        let after: string | undefined;
        do {
          const page = await audit.search({ kind: 'decision' }, { limit: 2, order, ...(after ? { after } : {}) });
          if (!page.ok) throw new Error('bad page');
          pages.push(page.records.map((record) => record.seq));
          after = page.next;
        } while (after);
        return pages;
      };
      expect(await collect('newest-first')).toEqual([
        [7, 5],
        [4, 3],
        [2, 1],
      ]);
      expect(await collect('oldest-first')).toEqual([
        [1, 2],
        [3, 4],
        [5, 7],
      ]);
    });

    it('answers a bad request with an OperationOutcome naming each bad parameter', async () => {
      const result = await audit.search(
        { outcome: 'lost' as never, from: 'yesterday' },
        { limit: 0, after: '1; DROP TABLE audit_record' },
      );
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.outcome.issue.map((issue) => issue.expression?.[0]).sort()).toEqual([
        'after',
        'from',
        'limit',
        'outcome',
      ]);
      expect(result.outcome.issue.every((issue) => issue.severity === 'error')).toBe(true);
    });

    it('counts decisions per sender → recipient → event type, delivered and refused', async () => {
      const flows = await audit.flows({ from: at(0), to: at(6) });
      expect(flows).toEqual({
        ok: true,
        flows: [
          {
            sender: 'slam-mh',
            recipient: 'gp-practice-a81001',
            eventType: 'treatment.appointment.attended',
            delivered: 0,
            refused: 1,
            kept: 0,
          },
          {
            sender: 'slam-mh',
            recipient: 'nps-london',
            eventType: 'treatment.appointment.attended',
            delivered: 2,
            refused: 1,
            kept: 0,
          },
          {
            sender: 'slam-mh',
            recipient: 'nps-london',
            eventType: 'treatment.appointment.missed',
            delivered: 1,
            refused: 0,
            kept: 0,
          },
        ],
      });
      expect(await audit.flows({ from: '2026-05-01', to: '2026-04-01' })).toMatchObject({
        ok: false,
        outcome: { issue: [{ code: 'invariant' }] },
      });
    });

    it('exports every stored record as an AuditEvent that validates against UKCore-AuditEvent', async () => {
      const page = await audit.search({}, { limit: 100, order: 'oldest-first' });
      if (!page.ok) throw new Error('search refused');
      expect(page.records).toHaveLength(all.length);
      for (const record of page.records) {
        const event = toAuditEvent(record);
        expect({ seq: record.seq, errors: errorsOf(validateResource(event)) }).toEqual({ seq: record.seq, errors: [] });
        expect(event.entity?.[0].detail).toContainEqual({ type: 'audit-hash', valueString: record.hash });
      }
    });

    it('records every read of audit data, in the chain', async () => {
      const person = PERSON.nhsNumber;
      const read = await database.dataSource.transaction(async (tx) => {
        const page = await audit.search({ person }, { limit: 10 }, tx);
        expect(page.ok).toBe(true);
        return audit.recordRead(tx, 'ig-lead@trust.nhs.uk', {
          description: `GET /audit?person=${person.value}`,
          personIdentifiers: [person],
        });
      });
      expect(read).toMatchObject({
        seq: all.length + 1,
        kind: 'read',
        outcome: 'read',
        actor: 'ig-lead@trust.nhs.uk',
        personIdentifiers: [person],
      });
      expect(seqs(await audit.search({ kind: 'read', person }, { limit: 10 }))).toEqual([read.seq]);
      expect(await audit.verify()).toMatchObject({ ok: true, checked: all.length + 1 });
      await expect(audit.recordRead(database.dataSource.manager, '', { description: 'GET /audit' })).rejects.toThrow(
        InvalidAuditRecordError,
      );
    });
  });

  describe('the audit cannot be shortened, and keys rotate', () => {
    const folders: string[] = [];
    afterAll(() => {
      for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    });

    /** A fresh audit whose checkpoints go to a folder of its own; alerts are collected. */
    async function checkpointedAudit(keys: AuditKeyRing = AuditKeyRing.single(KEY)): Promise<{
      database: DatabaseFixture;
      audit: AuditLog;
      store: FileCheckpointStore;
      folder: string;
      alerts: AuditAlert[];
    }> {
      const { database } = await freshAudit('audit_checkpoint');
      const folder = mkdtempSync(join(tmpdir(), 'audit-checkpoints-'));
      folders.push(folder);
      const store = await FileCheckpointStore.open(join(folder, 'checkpoints'), { create: true });
      const alerts: AuditAlert[] = [];
      const audit = new AuditLog(database.dataSource, {
        key: keys,
        checkpoints: store,
        onAlert: (alert) => alerts.push(alert),
      });
      return { database, audit, store, folder, alerts };
    }

    async function fill(audit: AuditLog, dataSource: DataSource, count: number): Promise<AuditRecord[]> {
      return appendAll(
        audit,
        dataSource,
        Array.from({ length: count }, (_, index) => (index % 3 === 2 ? refused() : delivered())),
      );
    }

    async function headRow(
      dataSource: DataSource,
    ): Promise<{ last_seq: string; last_hash: string; head_mac: string; key_id: string }> {
      const [row] = (await dataSource.query('SELECT last_seq, last_hash, head_mac, key_id FROM audit_chain_head')) as {
        last_seq: string;
        last_hash: string;
        head_mac: string;
        key_id: string;
      }[];
      return row;
    }

    it('the attack: newest five deleted, head moved back, one ordinary append — refused with an alert, and verify names the cut', async () => {
      const { database, audit, alerts } = await checkpointedAudit();
      const records = await fill(audit, database.dataSource, 10);
      expect(await audit.checkpoint()).toMatchObject({
        written: true,
        checkpoint: { heads: [{ chain: 'main', seq: 10, hash: records[9].hash }] },
      });

      await tamper(
        database.dataSource,
        ['DELETE FROM audit_record WHERE seq > 5'],
        ['UPDATE audit_chain_head SET last_seq = 5, last_hash = $1', [records[4].hash]],
      );
      // The ordinary append that used to write a fresh MAC over the moved head.
      const refusal = await appendAll(audit, database.dataSource, [delivered()]).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(AuditChainHeadError);
      expect((refusal as AuditChainHeadError).reason).toBe('head-mac-invalid');
      expect(alerts).toEqual([
        { reason: 'head-mac-invalid', detail: expect.stringMatching(/seq 5.*moved without the key/) },
      ]);
      // Nothing was appended and the head was not re-signed.
      expect(await database.count('SELECT count(*) AS n FROM audit_record')).toBe(5);
      expect((await headRow(database.dataSource)).last_seq).toBe('5');

      const result = await audit.verify();
      expect(broken(result)).toEqual({ seq: 6, reason: 'truncated' });
      expect(result.firstBroken?.detail).toMatch(/saw 10 records; the chain ends at 5/);
      expect(result.checkpoint).toMatchObject({ seq: 10, keyId: 'k1' });
      // The checkpointer will not sign the moved head either.
      expect(await audit.checkpoint()).toEqual({ written: false, reason: 'head-mac-invalid' });
    });

    it('a head copied back from an earlier state (its MAC valid): verify finds the chain truncated, then rewound, and the checkpointer alerts', async () => {
      const { database, audit, alerts, folder } = await checkpointedAudit();
      await fill(audit, database.dataSource, 5);
      const earlier = await headRow(database.dataSource);
      const records = await fill(audit, database.dataSource, 5);
      expect(await audit.checkpoint()).toMatchObject({ written: true, checkpoint: { heads: [{ seq: 10 }] } });

      await tamper(
        database.dataSource,
        ['DELETE FROM audit_record WHERE seq > 5'],
        [
          'UPDATE audit_chain_head SET last_seq = $1, last_hash = $2, head_mac = $3',
          [earlier.last_seq, earlier.last_hash, earlier.head_mac],
        ],
      );
      // The database alone cannot tell: this append goes through.
      await appendAll(audit, database.dataSource, [delivered()]);
      expect(broken(await audit.verify())).toEqual({ seq: 7, reason: 'truncated' });
      await fill(audit, database.dataSource, 4);
      const rewound = await audit.verify();
      expect(broken(rewound)).toEqual({ seq: 10, reason: 'rewound' });
      expect(rewound.headSeq).toBe(10);
      expect((await database.dataSource.query('SELECT hash FROM audit_record WHERE seq = 10'))[0].hash).not.toBe(
        records[4].hash,
      );
      // A fresh process (no checkpoint in memory) reads the latest from the store, and refuses to sign.
      const restarted = new AuditLog(database.dataSource, {
        key: KEY,
        checkpoints: await FileCheckpointStore.open(join(folder, 'checkpoints'), { create: false }),
        onAlert: (alert) => alerts.push(alert),
      });
      expect(await restarted.checkpoint()).toEqual({ written: false, reason: 'head-behind-checkpoint' });
      expect(alerts.map((alert) => alert.reason)).toEqual(['head-behind-checkpoint']);
    });

    it('the newest records deleted are seen against the checkpoint, whatever the head says', async () => {
      const { database, audit } = await checkpointedAudit();
      await fill(audit, database.dataSource, 10);
      await audit.checkpoint();
      await fill(audit, database.dataSource, 2);
      await tamper(database.dataSource, ['DELETE FROM audit_record WHERE seq >= 8']);
      expect(broken(await audit.verify())).toEqual({ seq: 8, reason: 'truncated' });
    });

    it('writes a checkpoint only when the head moved, once per seq, read-only, never overwritten', async () => {
      const { database, audit, store } = await checkpointedAudit();
      expect(await audit.checkpoint()).toEqual({ written: false, reason: 'empty' });
      await fill(audit, database.dataSource, 3);
      const first = await audit.checkpoint();
      expect(first).toMatchObject({ written: true, checkpoint: { keyId: 'k1', heads: [{ chain: 'main', seq: 3 }] } });
      expect(await audit.checkpoint()).toMatchObject({ written: false, reason: 'unchanged' });
      const dir = store.description.replace(/^folder /, '');
      const file = join(dir, chainsCheckpointName(3));
      const text = readFileSync(file, 'utf8');
      expect(statSync(file).mode & 0o222).toBe(0);
      expect(await store.put(chainsCheckpointName(3), '{"forged":true}')).toBe('exists');
      expect(readFileSync(file, 'utf8')).toBe(text);
      await fill(audit, database.dataSource, 2);
      expect(await audit.checkpoint()).toMatchObject({ written: true, checkpoint: { heads: [{ seq: 5 }] } });
      expect(readdirSync(dir).sort()).toEqual([chainsCheckpointName(3), chainsCheckpointName(5)]);
      expect(await audit.verify()).toEqual({
        ok: true,
        checked: 5,
        headSeq: 5,
        checkpoint: { seq: 5, at: expect.any(String), keyId: 'k1' },
      });
      await expect(FileCheckpointStore.open(join(dir, 'missing'), { create: false })).rejects.toThrow(/does not exist/);
    });

    it('a checkpoint that cannot be written is an alert, and the next run writes it (any store: here one in memory)', async () => {
      const { database } = await freshAudit('audit_checkpoint_store');
      const kept = new Map<string, string>();
      let failing = true;
      const store: AuditCheckpointStore = {
        description: 'memory',
        async put(name, text) {
          if (failing) throw Object.assign(new Error('no space left'), { code: 'ENOSPC' });
          if (kept.has(name)) return 'exists';
          kept.set(name, text);
          return 'written';
        },
        async latest(layout) {
          const name = [...kept.keys()]
            .filter((each) => checkpointLayout(each) === layout)
            .sort()
            .pop();
          return name === undefined ? undefined : { name, text: kept.get(name) as string };
        },
      };
      const alerts: AuditAlert[] = [];
      const audit = new AuditLog(database.dataSource, {
        key: KEY,
        checkpoints: store,
        onAlert: (alert) => alerts.push(alert),
      });
      await fill(audit, database.dataSource, 2);
      expect(await audit.checkpoint()).toEqual({ written: false, reason: 'checkpoint-failed' });
      expect(alerts).toEqual([
        {
          reason: 'checkpoint-failed',
          detail: `The checkpoint ${chainsCheckpointName(2)} could not be written to memory (ENOSPC).`,
        },
      ]);
      failing = false;
      expect(await audit.checkpoint()).toMatchObject({ written: true, checkpoint: { heads: [{ seq: 2 }] } });
      expect([...kept.keys()]).toEqual([chainsCheckpointName(2)]);
      expect(await audit.verify()).toMatchObject({ ok: true, checkpoint: { seq: 2 } });
    });

    it('a forged checkpoint (not signed with the key) fails verify', async () => {
      const { database, audit, store } = await checkpointedAudit();
      const records = await fill(audit, database.dataSource, 3);
      const forger = new AuditChainKey('somebody-elses-key-0123456789abcdef', 'k1');
      const forged = { format: 1, seq: 9, hash: records[2].hash, at: new Date().toISOString(), keyId: 'k1' };
      await store.put(
        checkpointName(9),
        JSON.stringify({ ...forged, mac: forger.checkpointMac(9, forged.hash, forged.at) }),
      );
      expect(await audit.verify()).toMatchObject({ ok: false, firstBroken: { seq: 9, reason: 'checkpoint-invalid' } });
    });

    it('rotation: records under key 1, rotate, records under key 2 — verify ok, checkpoints under both keys', async () => {
      const first = `${KEY}-first`;
      const second = 'audit-chain-test-second-key-0123456789abcdef';
      const { database, audit, store } = await checkpointedAudit(AuditKeyRing.parse(`k1:${first}`));
      await fill(audit, database.dataSource, 4);
      expect(await audit.checkpoint()).toMatchObject({ written: true, checkpoint: { keyId: 'k1' } });

      const rotated = new AuditLog(database.dataSource, {
        key: AuditKeyRing.parse(`k1:${first},k2:${second}`, 'k2'),
        checkpoints: store,
      });
      expect(rotated.keyIds).toEqual({ ring: ['k1', 'k2'], current: 'k2' });
      // The latest checkpoint is still under k1: it verifies with the ring.
      expect(await rotated.verify()).toMatchObject({ ok: true, checked: 4, checkpoint: { seq: 4, keyId: 'k1' } });
      await fill(rotated, database.dataSource, 3);
      expect(await rotated.checkpoint()).toMatchObject({
        written: true,
        checkpoint: { keyId: 'k2', heads: [{ seq: 7 }] },
      });
      expect(await rotated.verify()).toEqual({
        ok: true,
        checked: 7,
        headSeq: 7,
        checkpoint: { seq: 7, at: expect.any(String), keyId: 'k2' },
      });
      const keys = (await database.dataSource.query('SELECT key_id FROM audit_record ORDER BY seq')) as {
        key_id: string;
      }[];
      expect(keys.map((row) => row.key_id)).toEqual(['k1', 'k1', 'k1', 'k1', 'k2', 'k2', 'k2']);
      expect((await headRow(database.dataSource)).key_id).toBe('k2');
      const page = await rotated.search({}, { limit: 1 });
      expect(page.ok && page.records[0]).toMatchObject({ seq: 7, keyId: 'k2' });

      // An instance not yet given the new ring refuses to extend a head made under k2, and says so.
      const alerts: AuditAlert[] = [];
      const stale = new AuditLog(database.dataSource, {
        key: AuditKeyRing.parse(`k1:${first}`),
        onAlert: (alert) => alerts.push(alert),
      });
      await expect(appendAll(stale, database.dataSource, [delivered()])).rejects.toMatchObject({
        reason: 'head-key-unknown',
      });
      expect(alerts).toEqual([{ reason: 'head-key-unknown', detail: expect.stringMatching(/names key k2/) }]);
      // One that has k2 in its ring but still names k1 current follows the chain onto k2 (a staged rollout).
      const staged = new AuditLog(database.dataSource, { key: AuditKeyRing.parse(`k1:${first},k2:${second}`, 'k1') });
      const [next] = await appendAll(staged, database.dataSource, [delivered()]);
      expect(next.keyId).toBe('k2');
      expect(await rotated.verify()).toMatchObject({ ok: true, checked: 8 });
    });

    it('a record forged under a key id the ring does not hold fails verify', async () => {
      const { database, audit } = await checkpointedAudit();
      const records = await fill(audit, database.dataSource, 5);
      const forger = new AuditChainKey('somebody-elses-key-0123456789abcdef', 'k9');
      const forged = { ...delivered(), seq: 6, recordedAt: new Date(), prevHash: records[4].hash } as AuditRecord;
      const content = {
        ...forged,
        eventId: forged.eventId ?? null,
        eventType: forged.eventType ?? null,
        sender: forged.sender ?? null,
        recipient: forged.recipient ?? null,
        agreement: forged.agreement ?? null,
        flowId: forged.flowId ?? null,
        refusingRule: null,
        legalBasis: forged.legalBasis ?? null,
        consentReference: forged.consentReference ?? null,
        removedElements: forged.removedElements ?? [],
        actor: null,
        personIdentifiers: forged.personIdentifiers ?? [],
        reason: forged.reason ?? null,
      };
      const hash = forger.recordHash(records[4].hash, content);
      await tamper(
        database.dataSource,
        [
          `INSERT INTO audit_record (seq, recorded_at, kind, outcome, event_id, event_type, sender, recipient, agreement_id, agreement_version, flow_id,
             legal_basis, removed_elements, person_identifiers, prev_hash, hash, key_id)
           VALUES (6, $1, 'decision', 'delivered', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'k9')`,
          [
            content.recordedAt.toISOString(),
            content.eventId,
            content.eventType,
            content.sender,
            content.recipient,
            content.agreement?.id ?? null,
            content.agreement?.version ?? null,
            content.flowId,
            JSON.stringify(content.legalBasis),
            JSON.stringify(content.removedElements),
            JSON.stringify(content.personIdentifiers),
            records[4].hash,
            hash,
          ],
        ],
        [
          "UPDATE audit_chain_head SET last_seq = 6, last_hash = $1, head_mac = $2, key_id = 'k9'",
          [hash, forger.headMac(6, hash)],
        ],
      );
      const result = await audit.verify();
      expect(broken(result)).toEqual({ seq: 6, reason: 'unknown-key' });
      expect(result.firstBroken?.detail).toMatch(/names a key the ring does not hold/);
    });

    it('the migration puts the records and head written before key ids under k1, and they still verify', async () => {
      const schema = uniqueName('audit_before_key_ids');
      const before = await DatabaseFixture.open(env.databaseUrl, schema, AUDIT_MIGRATIONS.slice(0, 2));
      // Records as the code before key ids wrote them: same hashed layout, no key_id column.
      const key = new AuditChainKey(KEY);
      let prevHash = GENESIS_HASH;
      for (let seq = 1; seq <= 3; seq += 1) {
        const content = {
          seq,
          recordedAt: new Date(Date.UTC(2026, 0, 1, 9, seq)),
          kind: 'read' as const,
          outcome: 'read' as const,
          eventId: null,
          eventType: null,
          sender: null,
          recipient: null,
          agreement: null,
          flowId: null,
          refusingRule: null,
          legalBasis: null,
          consentReference: null,
          removedElements: [],
          actor: 'ig-lead',
          personIdentifiers: [],
          reason: `read ${seq}`,
        };
        const hash = key.recordHash(prevHash, content);
        await before.dataSource.query(
          `INSERT INTO audit_record (seq, recorded_at, kind, outcome, actor, reason, prev_hash, hash) VALUES ($1, $2, 'read', 'read', 'ig-lead', $3, $4, $5)`,
          [seq, content.recordedAt.toISOString(), content.reason, prevHash, hash],
        );
        prevHash = hash;
      }
      await before.dataSource.query('UPDATE audit_chain_head SET last_seq = 3, last_hash = $1, head_mac = $2', [
        prevHash,
        key.headMac(3, prevHash),
      ]);
      await before.close(false);

      const after = await DatabaseFixture.open(env.databaseUrl, schema, AUDIT_MIGRATIONS);
      opened.push(after);
      const keys = (await after.dataSource.query('SELECT DISTINCT key_id FROM audit_record')) as { key_id: string }[];
      expect(keys).toEqual([{ key_id: 'k1' }]);
      const audit = new AuditLog(after.dataSource, {
        key: AuditKeyRing.parse(`k1:${KEY},k2:audit-chain-test-second-key-0123456789abcdef`),
      });
      expect(await audit.verify()).toEqual({ ok: true, checked: 3, headSeq: 3 });
      await appendAll(audit, after.dataSource, [delivered()]);
      expect(await audit.verify()).toEqual({ ok: true, checked: 4, headSeq: 4 });
      // Every new record must name its key: there is no default any more.
      await expect(
        after.dataSource.query(
          `INSERT INTO audit_record (seq, recorded_at, kind, outcome, prev_hash, hash) VALUES (5, date_trunc('milliseconds', now()), 'read', 'read', 'x', 'y')`,
        ),
      ).rejects.toThrow(/key_id/);
    });
  });
});
