import { DatabaseFixture, testEnvironment, uniqueName } from '@cstr/testing';
import {
  AUDIT_MIGRATIONS,
  AuditChainKey,
  AuditLog,
  AuditRecordIntegrityError,
  GENESIS_HASH,
  toAuditEvent,
  type AuditRecord,
  type AuditRecordInput,
  type ChainVerification,
} from '@cstr/audit';
import { delivered, PERSON, refused } from './fixtures/audit-records';

const KEY = 'audit-erasure-test-key-0123456789abcdef';
const OTHER = { system: PERSON.nhsNumber.system, value: '9990000026' };

describe('Erasing and rectifying identifiers beside the audit chain (real PostgreSQL)', () => {
  const env = testEnvironment();
  const opened: DatabaseFixture[] = [];

  afterAll(async () => {
    for (const database of opened) await database.close();
  });

  async function freshAudit(): Promise<{ database: DatabaseFixture; audit: AuditLog }> {
    const database = await DatabaseFixture.open(env.databaseUrl, uniqueName('audit_erase'), AUDIT_MIGRATIONS);
    opened.push(database);
    return { database, audit: new AuditLog(database.dataSource, { key: KEY }) };
  }

  async function append(
    database: DatabaseFixture,
    audit: AuditLog,
    inputs: AuditRecordInput[],
  ): Promise<AuditRecord[]> {
    return database.dataSource.transaction((tx) => audit.append(tx, inputs));
  }

  async function tamper(database: DatabaseFixture, sql: string, params: unknown[] = []): Promise<void> {
    await database.dataSource.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_record DISABLE TRIGGER USER');
      await tx.query(sql, params);
      await tx.query('ALTER TABLE audit_record ENABLE TRIGGER USER');
    });
  }

  const broken = (result: ChainVerification): { seq: number; reason: string } | undefined =>
    result.firstBroken && { seq: result.firstBroken.seq, reason: result.firstBroken.reason };

  async function readAll(audit: AuditLog): Promise<AuditRecord[]> {
    const page = await audit.search({}, { limit: 100, order: 'oldest-first' });
    if (!page.ok) throw new Error('search failed');
    return page.records;
  }

  /** A person (PERSON) with three records and another with two, then the erasure of PERSON. */
  async function erasedChain(): Promise<{ database: DatabaseFixture; audit: AuditLog; before: AuditRecord[] }> {
    const { database, audit } = await freshAudit();
    const before = await append(database, audit, [
      delivered(),
      refused(),
      delivered({ personIdentifiers: [OTHER] }),
      delivered({ personIdentifiers: [PERSON.crn] }),
      refused({ personIdentifiers: [OTHER] }),
    ]);
    const erased = await database.dataSource.transaction((tx) =>
      audit.eraseIdentifiers(tx, [PERSON.nhsNumber, PERSON.crn]),
    );
    expect(erased).toBe(3);
    return { database, audit, before };
  }

  it('erases a person: the chain verifies, the decisions stay, the identifiers read as erased and find nothing', async () => {
    const { audit, before } = await erasedChain();
    expect(await audit.verify()).toEqual({ ok: true, checked: 5, headSeq: 5 });
    const after = await readAll(audit);
    expect(after.map((record) => record.personIdentifiers)).toEqual([[], [], [OTHER], [], [OTHER]]);
    expect(after.map((record) => record.identifiersChange?.kind ?? null)).toEqual([
      'erased',
      'erased',
      null,
      'erased',
      null,
    ]);
    // The decision history is the one appended: every field but the identifiers, and the chain links.
    const decision = ({ personIdentifiers: _p, identifiersChange: _c, ...rest }: AuditRecord): object => rest;
    expect(after.map(decision)).toEqual(before.map(decision));
    const search = await audit.search({ person: PERSON.nhsNumber }, { limit: 10 });
    expect(search.ok && search.records).toEqual([]);
    const other = await audit.search({ person: OTHER }, { limit: 10 });
    expect(other.ok && other.records.map((record) => record.seq)).toEqual([5, 3]);
    const details = toAuditEvent(after[0]).entity?.[0].detail ?? [];
    expect(details).toContainEqual({
      type: 'identifiers-erased',
      valueString: after[0].identifiersChange?.at.toISOString(),
    });
    expect(JSON.stringify(toAuditEvent(after[0]))).not.toContain(PERSON.nhsNumber.value);
  });

  it('after an erasure, tampering is still detected: an edited decision, identifiers put back, an erasure faked', async () => {
    const cases: [string, string, { seq: number; reason: string }][] = [
      [
        'edited decision',
        "UPDATE audit_record SET recipient = 'somebody-else' WHERE seq = 2",
        { seq: 2, reason: 'hash-mismatch' },
      ],
      [
        'identifiers put back',
        `UPDATE audit_record SET person_identifiers = '[{"system":"${PERSON.nhsNumber.system}","value":"${PERSON.nhsNumber.value}"}]' WHERE seq = 1`,
        { seq: 1, reason: 'identifiers-mismatch' },
      ],
      [
        'erasure faked (MAC copied from another record)',
        `UPDATE audit_record SET person_identifiers = '[]', identifiers_change = 'erased',
           identifiers_changed_at = (SELECT identifiers_changed_at FROM audit_record WHERE seq = 1),
           identifiers_key_id = 'k1', identifiers_mac = (SELECT identifiers_mac FROM audit_record WHERE seq = 1) WHERE seq = 3`,
        { seq: 3, reason: 'identifiers-mismatch' },
      ],
    ];
    for (const [label, sql, expected] of cases) {
      const { database, audit } = await erasedChain();
      await tamper(database, sql);
      expect({ label, broken: broken(await audit.verify()) }).toEqual({ label, broken: expected });
    }
  });

  it('the append-only trigger lets through only updates of the identifiers beside the chain', async () => {
    const { database, audit } = await erasedChain();
    await expect(database.dataSource.query("UPDATE audit_record SET reason = 'x' WHERE seq = 1")).rejects.toThrow(
      /append-only/,
    );
    await expect(
      database.dataSource.query("UPDATE audit_record SET person_identifiers = '[]', flow_id = 'x' WHERE seq = 3"),
    ).rejects.toThrow(/append-only/);
    // Allowed by the trigger, and caught by verify: it was not the hub, with its key.
    await database.dataSource.query("UPDATE audit_record SET person_identifiers = '[]' WHERE seq = 3");
    expect(broken(await audit.verify())).toEqual({ seq: 3, reason: 'identifiers-mismatch' });
  });

  it('rectifies one identifier: found by the corrected value, not the wrong one, and the chain verifies', async () => {
    const { database, audit } = await freshAudit();
    await append(database, audit, [delivered(), refused(), delivered({ personIdentifiers: [PERSON.crn] })]);
    const corrected = { system: PERSON.crn.system, value: 'X654321' };
    const count = await database.dataSource.transaction((tx) => audit.rectifyIdentifier(tx, PERSON.crn, corrected));
    expect(count).toBe(2);
    expect((await audit.verify()).ok).toBe(true);
    const found = await audit.search({ person: corrected }, { limit: 10 });
    expect(found.ok && found.records.map((record) => [record.seq, record.identifiersChange?.kind])).toEqual([
      [3, 'rectified'],
      [1, 'rectified'],
    ]);
    const wrong = await audit.search({ person: PERSON.crn }, { limit: 10 });
    expect(wrong.ok && wrong.records).toEqual([]);
    // Erased after rectification: still verifies.
    await database.dataSource.transaction((tx) => audit.eraseIdentifiers(tx, [corrected]));
    expect((await audit.verify()).ok).toBe(true);
  });

  it('refuses to change the identifiers of a record that does not verify (its MAC would vouch for the edit)', async () => {
    const { database, audit } = await freshAudit();
    await append(database, audit, [delivered(), delivered()]);
    await tamper(database, "UPDATE audit_record SET recipient = 'somebody-else' WHERE seq = 2");
    await expect(
      database.dataSource.transaction((tx) => audit.eraseIdentifiers(tx, [PERSON.nhsNumber])),
    ).rejects.toThrow(AuditRecordIntegrityError);
    const rows = (await database.dataSource.query(
      'SELECT count(*)::int AS n FROM audit_record WHERE identifiers_change IS NOT NULL',
    )) as { n: number }[];
    expect(rows[0].n).toBe(0);
  });

  it('retention: two purges at once erase each due record exactly once and leave later ones', async () => {
    const { database, audit } = await freshAudit();
    const old = new Date('2020-01-01T00:00:00.000Z');
    await append(database, audit, [
      ...Array.from({ length: 40 }, () => delivered({ recordedAt: old })),
      delivered(),
      refused(),
    ]);
    const cutoff = new Date('2021-01-01T00:00:00.000Z');
    const purge = async (): Promise<number> => {
      let total = 0;
      for (;;) {
        const erased = await database.dataSource.transaction((tx) =>
          audit.eraseIdentifiersRecordedBefore(tx, cutoff, 7),
        );
        if (erased === 0) return total;
        total += erased;
      }
    };
    const counts = await Promise.all([purge(), purge()]);
    expect(counts[0] + counts[1]).toBe(40);
    const records = await readAll(audit);
    expect(records.filter((record) => record.identifiersChange?.kind === 'erased')).toHaveLength(40);
    expect(records.slice(40).map((record) => record.personIdentifiers.length)).toEqual([2, 1]);
    expect((await audit.verify()).ok).toBe(true);
  });

  it('a chain written in format 1 before the change still verifies, and its records can be erased', async () => {
    const schema = uniqueName('audit_format1');
    const before = await DatabaseFixture.open(env.databaseUrl, schema, AUDIT_MIGRATIONS.slice(0, 3));
    // Records as the code before format 2 wrote them: identifiers in the hashed content.
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
        personIdentifiers: seq === 2 ? [OTHER] : [PERSON.nhsNumber],
        reason: `read ${seq}`,
      };
      const hash = key.recordHash(prevHash, content);
      await before.dataSource.query(
        `INSERT INTO audit_record (seq, recorded_at, kind, outcome, actor, reason, person_identifiers, prev_hash, hash, key_id)
         VALUES ($1, $2, 'read', 'read', 'ig-lead', $3, $4, $5, $6, 'k1')`,
        [
          seq,
          content.recordedAt.toISOString(),
          content.reason,
          JSON.stringify(content.personIdentifiers),
          prevHash,
          hash,
        ],
      );
      prevHash = hash;
    }
    await before.dataSource.query(
      "UPDATE audit_chain_head SET last_seq = 3, last_hash = $1, head_mac = $2, key_id = 'k1'",
      [prevHash, key.headMac(3, prevHash)],
    );
    await before.close(false);

    const after = await DatabaseFixture.open(env.databaseUrl, schema, AUDIT_MIGRATIONS);
    opened.push(after);
    const audit = new AuditLog(after.dataSource, { key: KEY });
    expect(await audit.verify()).toEqual({ ok: true, checked: 3, headSeq: 3 });
    await append(after, audit, [delivered()]);
    expect(await after.dataSource.transaction((tx) => audit.eraseIdentifiers(tx, [PERSON.nhsNumber]))).toBe(3);
    expect(await audit.verify()).toEqual({ ok: true, checked: 4, headSeq: 4 });
    const formats = (await after.dataSource.query('SELECT format FROM audit_record ORDER BY seq')) as {
      format: number;
    }[];
    expect(formats.map((row) => row.format)).toEqual([1, 1, 1, 2]);
    await tamper(after, "UPDATE audit_record SET reason = 'rewritten' WHERE seq = 3");
    expect(broken(await audit.verify())).toEqual({ seq: 3, reason: 'hash-mismatch' });
  });
});
