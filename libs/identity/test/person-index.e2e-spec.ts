import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { createAppDataSource } from '@cstr/messaging';
import { DatabaseFixture, testEnvironment, uniqueName } from '@cstr/testing';
import {
  CRN_SYSTEM,
  MAX_POSSIBLE_MATCHES_PER_RESOLVE,
  NHS_NUMBER_SYSTEM,
  PERSON_INDEX_MIGRATIONS,
  PersonIndex,
  type PersonIdentifier,
  type PersonResolution,
  type PersonSubject,
  type ResolveContext,
  type ResolveResult,
} from '@cstr/identity';
import { crn, croNumber, defendantId, nhsNumber, pncId } from './fixtures/test-identifiers';

const trusted = (): ResolveContext => ({ sourceEventId: randomUUID(), trusted: true, actor: 'hub' });
const untrusted = (): ResolveContext => ({ sourceEventId: randomUUID(), trusted: false, actor: 'hub' });

function resolved(result: ResolveResult): PersonResolution {
  if (!result.ok) throw new Error(`expected a resolution, got ${JSON.stringify(result.outcome)}`);
  return result;
}

describe('PersonIndex (real PostgreSQL)', () => {
  const env = testEnvironment();
  let database: DatabaseFixture;
  let index: PersonIndex;

  beforeAll(async () => {
    database = await DatabaseFixture.open(env.databaseUrl, uniqueName('person_index'), PERSON_INDEX_MIGRATIONS);
    index = new PersonIndex(database.dataSource);
  });

  afterAll(async () => {
    await database.close();
  });

  async function resolve(subject: PersonSubject, context: ResolveContext = trusted()): Promise<PersonResolution> {
    return resolved(await index.resolve(subject, context));
  }

  async function liveOwnerCount(identifier: PersonIdentifier): Promise<number> {
    return database.count(
      'SELECT count(*) AS n FROM person_identifier i JOIN person p ON p.id = i.person_id WHERE p.merged_into IS NULL AND i.system = $1 AND i.value = $2',
      [identifier.system, identifier.value],
    );
  }

  describe('resolve', () => {
    it('creates a person for identifiers never seen, and records it', async () => {
      const nhs = nhsNumber();
      const result = await resolve({ identifiers: [nhs] });
      expect(result).toMatchObject({
        isNew: true,
        linked: [{ ...nhs, kind: 'nhs-number' }],
        merged: [],
        possibleMatches: [],
        conflicts: [],
        notLinked: [],
        issues: [],
      });
      expect(await index.findByIdentifier(nhs.system, nhs.value)).toBe(result.personId);
      expect((await index.history(result.personId)).map((record) => record.action)).toEqual(['create']);
    });

    it('resolves a known NHS number to its person, without changing anything', async () => {
      const nhs = nhsNumber();
      const first = await resolve({ identifiers: [nhs] });
      const again = await resolve({ identifiers: [nhs] }, untrusted());
      expect(again).toMatchObject({ personId: first.personId, isNew: false, linked: [], merged: [] });
      expect(await index.history(first.personId)).toHaveLength(1);
    });

    it('normalises identifiers before matching (a lower-case CRN finds the person)', async () => {
      const id = crn();
      const first = await resolve({ identifiers: [id] });
      const again = await resolve({ identifiers: [{ system: CRN_SYSTEM, value: ` ${id.value.toLowerCase()} ` }] });
      expect(again.personId).toBe(first.personId);
      expect(again.isNew).toBe(false);
    });

    it('links a CRN seen with a known NHS number in a trusted event, and records the link', async () => {
      const nhs = nhsNumber();
      const caseRef = crn();
      const first = await resolve({ identifiers: [nhs] });
      const event = trusted();
      const second = await resolve({ identifiers: [caseRef, nhs] }, event);
      expect(second).toMatchObject({ personId: first.personId, isNew: false, linked: [{ ...caseRef, kind: 'crn' }] });
      expect(await index.findByIdentifier(caseRef.system, caseRef.value)).toBe(first.personId);
      const link = (await index.history(first.personId)).find((record) => record.action === 'link');
      expect(link).toMatchObject({ identifiers: [caseRef], sourceEventId: event.sourceEventId, actor: 'hub' });
    });

    it('links all identifiers of a new person in a trusted event', async () => {
      const ids = [nhsNumber(), crn(), pncId(), croNumber(), defendantId()];
      const result = await resolve({ identifiers: ids });
      expect(result.linked).toHaveLength(5);
      for (const id of ids) expect(await index.findByIdentifier(id.system, id.value)).toBe(result.personId);
    });

    it('never links new identifiers from an untrusted event, but still resolves by a known one', async () => {
      const nhs = nhsNumber();
      const caseRef = crn();
      const first = await resolve({ identifiers: [nhs] });
      const result = await resolve({ identifiers: [caseRef, nhs] }, untrusted());
      expect(result).toMatchObject({
        personId: first.personId,
        isNew: false,
        linked: [],
        notLinked: [{ ...caseRef, kind: 'crn' }],
      });
      expect(await index.findByIdentifier(caseRef.system, caseRef.value)).toBeUndefined();
      expect((await index.history(first.personId)).map((record) => record.action)).toEqual(['create']);
    });

    it('an untrusted event with nothing known creates a person under its first identifier only', async () => {
      const nhs = nhsNumber();
      const caseRef = crn();
      const result = await resolve({ identifiers: [caseRef, nhs] }, untrusted());
      expect(result).toMatchObject({
        isNew: true,
        linked: [{ ...nhs, kind: 'nhs-number' }],
        notLinked: [{ ...caseRef, kind: 'crn' }],
      });
      expect(await index.findByIdentifier(nhs.system, nhs.value)).toBe(result.personId);
      expect(await index.findByIdentifier(caseRef.system, caseRef.value)).toBeUndefined();
    });

    it('merges two persons whose identifiers a trusted event shows together: identifiers follow, the merged one points to the survivor', async () => {
      const nhs = nhsNumber();
      const caseRef = crn();
      const pnc = pncId();
      const older = await resolve({ identifiers: [nhs] });
      const younger = await resolve({ identifiers: [caseRef, pnc] });
      expect(younger.personId).not.toBe(older.personId);

      const event = trusted();
      const result = await resolve({ identifiers: [caseRef, nhs] }, event);
      expect(result).toMatchObject({
        personId: older.personId,
        isNew: false,
        merged: [younger.personId],
        linked: [],
        conflicts: [],
      });
      for (const id of [nhs, caseRef, pnc])
        expect(await index.findByIdentifier(id.system, id.value)).toBe(older.personId);
      expect(await index.currentPersonId(younger.personId)).toBe(older.personId);
      expect(await index.identifiers(younger.personId)).toEqual([]);

      const history = await index.history(older.personId);
      expect(history.map((record) => record.action)).toEqual(['create', 'create', 'merge']);
      const merge = history[2];
      expect(merge).toMatchObject({
        personId: older.personId,
        relatedPersonId: younger.personId,
        sourceEventId: event.sourceEventId,
      });
      expect([...merge.identifiers].sort((a, b) => a.system.localeCompare(b.system))).toEqual(
        [caseRef, pnc].sort((a, b) => a.system.localeCompare(b.system)),
      );
    });

    it('does not merge when the result would hold two NHS numbers: a conflict is recorded for review', async () => {
      const [nhs1, nhs2, crn1, crn2] = [nhsNumber(), nhsNumber(), crn(), crn()];
      const p1 = await resolve({ identifiers: [nhs1, crn1] });
      const p2 = await resolve({ identifiers: [nhs2, crn2] });
      const result = await resolve({ identifiers: [crn2, nhs1] });
      expect(result).toMatchObject({
        personId: p1.personId,
        merged: [],
        linked: [],
        notLinked: [{ ...crn2, kind: 'crn' }],
      });
      // Both persons also hold a CRN, so the merge would give two CRNs as well as two NHS numbers.
      expect([...result.conflicts].sort((a, b) => a.system.localeCompare(b.system))).toEqual([
        { system: CRN_SYSTEM, personIds: [p1.personId, p2.personId] },
        { system: NHS_NUMBER_SYSTEM, personIds: [p1.personId, p2.personId] },
      ]);
      expect(await index.findByIdentifier(crn2.system, crn2.value)).toBe(p2.personId);
      expect(await index.currentPersonId(p2.personId)).toBe(p2.personId);
      for (const person of [p1, p2]) {
        const conflict = (await index.history(person.personId)).find((record) => record.action === 'conflict');
        expect(conflict).toMatchObject({ personId: p1.personId, relatedPersonId: p2.personId });
        expect(conflict?.reason).toMatch(/NHS number/);
      }
    });

    it('does not link a second NHS number to a person, even in a trusted event', async () => {
      const [nhs1, nhs2, caseRef] = [nhsNumber(), nhsNumber(), crn()];
      const person = await resolve({ identifiers: [nhs1, caseRef] });
      const result = await resolve({ identifiers: [caseRef, nhs2] });
      expect(result).toMatchObject({
        personId: person.personId,
        linked: [],
        conflicts: [{ system: NHS_NUMBER_SYSTEM, personIds: [person.personId] }],
      });
      expect(await index.findByIdentifier(nhs2.system, nhs2.value)).toBeUndefined();
      expect(await index.identifiers(person.personId)).toHaveLength(2);
    });

    it('name and birth date alone never link: a possible match is raised for review, once', async () => {
      const nhs = nhsNumber();
      const caseRef = crn();
      const first = await resolve({
        identifiers: [nhs],
        family: 'Smith-Jones',
        given: ['Mary', 'Ann'],
        birthDate: '1980-02-03',
      });
      const second = await resolve({
        identifiers: [caseRef],
        family: ' SMITH JONES',
        given: 'mary-ann',
        birthDate: '1980-02-03',
      });
      expect(second).toMatchObject({ isNew: true, possibleMatches: [first.personId], merged: [] });
      expect(second.personId).not.toBe(first.personId);
      expect(await index.findByIdentifier(caseRef.system, caseRef.value)).toBe(second.personId);
      expect(await index.findByIdentifier(nhs.system, nhs.value)).toBe(first.personId);

      const again = await resolve({
        identifiers: [caseRef],
        family: 'Smith Jones',
        given: 'Mary Ann',
        birthDate: '1980-02-03',
      });
      expect(again).toMatchObject({ personId: second.personId, possibleMatches: [first.personId] });
      const open = (await index.possibleMatches('open')).filter((match) =>
        [match.personA, match.personB].includes(first.personId),
      );
      expect(open).toHaveLength(1);
      expect(open[0]).toMatchObject({ basis: 'name+birthDate', status: 'open' });
      expect(
        (await index.history(second.personId)).filter((record) => record.action === 'possible-match'),
      ).toHaveLength(1);
    });

    it('raises possible matches with the newest persons only when many share a name and birth date', async () => {
      const shared = { family: 'Common-Name', given: ['Sam'], birthDate: '1990-01-01' };
      const earlier: string[] = [];
      for (let index = 0; index < MAX_POSSIBLE_MATCHES_PER_RESOLVE + 5; index++)
        earlier.push((await resolve({ identifiers: [crn()], ...shared })).personId);
      const latest = await resolve({ identifiers: [crn()], ...shared });
      expect(latest.possibleMatches).toHaveLength(MAX_POSSIBLE_MATCHES_PER_RESOLVE);
      expect([...latest.possibleMatches].sort()).toEqual(earlier.slice(-MAX_POSSIBLE_MATCHES_PER_RESOLVE).sort());
      expect(
        (await index.history(latest.personId)).filter((record) => record.action === 'possible-match'),
      ).toHaveLength(MAX_POSSIBLE_MATCHES_PER_RESOLVE);
    });

    it('a different birth date or a partial one raises no possible match', async () => {
      await resolve({ identifiers: [nhsNumber()], family: 'Okafor', given: 'Chidi', birthDate: '1975-06-01' });
      const otherDay = await resolve({
        identifiers: [crn()],
        family: 'Okafor',
        given: 'Chidi',
        birthDate: '1975-06-02',
      });
      const partial = await resolve({ identifiers: [crn()], family: 'Okafor', given: 'Chidi', birthDate: '1975-06' });
      expect(otherDay.possibleMatches).toEqual([]);
      expect(partial.possibleMatches).toEqual([]);
    });

    it('ignores invalid identifiers and reports them, resolving by the valid ones', async () => {
      const nhs = nhsNumber();
      const result = await resolve({
        identifiers: [
          nhs,
          { system: NHS_NUMBER_SYSTEM, value: '1234567890' },
          { system: 'https://example.org/mrn', value: 'A1' },
          { system: CRN_SYSTEM, value: 'X12 345' },
        ],
      });
      expect(result.isNew).toBe(true);
      expect(result.linked).toEqual([{ ...nhs, kind: 'nhs-number' }]);
      expect(result.issues.map((issue) => [issue.severity, issue.code, issue.expression])).toEqual([
        ['warning', 'value', ['Patient.identifier[1].value']],
        ['warning', 'not-supported', ['Patient.identifier[2].system']],
        ['warning', 'value', ['Patient.identifier[3].value']],
      ]);
      expect(result.issues[0].diagnostics).toMatch(/nhs-number-check-digit/);
      expect(JSON.stringify(result.issues)).not.toContain('1234567890');
    });

    it('refuses a subject without any valid strong identifier (OperationOutcome, no person created)', async () => {
      const before = await database.count('SELECT count(*) AS n FROM person');
      const result = await index.resolve(
        {
          identifiers: [{ system: NHS_NUMBER_SYSTEM, value: '0000000000' }],
          family: 'Doe',
          given: 'Jo',
          birthDate: '1990-01-01',
        },
        trusted(),
      );
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.outcome.issue.map((issue) => [issue.severity, issue.code])).toEqual([
        ['error', 'required'],
        ['warning', 'value'],
      ]);
      const garbage = await index.resolve({ identifiers: 'nope' } as unknown as PersonSubject, trusted());
      expect(garbage.ok).toBe(false);
      const noContext = await index.resolve({ identifiers: [nhsNumber()] }, {} as ResolveContext);
      expect(noContext.ok).toBe(false);
      expect(await database.count('SELECT count(*) AS n FROM person')).toBe(before);
    });

    it('runs inside the caller’s transaction: rolled back, nothing is left', async () => {
      const nhs = nhsNumber();
      await expect(
        database.dataSource.transaction(async (manager) => {
          resolved(await index.resolve({ identifiers: [nhs] }, trusted(), manager));
          expect(await index.findByIdentifier(nhs.system, nhs.value, manager)).toBeDefined();
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await index.findByIdentifier(nhs.system, nhs.value)).toBeUndefined();
    });
  });

  describe('manual changes', () => {
    it('unlink moves the identifier to a new person, recorded on both', async () => {
      const nhs = nhsNumber();
      const caseRef = crn();
      const person = await resolve({ identifiers: [nhs, caseRef] });
      const result = await index.unlink(person.personId, caseRef, { actor: 'reviewer-1', reason: 'Wrong CRN' });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.newPersonId).toBeDefined();
      expect(result.newPersonId).not.toBe(person.personId);
      expect(await index.findByIdentifier(caseRef.system, caseRef.value)).toBe(result.newPersonId);
      expect(await index.identifiers(person.personId)).toEqual([nhs]);
      const unlink = (await index.history(person.personId)).at(-1);
      expect(unlink).toMatchObject({
        action: 'unlink',
        personId: person.personId,
        relatedPersonId: result.newPersonId,
        identifiers: [caseRef],
        actor: 'reviewer-1',
        reason: 'Wrong CRN',
      });
      expect((await index.history(result.newPersonId as string)).map((record) => record.action)).toEqual(['unlink']);
    });

    it('refuses to unlink the only identifier, or one the person does not hold', async () => {
      const nhs = nhsNumber();
      const person = await resolve({ identifiers: [nhs] });
      const only = await index.unlink(person.personId, nhs, { actor: 'reviewer-1' });
      const notHeld = await index.unlink(person.personId, crn(), { actor: 'reviewer-1' });
      expect(only).toMatchObject({ ok: false, outcome: { issue: [{ code: 'processing' }] } });
      expect(notHeld).toMatchObject({ ok: false, outcome: { issue: [{ code: 'not-found' }] } });
      expect(await index.findByIdentifier(nhs.system, nhs.value)).toBe(person.personId);
    });

    it('link adds an identifier; refuses a second value of a system or another person’s identifier', async () => {
      const [nhs, caseRef, otherNhs] = [nhsNumber(), crn(), nhsNumber()];
      const person = await resolve({ identifiers: [nhs] });
      const other = await resolve({ identifiers: [otherNhs] });
      expect(await index.link(person.personId, caseRef, { actor: 'reviewer-1' })).toEqual({
        ok: true,
        personId: person.personId,
        changed: true,
      });
      expect(await index.link(person.personId, caseRef, { actor: 'reviewer-1' })).toEqual({
        ok: true,
        personId: person.personId,
        changed: false,
      });
      expect(await index.link(person.personId, nhsNumber(), { actor: 'reviewer-1' })).toMatchObject({
        ok: false,
        outcome: { issue: [{ code: 'conflict' }] },
      });
      expect(await index.link(other.personId, caseRef, { actor: 'reviewer-1' })).toMatchObject({
        ok: false,
        outcome: { issue: [{ code: 'conflict' }] },
      });
      expect(
        await index.link(person.personId, { system: CRN_SYSTEM, value: '??' }, { actor: 'reviewer-1' }),
      ).toMatchObject({ ok: false, outcome: { issue: [{ severity: 'error', code: 'value' }] } });
      expect(await index.link('not-a-uuid', caseRef, { actor: 'reviewer-1' })).toMatchObject({ ok: false });
      expect(await index.link(randomUUID(), crn(), { actor: 'reviewer-1' })).toMatchObject({
        ok: false,
        outcome: { issue: [{ code: 'not-found' }] },
      });
      expect(await index.findByIdentifier(caseRef.system, caseRef.value)).toBe(person.personId);
    });

    it('merge moves identifiers to the survivor; refuses conflicting or already merged persons', async () => {
      const [nhs, caseRef, nhs2] = [nhsNumber(), crn(), nhsNumber()];
      const a = await resolve({ identifiers: [nhs] });
      const b = await resolve({ identifiers: [caseRef] });
      const c = await resolve({ identifiers: [nhs2] });
      expect(await index.merge(b.personId, a.personId, { actor: 'reviewer-1', reason: 'Same person per PDS' })).toEqual(
        { ok: true, personId: b.personId, changed: true },
      );
      expect(await index.findByIdentifier(nhs.system, nhs.value)).toBe(b.personId);
      expect(await index.merge(b.personId, c.personId, { actor: 'reviewer-1' })).toMatchObject({
        ok: false,
        outcome: { issue: [{ code: 'conflict' }] },
      });
      expect(await index.merge(c.personId, a.personId, { actor: 'reviewer-1' })).toMatchObject({
        ok: false,
        outcome: { issue: [{ code: 'processing' }] },
      });
      expect(await index.merge(b.personId, b.personId, { actor: 'reviewer-1' })).toMatchObject({ ok: false });
      expect(await index.findByIdentifier(nhs2.system, nhs2.value)).toBe(c.personId);
    });

    it('review: a rejected possible match is closed and not raised again; a confirmed one merges the two', async () => {
      const name = { family: `Family${randomUUID().slice(0, 8)}`, given: 'Sam', birthDate: '1999-12-31' };
      const a = await resolve({ identifiers: [nhsNumber()], ...name });
      const b = await resolve({ identifiers: [crn()], ...name });
      const [match] = (await index.possibleMatches('open')).filter((m) => [m.personA, m.personB].includes(b.personId));
      expect(
        await index.reviewPossibleMatch(match.id, 'rejected', { actor: 'reviewer-2', reason: 'Different people' }),
      ).toMatchObject({ ok: true });
      expect(await index.reviewPossibleMatch(match.id, 'rejected', { actor: 'reviewer-2' })).toMatchObject({
        ok: false,
        outcome: { issue: [{ code: 'processing' }] },
      });
      const again = await resolve({ identifiers: [crn()], ...name });
      expect([...again.possibleMatches].sort()).toEqual([a.personId, b.personId].sort());
      const afterReject = await resolve({ identifiers: await index.identifiers(b.personId), ...name });
      expect(afterReject.possibleMatches).toEqual([again.personId]);

      const [toConfirm] = (await index.possibleMatches('open')).filter(
        (m) => [m.personA, m.personB].includes(again.personId) && [m.personA, m.personB].includes(a.personId),
      );
      const confirmed = await index.reviewPossibleMatch(toConfirm.id, 'confirmed', { actor: 'reviewer-2' });
      expect(confirmed).toEqual({ ok: true, personId: a.personId, changed: true });
      expect(await index.currentPersonId(again.personId)).toBe(a.personId);
      const [reviewed] = (await index.possibleMatches()).filter((m) => m.id === toConfirm.id);
      expect(reviewed).toMatchObject({
        status: 'confirmed',
        reviewedBy: 'reviewer-2',
        currentPersonA: a.personId,
        currentPersonB: a.personId,
      });
    });

    it('history lists every action in order, including those of persons merged in', async () => {
      const [nhs, caseRef, pnc, nhs2] = [nhsNumber(), crn(), pncId(), nhsNumber()];
      const name = { family: `Family${randomUUID().slice(0, 8)}`, given: 'Alex', birthDate: '2001-01-01' };
      const a = await resolve({ identifiers: [nhs], ...name }); // create
      await resolve({ identifiers: [nhs, caseRef] }); // link
      const b = await resolve({ identifiers: [pnc], ...name }); // create (b) + possible-match
      await resolve({ identifiers: [caseRef, pnc] }); // merge b into a (also confirms the possible match)
      const c = await resolve({ identifiers: [nhs2] }); // create (c)
      await resolve({ identifiers: [nhs2, pnc] }); // conflict a/c
      await index.unlink(a.personId, caseRef, { actor: 'reviewer-3' }); // unlink
      const actions = (await index.history(a.personId)).map(
        (record) => `${record.action}:${[a.personId, b.personId, c.personId].indexOf(record.personId)}`,
      );
      expect(actions).toEqual([
        'create:0',
        'link:0',
        'create:1',
        'possible-match:1',
        'merge:0',
        'conflict:2',
        'unlink:0',
      ]);
      expect(
        await index
          .possibleMatches('open')
          .then((open) => open.filter((m) => m.personB === b.personId || m.personA === b.personId)),
      ).toEqual([]);
    });

    it('keeps the link records append-only', async () => {
      await resolve({ identifiers: [nhsNumber()] });
      await expect(database.dataSource.query('UPDATE person_link_record SET actor = $1', ['someone'])).rejects.toThrow(
        /append-only/,
      );
      await expect(database.dataSource.query('DELETE FROM person_link_record')).rejects.toThrow(/append-only/);
    });
  });

  describe('concurrency (two hub instances)', () => {
    let second: DataSource;
    let secondIndex: PersonIndex;

    beforeAll(async () => {
      second = await createAppDataSource({
        url: env.databaseUrl,
        schema: database.schema,
        applicationName: 'test:person-index-2',
        migrations: PERSON_INDEX_MIGRATIONS,
      });
      secondIndex = new PersonIndex(second);
    });

    afterAll(async () => {
      await second.destroy();
    });

    it('20 parallel resolves of the same new identifiers end with one person', async () => {
      const ids = [nhsNumber(), crn(), defendantId()];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? index : secondIndex).resolve(
            { identifiers: i % 3 === 0 ? [...ids].reverse() : ids },
            trusted(),
          ),
        ),
      );
      const personIds = new Set(results.map((result) => resolved(result).personId));
      expect(personIds.size).toBe(1);
      expect(results.filter((result) => resolved(result).isNew)).toHaveLength(1);
      for (const id of ids) expect(await liveOwnerCount(id)).toBe(1);
      const [personId] = personIds;
      expect(
        await database.count('SELECT count(*) AS n FROM person_link_record WHERE person_id = $1', [personId]),
      ).toBe(1);
    });

    it('parallel resolves of overlapping identifiers (alone and together) end with one live person holding all', async () => {
      const [nhs, caseRef, pnc] = [nhsNumber(), crn(), pncId()];
      const subjects = [[nhs], [caseRef], [pnc], [nhs, caseRef], [caseRef, pnc]];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? index : secondIndex).resolve({ identifiers: subjects[i % subjects.length] }, trusted()),
        ),
      );
      for (const result of results) resolved(result);
      const owner = await index.findByIdentifier(nhs.system, nhs.value);
      expect(await index.findByIdentifier(caseRef.system, caseRef.value)).toBe(owner);
      expect(await index.findByIdentifier(pnc.system, pnc.value)).toBe(owner);
      for (const id of [nhs, caseRef, pnc]) expect(await liveOwnerCount(id)).toBe(1);
      // Every person created on the way is now merged into the one survivor.
      for (const result of results) expect(await index.currentPersonId(resolved(result).personId)).toBe(owner);
    });
  });

  describe('properties', () => {
    // A small pool per run so identifiers recur; two values per system so conflicts happen; all
    // subjects share one name and birth date so demographics would link everything if they could.
    const poolSize = 6;
    const pool = (): PersonIdentifier[] => [nhsNumber(), nhsNumber(), crn(), crn(), pncId(), defendantId()];
    const events = fc.array(
      fc.record({
        members: fc.uniqueArray(fc.integer({ min: 0, max: poolSize - 1 }), { minLength: 1, maxLength: 3 }),
        trusted: fc.boolean(),
      }),
      {
        minLength: 1,
        maxLength: 8,
      },
    );

    it('each identifier maps to exactly one live person; persons hold one value per system; only events tie identifiers together', async () => {
      await fc.assert(
        fc.asyncProperty(events, async (sequence) => {
          const ids = pool();
          const name = { family: `P${randomUUID().slice(0, 8)}`, given: 'Same', birthDate: '1970-01-01' };
          // Union-find over identifiers that appeared together in a trusted event: the most the index may link.
          const parent = ids.map((_, i) => i);
          const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
          const seen = new Set<number>();
          for (const event of sequence) {
            const result = resolved(
              await index.resolve(
                { identifiers: event.members.map((i) => ids[i]), ...name },
                { sourceEventId: randomUUID(), trusted: event.trusted, actor: 'hub' },
              ),
            );
            const eventOwners: (string | undefined)[] = [];
            for (const member of event.members) {
              const owner = await index.findByIdentifier(ids[member].system, ids[member].value);
              if (owner !== undefined) seen.add(member);
              eventOwners.push(owner);
            }
            // The subject resolves to a person holding at least one of its identifiers.
            expect(eventOwners).toContain(result.personId);
            if (event.trusted)
              for (const member of event.members.slice(1)) parent[find(member)] = find(event.members[0]);
          }
          const owners = new Map<number, string>();
          for (const i of seen) {
            expect(await liveOwnerCount(ids[i])).toBe(1);
            owners.set(i, (await index.findByIdentifier(ids[i].system, ids[i].value)) as string);
          }
          for (const [i, owner] of owners) {
            for (const [j, other] of owners) {
              // Same person ⇒ some trusted events connected them: name + birth date alone never links.
              if (owner === other) expect(find(i)).toBe(find(j));
            }
            const held = await index.identifiers(owner);
            expect(new Set(held.map((identifier) => identifier.system)).size).toBe(held.length);
          }
        }),
        { numRuns: 25 },
      );
    });

    it('without conflicting values, identifiers seen together in trusted events always end on one person', async () => {
      await fc.assert(
        fc.asyncProperty(events, async (sequence) => {
          // One value per system: nothing can conflict, so every trusted co-occurrence must link.
          const ids = [nhsNumber(), crn(), pncId(), croNumber(), defendantId(), defendantId()].slice(0, poolSize - 1);
          const parent = ids.map((_, i) => i);
          const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
          const trustedMembers = new Set<number>();
          for (const event of sequence) {
            const members = event.members.filter((i) => i < ids.length);
            if (members.length === 0) continue;
            const result = resolved(
              await index.resolve(
                { identifiers: members.map((i) => ids[i]) },
                { sourceEventId: randomUUID(), trusted: event.trusted, actor: 'hub' },
              ),
            );
            expect(result.conflicts).toEqual([]);
            if (!event.trusted) continue;
            for (const member of members) trustedMembers.add(member);
            for (const member of members.slice(1)) parent[find(member)] = find(members[0]);
          }
          for (const i of trustedMembers) {
            for (const j of trustedMembers) {
              const [owner, other] = [
                await index.findByIdentifier(ids[i].system, ids[i].value),
                await index.findByIdentifier(ids[j].system, ids[j].value),
              ];
              expect(owner).toBeDefined();
              expect(owner === other).toBe(find(i) === find(j));
            }
          }
        }),
        { numRuns: 20 },
      );
    });
  });
});
