import { randomUUID } from 'node:crypto';
import { AuditLog, type AuditRecordInput } from '@cstr/audit';
import { CRN_SYSTEM, NHS_NUMBER_SYSTEM, PersonIndex, PNC_ID_SYSTEM } from '@cstr/identity';
import { loadRetentionConfig, projectPath, type HubRetentionClass } from '@cstr/platform';
import { DatabaseFixture, testEnvironment, uniqueName } from '@cstr/testing';
import type { DataSource } from 'typeorm';
import { hubApp } from '../hub.app';
import { EMPTY_PERSON_STATE, PersonStateRepository } from '../ingress/person-state.repository';
import { PersonErasureError, PersonErasureService } from './person-erasure.service';
import { RETENTION_ACTOR, RetentionPurge } from './retention-purge';

const KEY = 'retention-e2e-test-audit-key-0123456789abcdef';
const OLD = new Date('2001-02-03T04:05:06.000Z');
const RECENT = new Date();

/** A decision about a person, as the ingress writes one. */
function decision(personIdentifiers: AuditRecordInput['personIdentifiers'], recordedAt?: Date): AuditRecordInput {
  return {
    kind: 'decision',
    outcome: 'delivered',
    eventId: randomUUID(),
    eventType: 'treatment.appointment.missed',
    sender: 'slam-mhtr',
    recipient: 'nps-london-croydon',
    agreement: { id: 'cstr-south-london', version: 3 },
    flowId: 'attendance-to-probation',
    personIdentifiers,
    ...(recordedAt ? { recordedAt } : {}),
  };
}

/** Rows per {@link seedPathway}: one pathway event, one deadline, one candidate notice. */
const PATHWAY_ROWS = 3;

/** A person's pathway as the hub keeps it: an event received at `at`, the deadline it opened, a candidate notice. */
async function seedPathway(dataSource: DataSource, personId: string, at: Date): Promise<void> {
  const eventId = randomUUID();
  const subject = JSON.stringify({ birthDate: '1990-04-12', gender: 'unknown' });
  await dataSource.query(
    `INSERT INTO hub_pathway_event (event_id, person_id, event_type, sender, occurred_at, received_at, facts)
     VALUES ($1, $2, 'ld.screening.completed', 'sl-liaison-diversion', $3, $3, '{"screening":{"needs":["mental-health"]}}')`,
    [eventId, personId, at],
  );
  await dataSource.query(
    `INSERT INTO hub_pathway_deadline (id, opening_key, person_id, kind, due_at, owed_by, description, opened_by_event, opened_at, subject)
     VALUES ($1, $2, $3, 'psr-assessment', $4, 'slam-mhtr', 'Assessment for the PSR', $5, $4, $6)`,
    [randomUUID(), `seed:${eventId}`, personId, at, eventId, subject],
  );
  await dataSource.query(
    `INSERT INTO hub_pathway_candidate (listing_event_id, person_id, candidate, subject, created_at) VALUES ($1, $2, '{}', $3, $4)`,
    [randomUUID(), personId, subject, at],
  );
}

/** The pathway rows about any of `personIds`, over the three tables. */
const PATHWAY_ROWS_OF = `SELECT ((SELECT count(*) FROM hub_pathway_event WHERE person_id = ANY($1::uuid[]))
  + (SELECT count(*) FROM hub_pathway_deadline WHERE person_id = ANY($1::uuid[]))
  + (SELECT count(*) FROM hub_pathway_candidate WHERE person_id = ANY($1::uuid[])))::int AS n`;

describe('retention and erasure against the real database', () => {
  const env = testEnvironment();
  const opened: DatabaseFixture[] = [];

  afterAll(async () => {
    for (const database of opened) await database.close();
  });

  async function hubSchema(schema = uniqueName('retention')): Promise<DatabaseFixture> {
    const database = await DatabaseFixture.open(env.databaseUrl, schema, hubApp.migrations);
    opened.push(database);
    return database;
  }

  describe('erasing a person (the operator action)', () => {
    const nhs = { system: NHS_NUMBER_SYSTEM, value: '9990000018' };
    const crn = { system: CRN_SYSTEM, value: 'X123456' };
    const pnc = { system: PNC_ID_SYSTEM, value: '2003/0011985X' };
    const other = { system: NHS_NUMBER_SYSTEM, value: '9990000026' };

    it('clears the person index (merged persons too), the person state and the audit identifiers; the chain verifies and the erasure is audited', async () => {
      const database = await hubSchema();
      const index = new PersonIndex(database.dataSource);
      const audit = new AuditLog(database.dataSource, { key: KEY });
      const states = new PersonStateRepository();
      const context = { trusted: true, actor: 'hub' };
      // Two persons, then an event naming both: merged into one.
      const first = await index.resolve({ identifiers: [nhs] }, { ...context, sourceEventId: randomUUID() });
      const second = await index.resolve({ identifiers: [crn, pnc] }, { ...context, sourceEventId: randomUUID() });
      const merged = await index.resolve({ identifiers: [nhs, crn] }, { ...context, sourceEventId: randomUUID() });
      const bystander = await index.resolve({ identifiers: [other] }, { ...context, sourceEventId: randomUUID() });
      if (!first.ok || !second.ok || !merged.ok || !bystander.ok) throw new Error('resolve failed');
      expect(merged.merged).toHaveLength(1);
      await database.dataSource.transaction(async (tx) => {
        await states.save({ manager: tx }, merged.personId, EMPTY_PERSON_STATE, randomUUID());
        await states.save({ manager: tx }, bystander.personId, EMPTY_PERSON_STATE, randomUUID());
        await audit.append(tx, [decision([nhs]), decision([crn, pnc]), decision([other]), decision([nhs, crn])]);
      });
      // Pathway rows under both persons of the merge (written before it, and after), and the bystander's.
      for (const personId of [first.personId, second.personId, bystander.personId])
        await seedPathway(database.dataSource, personId, RECENT);

      const erasure = new PersonErasureService(database.dataSource, audit, index);
      const outcome = await erasure.erase(
        `nhs-number|${nhs.value}`,
        'Art. 17 request upheld by the IG lead',
        'ops-admin',
      );

      expect(new Set(outcome.personIds)).toEqual(new Set([first.personId, second.personId]));
      expect(outcome).toMatchObject({ identifiers: 3, pathwayRows: 2 * PATHWAY_ROWS, auditRecords: 3 });
      for (const identifier of [nhs, crn, pnc])
        expect(await index.findByIdentifier(identifier.system, identifier.value)).toBeUndefined();
      const left = async (sql: string, ids: string[]): Promise<number> => database.count(sql, [ids]);
      const ids = [...outcome.personIds];
      expect(await left('SELECT count(*)::int AS n FROM person WHERE id = ANY($1::uuid[])', ids)).toBe(0);
      expect(
        await left('SELECT count(*)::int AS n FROM person_link_record WHERE person_id = ANY($1::uuid[])', ids),
      ).toBe(0);
      expect(await left('SELECT count(*)::int AS n FROM hub_person_state WHERE person_id = ANY($1::uuid[])', ids)).toBe(
        0,
      );
      expect(await left(PATHWAY_ROWS_OF, ids)).toBe(0);
      // The bystander keeps everything.
      expect(await index.findByIdentifier(other.system, other.value)).toBe(bystander.personId);
      expect(
        await left('SELECT count(*)::int AS n FROM hub_person_state WHERE person_id = ANY($1::uuid[])', [
          bystander.personId,
        ]),
      ).toBe(1);
      expect(await left(PATHWAY_ROWS_OF, [bystander.personId])).toBe(PATHWAY_ROWS);

      expect(await audit.verify()).toMatchObject({ ok: true, checked: 5, headSeq: 5 });
      const page = await audit.search({}, { limit: 10, order: 'oldest-first' });
      if (!page.ok) throw new Error('search failed');
      expect(page.records.map((record) => [record.personIdentifiers, record.identifiersChange?.kind ?? null])).toEqual([
        [[], 'erased'],
        [[], 'erased'],
        [[other], null],
        [[], 'erased'],
        [[], null],
      ]);
      // The decision history is intact; the erasure is its own record, with the reason and no identifier.
      expect(page.records.slice(0, 4).every((record) => record.flowId === 'attendance-to-probation')).toBe(true);
      const record = page.records[4];
      expect(record).toMatchObject({
        kind: 'operator-action',
        outcome: 'performed',
        actor: 'ops-admin',
        seq: outcome.record.seq,
      });
      expect(record.reason).toContain('Art. 17 request upheld by the IG lead');
      expect(record.reason).toContain(first.personId);
      expect(record.reason).toContain(`${2 * PATHWAY_ROWS} pathway rows deleted`);
      for (const identifier of [nhs, crn, pnc]) expect(record.reason).not.toContain(identifier.value);

      // Tampering after the erasure is still found.
      await database.dataSource.transaction(async (tx) => {
        await tx.query('ALTER TABLE audit_record DISABLE TRIGGER USER');
        await tx.query("UPDATE audit_record SET recipient = 'somebody-else' WHERE seq = 2");
        await tx.query('ALTER TABLE audit_record ENABLE TRIGGER USER');
      });
      expect((await audit.verify()).firstBroken).toMatchObject({ seq: 2, reason: 'hash-mismatch' });
    });

    it('refuses without a reason, or for nobody, and changes nothing', async () => {
      const database = await hubSchema();
      const index = new PersonIndex(database.dataSource);
      const audit = new AuditLog(database.dataSource, { key: KEY });
      await index.resolve({ identifiers: [nhs] }, { trusted: true, actor: 'hub', sourceEventId: randomUUID() });
      const erasure = new PersonErasureService(database.dataSource, audit, index);
      await expect(erasure.erase(nhs.value, '  ', 'ops-admin')).rejects.toMatchObject({ code: 'reason-missing' });
      await expect(erasure.erase('9990000034', 'a reason', 'ops-admin')).rejects.toBeInstanceOf(PersonErasureError);
      expect(await index.findByIdentifier(nhs.system, nhs.value)).toBeDefined();
      expect((await audit.verify()).headSeq).toBe(0);
    });

    it('rectifies an identifier beside the audit records, audited', async () => {
      const database = await hubSchema();
      const audit = new AuditLog(database.dataSource, { key: KEY });
      await database.dataSource.transaction((tx) => audit.append(tx, [decision([nhs, crn]), decision([other])]));
      const erasure = new PersonErasureService(database.dataSource, audit, new PersonIndex(database.dataSource));
      const outcome = await erasure.rectify(
        `crn|${crn.value}`,
        'X654321',
        'Wrong CRN keyed by the sender',
        'ops-admin',
      );
      expect(outcome.auditRecords).toBe(1);
      const found = await audit.search({ person: { system: CRN_SYSTEM, value: 'X654321' } }, { limit: 10 });
      expect(found.ok && found.records.map((record) => record.identifiersChange?.kind)).toEqual(['rectified']);
      expect((await audit.verify()).ok).toBe(true);
      await expect(erasure.rectify(`nhs-number|${nhs.value}`, '123', 'typo', 'ops-admin')).rejects.toMatchObject({
        code: 'identifier-invalid',
      });
    });
  });

  describe('the scheduled purge', () => {
    interface Seeded {
      readonly due: Readonly<Record<HubRetentionClass, number>>;
      /** Pathway rows of the due persons, and of a person erased earlier (left for the sweep). */
      readonly duePathwayRows: number;
      readonly kept: { deadLetters: string[]; facts: string[]; persons: string[]; auditSeqs: number[] };
    }

    /** Old and recent rows of every class; returns how many are due and which must stay. */
    async function seed(database: DatabaseFixture, audit: AuditLog): Promise<Seeded> {
      const q = (sql: string, params: unknown[]): Promise<unknown> => database.dataSource.query(sql, params);
      // Dead letters: 23 received long ago, 3 recently.
      for (const at of [...Array<Date>(23).fill(OLD), ...Array<Date>(3).fill(RECENT)])
        await q(`INSERT INTO hub_dead_letter (queue, body, received_at) VALUES ('hub.ingress.dlq', '\\x7b7d', $1)`, [
          at,
        ]);
      // Report facts and outcome scores: 17 + 6 old, 2 + 1 recent.
      for (const at of [...Array<Date>(17).fill(OLD), ...Array<Date>(2).fill(RECENT)])
        await q(
          `INSERT INTO hub_report_fact (event_id, event_type, occurred_at, month, person_id, sender_kind, requirement_types, types_carried)
           VALUES ($1, 'court.sentence.imposed', $2, to_char($2::timestamptz, 'YYYY-MM'), $3, 'hmcts', '{MHTR}', true)`,
          [randomUUID(), at, randomUUID()],
        );
      for (const at of [...Array<Date>(6).fill(OLD), RECENT])
        await q(
          `INSERT INTO hub_outcome_score (event_id, ordinal, person_id, sender, instrument, score, recorded_at)
           VALUES ($1, 0, $2, 'slam-mhtr', 'PHQ-9', 12, $3)`,
          [randomUUID(), randomUUID(), at],
        );
      // Persons: 11 silent since long ago (one with a person merged into it), and 3 not due —
      // recent, old with a recent event (person state), old with a recent link record.
      const person = async (createdAt: Date, stateAt?: Date, linkAt?: Date, mergedInto?: string): Promise<string> => {
        const id = randomUUID();
        await q('INSERT INTO person (id, created_at, merged_into, merged_at) VALUES ($1, $2, $3, $4)', [
          id,
          createdAt,
          mergedInto ?? null,
          mergedInto ? createdAt : null,
        ]);
        await q('INSERT INTO person_identifier (system, value, person_id, linked_at) VALUES ($1, $2, $3, $4)', [
          CRN_SYSTEM,
          `R${id.slice(0, 6)}`,
          id,
          createdAt,
        ]);
        await q(
          `INSERT INTO person_link_record (action, person_id, identifiers, actor, reason, at) VALUES ('create', $1, '[]', 'hub', 'seed', $2)`,
          [id, linkAt ?? createdAt],
        );
        if (stateAt)
          await q(
            `INSERT INTO hub_person_state (person_id, relationships, consent, updated_at) VALUES ($1, '{"connections":{}}', '{"records":{}}', $2)`,
            [id, stateAt],
          );
        return id;
      };
      const duePersons: string[] = [];
      for (let n = 0; n < 11; n += 1) duePersons.push(await person(OLD, n % 2 === 0 ? OLD : undefined));
      duePersons.push(await person(OLD, undefined, undefined, duePersons[0]));
      const keptPersons = [await person(RECENT, RECENT), await person(OLD, RECENT), await person(OLD, OLD, RECENT)];
      // Pathway rows: every person has some; one more kept person is old but for a recent pathway
      // event; and a person erased earlier left rows behind (the sweep takes them).
      for (const id of [...duePersons, ...keptPersons]) await seedPathway(database.dataSource, id, OLD);
      keptPersons.push(await person(OLD, OLD));
      await seedPathway(database.dataSource, keptPersons[3], RECENT);
      await seedPathway(database.dataSource, randomUUID(), OLD);
      // Audit records: 19 written long ago, 2 recently, all naming a person.
      const nhs = { system: NHS_NUMBER_SYSTEM, value: '9990000018' };
      const written = await database.dataSource.transaction((tx) =>
        audit.append(tx, [...Array.from({ length: 19 }, () => decision([nhs], OLD)), decision([nhs]), decision([nhs])]),
      );
      const rows = (await database.dataSource.query(
        `SELECT (SELECT array_agg(id::text) FROM hub_dead_letter WHERE received_at > $1) AS dead_letters,
                (SELECT array_agg(event_id::text) FROM hub_report_fact WHERE occurred_at > $1) AS facts`,
        [OLD],
      )) as { dead_letters: string[]; facts: string[] }[];
      return {
        due: {
          'dead-letter-bodies': 23,
          'report-facts': 17 + 6,
          'person-state-and-index': 11,
          'audit-personal-data': 19,
        },
        duePathwayRows: (duePersons.length + 1) * PATHWAY_ROWS,
        kept: {
          deadLetters: rows[0].dead_letters,
          facts: rows[0].facts,
          persons: keptPersons,
          auditSeqs: written.slice(19).map((record) => record.seq),
        },
      };
    }

    it('two hubs purging at once delete each due row exactly once, touch nothing else, and audit the counts', async () => {
      const schema = uniqueName('retention_purge');
      const first = await hubSchema(schema);
      const second = await hubSchema(schema);
      const config = loadRetentionConfig(projectPath('config/retention.yaml'));
      const purgeOf = (database: DatabaseFixture): RetentionPurge =>
        new RetentionPurge(
          database.dataSource,
          new AuditLog(database.dataSource, { key: KEY }),
          new PersonIndex(database.dataSource),
          config,
          { batchSize: 4, maxBatches: 100 },
        );
      const audit = new AuditLog(first.dataSource, { key: KEY });
      const seeded = await seed(first, audit);

      const runs = await Promise.all([purgeOf(first).run(), purgeOf(second).run()]);

      // Each due row once: the two runs' counts add up to exactly what was due.
      const deleted = (dataClass: HubRetentionClass): number =>
        runs.flat().reduce((sum, outcome) => sum + (outcome.dataClass === dataClass ? outcome.deleted : 0), 0);
      for (const [dataClass, due] of Object.entries(seeded.due))
        expect({ dataClass, deleted: deleted(dataClass as HubRetentionClass) }).toEqual({ dataClass, deleted: due });

      // Nothing that was not due is touched.
      const ids = async (sql: string): Promise<string[]> =>
        ((await first.dataSource.query(sql)) as { id: string }[]).map((row) => row.id).sort();
      expect(await ids('SELECT id::text AS id FROM hub_dead_letter')).toEqual([...seeded.kept.deadLetters].sort());
      expect(await ids('SELECT event_id::text AS id FROM hub_report_fact')).toEqual([...seeded.kept.facts].sort());
      expect(await first.count('SELECT count(*)::int AS n FROM hub_outcome_score')).toBe(1);
      expect(await ids('SELECT id::text AS id FROM person')).toEqual([...seeded.kept.persons].sort());
      expect(await first.count('SELECT count(*)::int AS n FROM person_identifier')).toBe(4);
      expect(await first.count('SELECT count(*)::int AS n FROM hub_person_state')).toBe(4);
      // The pathway rows of the purged persons and those left by an earlier erasure went; the kept persons' stay.
      const pathwayRows = runs.flat().reduce((sum, outcome) => sum + (outcome.pathwayRows ?? 0), 0);
      expect(pathwayRows).toBe(seeded.duePathwayRows);
      expect(await first.count(PATHWAY_ROWS_OF, [seeded.kept.persons])).toBe(4 * PATHWAY_ROWS);
      expect(
        await first.count(
          `SELECT ((SELECT count(*) FROM hub_pathway_event) + (SELECT count(*) FROM hub_pathway_deadline)
             + (SELECT count(*) FROM hub_pathway_candidate))::int AS n`,
        ),
      ).toBe(4 * PATHWAY_ROWS);
      const identified = (await first.dataSource.query(
        "SELECT seq::int AS seq FROM audit_record WHERE person_identifiers <> '[]'::jsonb ORDER BY seq",
      )) as { seq: number }[];
      expect(identified.map((row) => row.seq)).toEqual(seeded.kept.auditSeqs);

      // One audit record per run and class that deleted something, with its count; the chain verifies.
      const page = await audit.search({ kind: 'operator-action' }, { limit: 100 });
      if (!page.ok) throw new Error('search failed');
      const purges = page.records.filter((record) => record.actor === RETENTION_ACTOR);
      expect(purges.length).toBe(
        runs.flat().filter((outcome) => outcome.deleted > 0 || (outcome.pathwayRows ?? 0) > 0).length,
      );
      for (const [dataClass, due] of Object.entries(seeded.due)) {
        const counted = purges
          .map((record) => new RegExp(`^Retention purge of ${dataClass}: (\\d+) `).exec(record.reason ?? ''))
          .reduce((sum, match) => sum + (match ? Number(match[1]) : 0), 0);
        expect({ dataClass, counted }).toEqual({ dataClass, counted: due });
      }
      const pathwayCounted = purges
        .map((record) => /, with (\d+) pathway rows \(events, deadlines, candidate notices\)/.exec(record.reason ?? ''))
        .reduce((sum, match) => sum + (match ? Number(match[1]) : 0), 0);
      expect(pathwayCounted).toBe(seeded.duePathwayRows);
      for (const record of purges) expect(record.personIdentifiers).toEqual([]);
      expect((await audit.verify()).ok).toBe(true);

      // A second run finds nothing due and writes nothing.
      const again = await purgeOf(first).run();
      expect(again.map((outcome) => [outcome.deleted, outcome.pathwayRows])).toEqual([
        [0, undefined],
        [0, undefined],
        [0, undefined],
        [0, undefined],
      ]);
      expect((await audit.verify()).headSeq).toBe(21 + purges.length);
    });

    it('skips rows another hub holds instead of waiting for them, and takes them on a later run', async () => {
      const database = await hubSchema();
      const config = loadRetentionConfig(projectPath('config/retention.yaml'));
      const audit = new AuditLog(database.dataSource, { key: KEY });
      const purge = new RetentionPurge(database.dataSource, audit, new PersonIndex(database.dataSource), config, {
        batchSize: 2,
      });
      for (let n = 0; n < 5; n += 1)
        await database.dataSource.query(
          `INSERT INTO hub_dead_letter (queue, body, received_at) VALUES ('hub.ingress.dlq', '\\x7b7d', $1)`,
          [OLD],
        );
      const holder = database.dataSource.createQueryRunner();
      await holder.connect();
      try {
        await holder.startTransaction();
        const held = (await holder.query(
          'SELECT id::text AS id FROM hub_dead_letter ORDER BY id LIMIT 2 FOR UPDATE',
        )) as { id: string }[];
        const during = await purge.purge('dead-letter-bodies');
        expect(during.deleted).toBe(3);
        const left = (await database.dataSource.query('SELECT id::text AS id FROM hub_dead_letter ORDER BY id')) as {
          id: string;
        }[];
        expect(left).toEqual(held);
        await holder.commitTransaction();
      } finally {
        await holder.release();
      }
      expect((await purge.purge('dead-letter-bodies')).deleted).toBe(2);
      expect(await database.count('SELECT count(*)::int AS n FROM hub_dead_letter')).toBe(0);
    });

    it('erases a due person without waiting for a deadline the pathway scheduler holds, and sweeps that row on the next run', async () => {
      const database = await hubSchema();
      const config = loadRetentionConfig(projectPath('config/retention.yaml'));
      const audit = new AuditLog(database.dataSource, { key: KEY });
      const purge = new RetentionPurge(database.dataSource, audit, new PersonIndex(database.dataSource), config, {
        batchSize: 10,
      });
      const personId = randomUUID();
      await database.dataSource.query('INSERT INTO person (id, created_at) VALUES ($1, $2)', [personId, OLD]);
      await seedPathway(database.dataSource, personId, OLD);
      const holder = database.dataSource.createQueryRunner();
      await holder.connect();
      try {
        // As the scheduler does while it reports a missed deadline.
        await holder.startTransaction();
        await holder.query('SELECT id FROM hub_pathway_deadline WHERE person_id = $1 FOR UPDATE', [personId]);
        const during = await purge.purge('person-state-and-index');
        expect(during).toMatchObject({ deleted: 1, pathwayRows: PATHWAY_ROWS - 1 });
        expect(await database.count('SELECT count(*)::int AS n FROM hub_pathway_deadline')).toBe(1);
        await holder.commitTransaction();
      } finally {
        await holder.release();
      }
      const after = await purge.purge('person-state-and-index');
      expect(after).toMatchObject({ deleted: 0, pathwayRows: 1 });
      expect(after.record?.reason).toMatch(
        /^Retention purge of person-state-and-index: 0 persons .*, with 1 pathway rows /,
      );
      expect(await database.count(PATHWAY_ROWS_OF, [[personId]])).toBe(0);
      expect((await audit.verify()).ok).toBe(true);
    });
  });
});
