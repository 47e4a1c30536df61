/**
 * The person index's SQL: every read and write of its tables (see {@link PERSON_INDEX_MIGRATIONS}),
 * each in the transaction (or manager) it is given. No rules here: the callers decide.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { sortedAdvisoryLockKeys } from './advisory-lock-keys';
import type { IndexedPerson } from './link-plan';
import { PersonIndexContentionError } from './person-index-contention.error';
import type {
  LinkAction,
  LinkRecord,
  PersonIdentifier,
  PossibleMatch,
  PossibleMatchStatus,
  StrongIdentifier,
} from './person-index.types';

/** Times the owners of a subject's identifiers are locked and read again before giving up. */
const MAX_LOCK_ROUNDS = 10;

export interface PersonRow {
  id: string;
  created_at: Date;
  merged_into: string | null;
}

export interface IdentifierRow {
  system: string;
  value: string;
  person_id: string;
}

interface LinkRecordRow {
  id: string;
  action: LinkAction;
  person_id: string;
  related_person_id: string | null;
  identifiers: PersonIdentifier[];
  source_event_id: string | null;
  actor: string;
  reason: string;
  at: Date;
}

export interface PossibleMatchRow {
  id: string;
  person_a: string;
  person_b: string;
  current_a: string;
  current_b: string;
  basis: 'name+birthDate';
  status: PossibleMatchStatus;
  source_event_id: string | null;
  created_at: Date;
  reviewed_at: Date | null;
  reviewed_by: string | null;
}

/** A row of `person_link_record`: what changed, about whom, why and on whose word. */
export interface RecordInput {
  action: LinkAction;
  personId: string;
  relatedPersonId?: string | null;
  identifiers?: readonly PersonIdentifier[];
  sourceEventId?: string | null;
  actor: string;
  reason: string;
}

/** Who made a change and why, for the records it writes. */
export type RecordContext = Omit<RecordInput, 'action' | 'personId'>;

/** Takes transaction-scoped advisory locks on `texts`, in a fixed order. */
export async function lockAdvisory(tx: EntityManager, texts: readonly string[]): Promise<void> {
  // One statement per key (the order of locks taken inside a single SELECT is not guaranteed), sent
  // in one round trip: the keys are integers we computed, so they can be written into the text.
  const statements = sortedAdvisoryLockKeys(texts).map((key) => {
    if (!/^-?\d+$/.test(key)) throw new Error(`Not an advisory lock key: ${key}`);
    return `SELECT pg_advisory_xact_lock(${key}::bigint);`;
  });
  if (statements.length > 0) await tx.query(statements.join(' '));
}

/**
 * Takes the advisory locks on `texts` (as {@link lockAdvisory}), then returns the persons (merged
 * or not) holding any of `identifiers`, in id order ({@link ownersOf}) — in one round trip, through
 * `person_index_lock_and_find_owners` (the search sees what was committed before the locks were held).
 */
export async function lockAdvisoryAndFindOwners(
  tx: EntityManager,
  texts: readonly string[],
  identifiers: readonly PersonIdentifier[],
): Promise<string[]> {
  const rows = (await tx.query(
    'SELECT person_id FROM person_index_lock_and_find_owners($1::bigint[], $2::text[], $3::text[])',
    [
      sortedAdvisoryLockKeys(texts),
      identifiers.map((identifier) => identifier.system),
      identifiers.map((identifier) => identifier.value),
    ],
  )) as { person_id: string }[];
  return rows.map((row) => row.person_id);
}

/** Locks (FOR UPDATE, in id order) the persons `ids` that exist, merged or not. */
export async function lockPersons(tx: EntityManager, ids: readonly string[]): Promise<PersonRow[]> {
  return (await tx.query(
    'SELECT id, created_at, merged_into FROM person WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
    [ids],
  )) as PersonRow[];
}

/**
 * Locks (FOR UPDATE) the live persons holding any of `identifiers` and returns them with all
 * their identifiers. A concurrent merge may move an identifier to another person while we wait
 * for a lock, so the owners are read again after locking until they stay put.
 */
export async function lockPersonsHolding(
  tx: EntityManager,
  identifiers: readonly StrongIdentifier[],
  /** The owners read already (see {@link lockAdvisoryAndFindOwners}); read here when not given. */
  found?: readonly string[],
): Promise<IndexedPerson[]> {
  let owners = found ? [...found] : await ownersOf(tx, identifiers);
  for (let round = 1; round <= MAX_LOCK_ROUNDS; round++) {
    if (owners.length === 0) return [];
    const locked = await lockPersons(tx, owners);
    // After the lock, in one statement: who holds the identifiers now, and what the owners hold.
    const rows = await identifiersOfOwnersAndHolders(tx, owners, identifiers);
    const asked = new Set(identifiers.map(({ system, value }) => `${system}|${value}`));
    const again = [
      ...new Set(rows.filter((row) => asked.has(`${row.system}|${row.value}`)).map((row) => row.person_id)),
    ];
    if (
      again.length === owners.length &&
      again.every((id) => owners.includes(id)) &&
      locked.every((person) => person.merged_into === null)
    ) {
      const held = rows.filter((row) => owners.includes(row.person_id));
      return locked.map((person) => ({
        id: person.id,
        createdAt: person.created_at,
        identifiers: held.filter((row) => row.person_id === person.id),
      }));
    }
    owners = again;
  }
  throw new PersonIndexContentionError(MAX_LOCK_ROUNDS);
}

/** The persons (merged or not) holding any of `identifiers`, in id order. */
export async function ownersOf(tx: EntityManager, identifiers: readonly PersonIdentifier[]): Promise<string[]> {
  const rows = (await tx.query(
    `SELECT DISTINCT i.person_id FROM person_identifier i
       JOIN unnest($1::text[], $2::text[]) AS s(system, value) ON s.system = i.system AND s.value = i.value
      ORDER BY i.person_id`,
    [identifiers.map((identifier) => identifier.system), identifiers.map((identifier) => identifier.value)],
  )) as { person_id: string }[];
  return rows.map((row) => row.person_id);
}

export async function ownerOf(tx: EntityManager, identifier: PersonIdentifier): Promise<string | undefined> {
  return (await ownersOf(tx, [identifier]))[0];
}

/**
 * The identifiers held by the persons `personIds` and by every person holding any of
 * `identifiers`, ordered by system and value.
 */
async function identifiersOfOwnersAndHolders(
  tx: EntityManager,
  personIds: readonly string[],
  identifiers: readonly PersonIdentifier[],
): Promise<IdentifierRow[]> {
  return (await tx.query(
    `SELECT i.system, i.value, i.person_id FROM person_identifier i
      WHERE i.person_id = ANY($1::uuid[]) OR i.person_id IN (
        SELECT h.person_id FROM person_identifier h
          JOIN unnest($2::text[], $3::text[]) AS s(system, value) ON s.system = h.system AND s.value = h.value)
      ORDER BY i.system, i.value`,
    [personIds, identifiers.map((identifier) => identifier.system), identifiers.map((identifier) => identifier.value)],
  )) as IdentifierRow[];
}

/** The identifiers the persons hold, ordered by system and value. */
export async function identifiersOf(tx: EntityManager, personIds: readonly string[]): Promise<IdentifierRow[]> {
  return (await tx.query(
    'SELECT system, value, person_id FROM person_identifier WHERE person_id = ANY($1::uuid[]) ORDER BY system, value',
    [personIds],
  )) as IdentifierRow[];
}

/** The live person holding the identifier, or undefined. */
export async function livePersonHolding(
  manager: EntityManager,
  identifier: PersonIdentifier,
): Promise<string | undefined> {
  const rows = (await manager.query(
    'SELECT COALESCE(p.merged_into, p.id) AS id FROM person_identifier i JOIN person p ON p.id = i.person_id WHERE i.system = $1 AND i.value = $2',
    [identifier.system, identifier.value],
  )) as { id: string }[];
  return rows[0]?.id;
}

/** The live person a (possibly merged) person now stands for, or undefined. */
export async function livePersonFor(manager: EntityManager, personId: string): Promise<string | undefined> {
  const rows = (await manager.query('SELECT COALESCE(merged_into, id) AS id FROM person WHERE id = $1', [
    personId,
  ])) as { id: string }[];
  return rows[0]?.id;
}

export async function insertPerson(tx: EntityManager): Promise<string> {
  const id = randomUUID();
  await tx.query('INSERT INTO person (id) VALUES ($1)', [id]);
  return id;
}

/** A new person as {@link createPerson} writes it. */
export interface NewPerson {
  readonly identifiers: readonly PersonIdentifier[];
  /** Who created it and why: its `create` record. */
  readonly record: RecordContext & { readonly reason: string };
  /** Its name+birth-date key, if the subject has one. */
  readonly demographicsKey?: string;
  /** Most other persons with the same key to return. */
  readonly othersLimit: number;
}

/**
 * A new person with its identifiers, its `create` record and its name+birth-date key, in one
 * round trip (the foreign keys are checked at the end of the statement). Returns its id and the
 * newest `othersLimit` other live persons with the same key, in id order (the search cannot see
 * the rows its own statement stores, and excludes the new person anyway).
 */
export async function createPerson(
  tx: EntityManager,
  person: NewPerson,
): Promise<{ readonly personId: string; readonly others: string[] }> {
  const personId = randomUUID();
  const { identifiers, record } = person;
  const others = (await tx.query(
    `WITH person_row AS (INSERT INTO person (id) VALUES ($1)),
     identifier_rows AS (
       INSERT INTO person_identifier (system, value, person_id, source_event_id)
       SELECT s.system, s.value, $1, $4 FROM unnest($2::text[], $3::text[]) AS s(system, value)),
     record_row AS (
       INSERT INTO person_link_record (action, person_id, related_person_id, identifiers, source_event_id, actor, reason)
       VALUES ('create', $1, NULL, $5::jsonb, $4, $6, $7)),
     stored AS (INSERT INTO person_demographics (person_id, name_birth_key) SELECT $1, $8::text WHERE $8::text IS NOT NULL)
     SELECT d.person_id FROM person_demographics d JOIN person p ON p.id = d.person_id AND p.merged_into IS NULL
      WHERE $8::text IS NOT NULL AND d.name_birth_key = $8::text AND d.person_id <> $1
      ORDER BY p.created_at DESC, d.person_id LIMIT $9`,
    [
      personId,
      identifiers.map((identifier) => identifier.system),
      identifiers.map((identifier) => identifier.value),
      record.sourceEventId ?? null,
      JSON.stringify(identifiers.map(({ system, value }) => ({ system, value }))),
      record.actor,
      record.reason,
      person.demographicsKey ?? null,
      person.othersLimit,
    ],
  )) as { person_id: string }[];
  return { personId, others: others.map((row) => row.person_id).sort() };
}

export async function insertIdentifiers(
  tx: EntityManager,
  personId: string,
  identifiers: readonly PersonIdentifier[],
  sourceEventId: string | null | undefined,
): Promise<void> {
  if (identifiers.length === 0) return;
  await tx.query(
    'INSERT INTO person_identifier (system, value, person_id, source_event_id) SELECT s.system, s.value, $3, $4 FROM unnest($1::text[], $2::text[]) AS s(system, value)',
    [
      identifiers.map((identifier) => identifier.system),
      identifiers.map((identifier) => identifier.value),
      personId,
      sourceEventId ?? null,
    ],
  );
}

/** Gives `identifier` to the person `personId` (an unlink moves it to a new person). */
export async function moveIdentifier(
  tx: EntityManager,
  identifier: PersonIdentifier,
  personId: string,
  sourceEventId: string | null | undefined,
): Promise<void> {
  await tx.query(
    'UPDATE person_identifier SET person_id = $1, linked_at = clock_timestamp(), source_event_id = $2 WHERE system = $3 AND value = $4',
    [personId, sourceEventId ?? null, identifier.system, identifier.value],
  );
}

export async function insertRecord(tx: EntityManager, record: RecordInput): Promise<void> {
  const identifiers = (record.identifiers ?? []).map(({ system, value }) => ({ system, value }));
  await tx.query(
    'INSERT INTO person_link_record (action, person_id, related_person_id, identifiers, source_event_id, actor, reason) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)',
    [
      record.action,
      record.personId,
      record.relatedPersonId ?? null,
      JSON.stringify(identifiers),
      record.sourceEventId ?? null,
      record.actor,
      record.reason,
    ],
  );
}

/**
 * The rows of a merge of `mergedId` into `survivorId`: the merged person (and those merged into
 * it earlier) point to the survivor, its identifiers and demographics move, and an open possible
 * match between the two is confirmed. Returns the identifiers moved.
 */
export async function mergePersonRows(
  tx: EntityManager,
  survivorId: string,
  mergedId: string,
  actor: string,
): Promise<IdentifierRow[]> {
  await tx.query('UPDATE person SET merged_into = $1, merged_at = clock_timestamp() WHERE id = $2', [
    survivorId,
    mergedId,
  ]);
  // Persons merged earlier into the merged one now point straight at the survivor: one hop always.
  await tx.query('UPDATE person SET merged_into = $1 WHERE merged_into = $2', [survivorId, mergedId]);
  const moved = (await tx.query(
    'UPDATE person_identifier SET person_id = $1 WHERE person_id = $2 RETURNING system, value',
    [survivorId, mergedId],
  )) as [IdentifierRow[], number];
  await tx.query(
    `INSERT INTO person_demographics (person_id, name_birth_key, updated_at)
     SELECT $1, name_birth_key, updated_at FROM person_demographics WHERE person_id = $2
     ON CONFLICT (person_id) DO NOTHING`,
    [survivorId, mergedId],
  );
  await tx.query('DELETE FROM person_demographics WHERE person_id = $1', [mergedId]);
  await tx.query(
    `UPDATE possible_match SET status = 'confirmed', reviewed_at = clock_timestamp(), reviewed_by = $3
      WHERE status = 'open' AND person_a = LEAST($1::uuid, $2::uuid) AND person_b = GREATEST($1::uuid, $2::uuid)`,
    [survivorId, mergedId, actor],
  );
  return moved[0];
}

/** Every record about the person and the persons merged into it, oldest first. */
export async function historyOf(manager: EntityManager, personId: string): Promise<LinkRecord[]> {
  const rows = (await manager.query(
    `WITH RECURSIVE family(id) AS (
       SELECT $1::uuid
       UNION SELECT p.id FROM person p JOIN family f ON p.merged_into = f.id
     )
     SELECT id, action, person_id, related_person_id, identifiers, source_event_id, actor, reason, at
       FROM person_link_record
      WHERE person_id IN (SELECT id FROM family) OR related_person_id IN (SELECT id FROM family)
      ORDER BY id`,
    [personId],
  )) as LinkRecordRow[];
  return rows.map((row) => ({
    id: String(row.id),
    action: row.action,
    personId: row.person_id,
    relatedPersonId: row.related_person_id,
    identifiers: row.identifiers,
    sourceEventId: row.source_event_id,
    actor: row.actor,
    reason: row.reason,
    at: row.at,
  }));
}

/**
 * Stores the person's name+birth-date key (`overwrite`: replacing an older one, else only filling
 * a gap) and returns the newest `limit` other live persons with the same key, in id order.
 */
export async function storeDemographicsAndFindOthers(
  tx: EntityManager,
  personId: string,
  key: string,
  overwrite: boolean,
  limit: number,
): Promise<string[]> {
  const onConflict = overwrite
    ? 'DO UPDATE SET name_birth_key = EXCLUDED.name_birth_key, updated_at = EXCLUDED.updated_at'
    : 'DO NOTHING';
  // One round trip: the store and the search for others (the search cannot see the row stored
  // by its own statement, and excludes this person anyway).
  const others = (await tx.query(
    `WITH stored AS (INSERT INTO person_demographics (person_id, name_birth_key) VALUES ($2, $1) ON CONFLICT (person_id) ${onConflict})
     SELECT d.person_id FROM person_demographics d JOIN person p ON p.id = d.person_id AND p.merged_into IS NULL
      WHERE d.name_birth_key = $1 AND d.person_id <> $2 ORDER BY p.created_at DESC, d.person_id LIMIT $3`,
    [key, personId, limit],
  )) as { person_id: string }[];
  return others.map((row) => row.person_id).sort();
}

/** Raises a name+birth-date possible match between the person and each of `otherIds`; returns those new to the index, sorted. */
export async function insertPossibleMatches(
  tx: EntityManager,
  personId: string,
  otherIds: readonly string[],
  sourceEventId: string,
): Promise<string[]> {
  // Every pair in one statement; the pairs new to the index come back.
  const raised = (await tx.query(
    `INSERT INTO possible_match (id, person_a, person_b, basis, source_event_id)
     SELECT gen_random_uuid(), LEAST($1::uuid, other), GREATEST($1::uuid, other), 'name+birthDate', $2 FROM unnest($3::uuid[]) AS other
     ON CONFLICT (person_a, person_b, basis) DO NOTHING
     RETURNING CASE WHEN person_a = $1::uuid THEN person_b ELSE person_a END AS other`,
    [personId, sourceEventId, otherIds],
  )) as { other: string }[];
  return raised.map((row) => row.other).sort();
}

/** Those of `otherIds` with an open name+birth-date possible match with the person, in id order. */
export async function openPossibleMatchesWith(
  tx: EntityManager,
  personId: string,
  otherIds: readonly string[],
): Promise<string[]> {
  const open = (await tx.query(
    `SELECT CASE WHEN person_a = $1 THEN person_b ELSE person_a END AS other FROM possible_match
      WHERE status = 'open' AND basis = 'name+birthDate' AND ((person_a = $1 AND person_b = ANY($2::uuid[])) OR (person_b = $1 AND person_a = ANY($2::uuid[])))
      ORDER BY other`,
    [personId, otherIds],
  )) as { other: string }[];
  return open.map((row) => row.other);
}

/** Possible matches (all, or those with `status`), oldest first, with the persons they now stand for. */
export async function selectPossibleMatches(
  manager: EntityManager,
  status: PossibleMatchStatus | undefined,
): Promise<PossibleMatch[]> {
  const rows = (await manager.query(
    `SELECT m.id, m.person_a, m.person_b, COALESCE(a.merged_into, a.id) AS current_a, COALESCE(b.merged_into, b.id) AS current_b,
            m.basis, m.status, m.source_event_id, m.created_at, m.reviewed_at, m.reviewed_by
       FROM possible_match m JOIN person a ON a.id = m.person_a JOIN person b ON b.id = m.person_b
      WHERE $1::text IS NULL OR m.status = $1
      ORDER BY m.created_at, m.id`,
    [status ?? null],
  )) as PossibleMatchRow[];
  return rows.map(toPossibleMatch);
}

/** Locks a possible match (FOR UPDATE) and reads it with the persons it now stands for; undefined if unknown. */
export async function lockPossibleMatch(
  tx: EntityManager,
  id: string,
): Promise<Pick<PossibleMatchRow, 'id' | 'person_a' | 'person_b' | 'current_a' | 'current_b' | 'status'> | undefined> {
  const rows = (await tx.query(
    `SELECT m.id, m.person_a, m.person_b, COALESCE(a.merged_into, a.id) AS current_a, COALESCE(b.merged_into, b.id) AS current_b, m.status
       FROM possible_match m JOIN person a ON a.id = m.person_a JOIN person b ON b.id = m.person_b
      WHERE m.id = $1 FOR UPDATE OF m`,
    [id],
  )) as PossibleMatchRow[];
  return rows[0];
}

/** The person of `ids` created first (ties broken by id). */
export async function oldestOf(tx: EntityManager, ids: readonly string[]): Promise<string> {
  const [oldest] = (await tx.query('SELECT id FROM person WHERE id = ANY($1::uuid[]) ORDER BY created_at, id LIMIT 1', [
    ids,
  ])) as { id: string }[];
  return oldest.id;
}

/** Closes a possible match with a reviewer's decision. */
export async function closePossibleMatch(
  tx: EntityManager,
  id: string,
  status: Exclude<PossibleMatchStatus, 'open'>,
  reviewedBy: string,
): Promise<void> {
  await tx.query(
    'UPDATE possible_match SET status = $2, reviewed_at = clock_timestamp(), reviewed_by = $3 WHERE id = $1',
    [id, status, reviewedBy],
  );
}

function toPossibleMatch(row: PossibleMatchRow): PossibleMatch {
  return {
    id: row.id,
    personA: row.person_a,
    personB: row.person_b,
    currentPersonA: row.current_a,
    currentPersonB: row.current_b,
    basis: row.basis,
    status: row.status,
    sourceEventId: row.source_event_id,
    createdAt: row.created_at,
    reviewedAt: row.reviewed_at,
    reviewedBy: row.reviewed_by,
  };
}
