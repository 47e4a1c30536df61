import type { BatchSink } from '@cstr/messaging';
import type { ConsentRecord } from '@cstr/policy';
import type { EntityManager } from 'typeorm';
import {
  EMPTY_PERSON_STATE,
  PersonStateRepository,
  mergePersonStates,
  type PersonState,
  type PersonStateScope,
} from './person-state.repository';

const consent = (ref: string, status: ConsentRecord['status'], withdrawnRecipients: string[] = []): ConsentRecord => ({
  ref,
  discloser: 'slam-mhtr',
  status,
  recipients: ['nps-london-croydon'],
  withdrawnRecipients,
});

describe('mergePersonStates', () => {
  it('keeps every connection of both persons, reasons united', () => {
    const survivor: PersonState = {
      ...EMPTY_PERSON_STATE,
      relationships: { connections: { 'nps-london-croydon': ['covers-court'] } },
    };
    const merged: PersonState = {
      ...EMPTY_PERSON_STATE,
      relationships: { connections: { 'nps-london-croydon': ['allocated-case'], 'slam-mhtr': ['accepted-referral'] } },
    };
    expect(mergePersonStates(survivor, merged).relationships.connections).toEqual({
      'nps-london-croydon': ['covers-court', 'allocated-case'],
      'slam-mhtr': ['accepted-referral'],
    });
  });

  it('keeps every consent, and a withdrawal on either side wins', () => {
    const survivor: PersonState = {
      ...EMPTY_PERSON_STATE,
      consent: { records: { a: consent('a', 'active'), b: consent('b', 'active') } },
    };
    const merged: PersonState = {
      ...EMPTY_PERSON_STATE,
      consent: {
        records: {
          a: consent('a', 'withdrawn'),
          b: consent('b', 'active', ['nps-london-croydon']),
          c: consent('c', 'active'),
        },
      },
    };
    const records = mergePersonStates(survivor, merged).consent.records;
    expect(Object.keys(records).sort()).toEqual(['a', 'b', 'c']);
    expect(records.a.status).toBe('withdrawn');
    expect(records.b.withdrawnRecipients).toEqual(['nps-london-croydon']);
  });
});

describe('PersonStateRepository in a batch', () => {
  const ALICE = '00000000-0000-4000-8000-00000000000a';
  const BOB = '00000000-0000-4000-8000-00000000000b';
  const withdrawn: PersonState = { ...EMPTY_PERSON_STATE, consent: { records: { c1: consent('c1', 'withdrawn') } } };

  /** A batch as the queue consumer runs it: a recording manager, collected rows written by `commit`. */
  function batch() {
    const queries: { sql: string; params: unknown[] }[] = [];
    const manager = {
      query: (sql: string, params: unknown[]) => {
        queries.push({ sql, params });
        return Promise.resolve([]);
      },
    } as unknown as EntityManager;
    const rows = new Map<BatchSink<unknown>, unknown[]>();
    const scope: PersonStateScope = {
      manager,
      collect: <T>(sink: BatchSink<T>, ...added: readonly T[]) => {
        rows.set(sink as BatchSink<unknown>, [...(rows.get(sink as BatchSink<unknown>) ?? []), ...added]);
      },
      collected: <T>(sink: BatchSink<T>) => (rows.get(sink as BatchSink<unknown>) ?? []) as T[],
    };
    const commit = async () => {
      for (const [sink, each] of rows) await sink.write(manager, each);
    };
    return { scope, queries, commit };
  }

  it("reads a later event's person from the batch's pending write, and writes each person once", async () => {
    const states = new PersonStateRepository();
    const { scope, queries, commit } = batch();
    await states.loadForUpdate(scope, ALICE);
    await states.save(scope, ALICE, withdrawn, '10000000-0000-4000-8000-000000000001');
    expect(await states.loadForUpdate(scope, ALICE)).toEqual(withdrawn);
    await states.save(scope, ALICE, EMPTY_PERSON_STATE, '10000000-0000-4000-8000-000000000002');
    await states.save(scope, BOB, withdrawn, '10000000-0000-4000-8000-000000000003');
    expect(queries.filter(({ sql }) => sql.includes('FOR UPDATE'))).toHaveLength(1);
    expect(queries.filter(({ sql }) => sql.includes('INSERT'))).toHaveLength(0);
    await commit();
    const inserts = queries.filter(({ sql }) => sql.includes('INSERT INTO hub_person_state'));
    expect(inserts).toHaveLength(1);
    const [ids, , consents, , events] = inserts[0].params as string[][];
    expect(ids).toEqual([ALICE, BOB]);
    expect(consents.map((each) => JSON.parse(each))).toEqual([EMPTY_PERSON_STATE.consent, withdrawn.consent]);
    expect(events).toEqual(['10000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000003']);
  });

  it('never writes back a person merged away later in the batch, and folds its pending state in', async () => {
    const states = new PersonStateRepository();
    const { scope, queries, commit } = batch();
    await states.save(scope, BOB, withdrawn, '10000000-0000-4000-8000-000000000001');
    const merged = await states.loadForUpdate(scope, ALICE, [BOB]);
    expect(merged.consent).toEqual(withdrawn.consent);
    await states.save(scope, ALICE, merged, '10000000-0000-4000-8000-000000000002');
    await commit();
    const inserts = queries.filter(({ sql }) => sql.includes('INSERT INTO hub_person_state'));
    expect((inserts[0].params as string[][])[0]).toEqual([ALICE]);
    const deletes = queries.filter(({ sql }) => sql.startsWith('DELETE FROM hub_person_state'));
    expect(deletes.map(({ params }) => params[0])).toEqual([[BOB], [BOB]]);
  });

  it('writes at once outside a batch', async () => {
    const states = new PersonStateRepository();
    const { scope, queries } = batch();
    await states.save({ manager: scope.manager }, ALICE, withdrawn, '10000000-0000-4000-8000-000000000001');
    expect(queries.filter(({ sql }) => sql.includes('INSERT INTO hub_person_state'))).toHaveLength(1);
  });
});
