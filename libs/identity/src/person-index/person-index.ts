/**
 * The person index: which identifiers belong to one person, learned from trusted events, kept in
 * PostgreSQL (tables of {@link PERSON_INDEX_MIGRATIONS}). Strong identifiers link
 * deterministically; name and birth date only raise a possible match for a person to review.
 * Every change is recorded in `person_link_record`.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { isTransactionConflict, type IssueType, type OperationOutcomeIssue } from '@cstr/contracts';
import type { IdentifierKind } from '../identifier-result';
import { identifierKindForSystem } from '../parse-identifier';
import { sortedAdvisoryLockKeys } from './advisory-lock-keys';
import { nameBirthDateKey } from './demographics';
import { findConflicts, IndexedPerson, planLinks } from './link-plan';
import { personPartitionKey } from './partition-key';
import type {
  ChangeContext,
  LinkAction,
  LinkRecord,
  PersonChangeResult,
  PersonIdentifier,
  PersonIndexConflict,
  PersonIndexRefusal,
  PersonSubject,
  PossibleMatch,
  PossibleMatchStatus,
  ResolveContext,
  ResolveResult,
  StrongIdentifier,
} from './person-index.types';
import { identifierKey, readIdentifier, readSubjectIdentifiers } from './subject-identifiers';

/** Raised when the persons holding a subject's identifiers keep changing under concurrent merges. */
export class PersonIndexContentionError extends Error {
  readonly code = 'person-index-contention';
  constructor(readonly attempts: number) {
    super(`The persons holding the subject's identifiers changed ${attempts} times while being locked; try again`);
    this.name = 'PersonIndexContentionError';
  }
}

/** The decision of a reviewer on a possible match. */
export type PossibleMatchDecision = 'confirmed' | 'rejected';

const MAX_TRANSACTION_ATTEMPTS = 5;
const MAX_LOCK_ROUNDS = 10;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const KIND_LABELS: Readonly<Record<IdentifierKind, string>> = {
  'nhs-number': 'NHS number',
  crn: 'CRN',
  'pnc-id': 'PNC ID',
  'cro-number': 'CRO number',
  'common-platform-defendant-id': 'Common Platform defendant id',
};

interface PersonRow {
  id: string;
  created_at: Date;
  merged_into: string | null;
}

interface IdentifierRow {
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

interface PossibleMatchRow {
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

interface RecordInput {
  action: LinkAction;
  personId: string;
  relatedPersonId?: string | null;
  identifiers?: readonly PersonIdentifier[];
  sourceEventId?: string | null;
  actor: string;
  reason: string;
}

/**
 * Resolves event subjects to persons and keeps the record of how identifiers came together.
 *
 * Every method takes an optional `EntityManager`: pass the one of an open transaction (READ
 * COMMITTED, PostgreSQL's default) to make the index's changes part of it — its locks are then
 * held until that transaction ends, and a deadlock error is the caller's to retry. Without one,
 * the index runs its own transaction and retries deadlocks itself.
 */
export class PersonIndex {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Resolves an event's subject to one live person, creating, linking and merging as the rules
   * allow (see `planLinks`), and raises possible matches on equal name and birth date.
   * Invalid identifiers are ignored and returned as warnings; a subject with no valid strong
   * identifier is refused with an OperationOutcome (it never creates a person).
   */
  async resolve(subject: PersonSubject, context: ResolveContext, manager?: EntityManager): Promise<ResolveResult> {
    const contextProblem = resolveContextProblem(context);
    if (contextProblem) return refusal('required', contextProblem);
    const read = readSubjectIdentifiers(isObject(subject) ? subject.identifiers : undefined);
    if (read.valid.length === 0) {
      const issue: OperationOutcomeIssue = {
        severity: 'error',
        code: 'required',
        diagnostics:
          'The subject has no valid NHS number, CRN, PNC ID, CRO number or Common Platform defendant id, so it cannot be resolved to a person.',
        expression: ['Patient.identifier'],
      };
      return { ok: false, outcome: { resourceType: 'OperationOutcome', issue: [issue, ...read.issues] } };
    }
    // subject is an object here: otherwise it had no identifiers and was refused above.
    const demographicsKey = nameBirthDateKey(subject);
    return this.inTransaction(manager, async (tx) => {
      await lockAdvisory(tx, [
        ...read.valid.map(identifierKey),
        ...(demographicsKey ? [`name+birthDate|${demographicsKey}`] : []),
      ]);
      const persons = await lockPersonsHolding(tx, read.valid);
      const plan = planLinks({ subject: read.valid, persons, trusted: context.trusted });
      const recordContext = { sourceEventId: context.sourceEventId, actor: context.actor };

      let personId: string;
      let linked: readonly StrongIdentifier[];
      let merged: readonly string[] = [];
      if (plan.kind === 'create') {
        personId = await insertPersonWithIdentifiers(tx, plan.attach, context.sourceEventId);
        linked = plan.attach;
        const reason =
          context.trusted || plan.notLinked.length === 0
            ? 'No identifier of the subject was known'
            : 'No identifier of the subject was known; the event is untrusted, so only its first identifier was registered';
        await insertRecord(tx, { action: 'create', personId, identifiers: plan.attach, reason, ...recordContext });
      } else {
        personId = plan.personId;
        for (const mergedId of plan.merge) {
          await mergeInto(tx, personId, mergedId, {
            ...recordContext,
            reason: 'Identifiers of both persons were seen together in a trusted event',
          });
        }
        merged = plan.merge;
        if (plan.link.length > 0) {
          await insertIdentifiers(tx, personId, plan.link, context.sourceEventId);
          await insertRecord(tx, {
            action: 'link',
            personId,
            identifiers: plan.link,
            reason: 'Seen together with a known identifier in a trusted event',
            ...recordContext,
          });
        }
        linked = plan.link;
      }
      await recordConflicts(tx, personId, plan.conflicts, read.valid, recordContext);

      let possibleMatches: string[] = [];
      if (demographicsKey) {
        possibleMatches = await storeDemographicsAndRaisePossibleMatches(
          tx,
          personId,
          demographicsKey,
          context.trusted,
          recordContext,
        );
      }
      const held = persons
        .filter((person) => person.id === personId || merged.includes(person.id))
        .flatMap((person) => person.identifiers);
      const identifiers = uniqueIdentifiers([...held, ...linked]);
      return {
        ok: true as const,
        personId,
        identifiers,
        isNew: plan.kind === 'create',
        linked,
        merged,
        possibleMatches,
        conflicts: plan.conflicts,
        notLinked: plan.notLinked,
        issues: read.issues,
      };
    });
  }

  /**
   * Links `identifier` to the live person `personId` (a manual change). Refused when the
   * identifier is invalid, belongs to another person (merge them instead), or the person already
   * has a different value of the same system.
   */
  async link(
    personId: string,
    identifier: PersonIdentifier,
    context: ChangeContext,
    manager?: EntityManager,
  ): Promise<PersonChangeResult> {
    const checked = checkChange(context, [personId]);
    if (checked) return checked;
    const parsed = parseOne(identifier);
    if (!parsed.ok) return parsed;
    return this.inTransaction(manager, async (tx) => {
      await lockAdvisory(tx, [identifierKey(parsed.identifier)]);
      const person = await lockLivePerson(tx, personId);
      if (!person.ok) return person;
      const owner = await ownerOf(tx, parsed.identifier);
      if (owner === personId) return { ok: true as const, personId, changed: false };
      if (owner)
        return refusal(
          'conflict',
          `The ${labelOf(parsed.identifier)} belongs to another person; merge the two persons instead.`,
          ['identifier'],
        );
      const own = await identifiersOf(tx, [personId]);
      if (own.some((held) => held.system === parsed.identifier.system)) {
        return refusal(
          'conflict',
          `The person already has a different ${labelOf(parsed.identifier)}; a person has at most one of each.`,
          ['identifier'],
        );
      }
      await insertIdentifiers(tx, personId, [parsed.identifier], context.sourceEventId);
      await insertRecord(tx, {
        action: 'link',
        personId,
        identifiers: [parsed.identifier],
        actor: context.actor,
        reason: context.reason ?? 'Linked manually',
        sourceEventId: context.sourceEventId,
      });
      return { ok: true as const, personId, changed: true };
    });
  }

  /**
   * Merges the live person `mergedId` into the live person `survivorId`: its identifiers move to
   * the survivor and it points to the survivor from then on. Refused when the two hold different
   * values of one identifier system.
   */
  async merge(
    survivorId: string,
    mergedId: string,
    context: ChangeContext,
    manager?: EntityManager,
  ): Promise<PersonChangeResult> {
    const checked = checkChange(context, [survivorId, mergedId]);
    if (checked) return checked;
    if (survivorId === mergedId) return refusal('invalid', 'A person cannot be merged into itself.');
    return this.inTransaction(manager, (tx) =>
      mergeChecked(tx, survivorId, mergedId, {
        actor: context.actor,
        sourceEventId: context.sourceEventId ?? null,
        reason: context.reason ?? 'Merged manually',
      }),
    );
  }

  /**
   * Moves `identifier` from `personId` to a new person (a manual correction of a wrong link).
   * Refused when the identifier is not the person's, or is the person's only identifier.
   */
  async unlink(
    personId: string,
    identifier: PersonIdentifier,
    context: ChangeContext,
    manager?: EntityManager,
  ): Promise<PersonChangeResult> {
    const checked = checkChange(context, [personId]);
    if (checked) return checked;
    const parsed = parseOne(identifier);
    if (!parsed.ok) return parsed;
    return this.inTransaction(manager, async (tx) => {
      await lockAdvisory(tx, [identifierKey(parsed.identifier)]);
      const person = await lockLivePerson(tx, personId);
      if (!person.ok) return person;
      const own = await identifiersOf(tx, [personId]);
      if (!own.some((held) => identifierKey(held) === identifierKey(parsed.identifier))) {
        return refusal('not-found', `The person has no such ${labelOf(parsed.identifier)}.`, ['identifier']);
      }
      if (own.length === 1)
        return refusal(
          'processing',
          'This is the only identifier of the person; nothing would be left to find the person by.',
          ['identifier'],
        );
      const newPersonId = await insertPerson(tx);
      await tx.query(
        'UPDATE person_identifier SET person_id = $1, linked_at = clock_timestamp(), source_event_id = $2 WHERE system = $3 AND value = $4',
        [newPersonId, context.sourceEventId ?? null, parsed.identifier.system, parsed.identifier.value],
      );
      await insertRecord(tx, {
        action: 'unlink',
        personId,
        relatedPersonId: newPersonId,
        identifiers: [parsed.identifier],
        actor: context.actor,
        reason: context.reason ?? 'Unlinked manually',
        sourceEventId: context.sourceEventId,
      });
      return { ok: true as const, personId, newPersonId, changed: true };
    });
  }

  /** The live person holding the identifier (the value is normalised first), or undefined. */
  async findByIdentifier(system: string, value: string, manager?: EntityManager): Promise<string | undefined> {
    const parsed = parseOne({ system, value });
    if (!parsed.ok) return undefined;
    const rows = (await (manager ?? this.dataSource.manager).query(
      'SELECT COALESCE(p.merged_into, p.id) AS id FROM person_identifier i JOIN person p ON p.id = i.person_id WHERE i.system = $1 AND i.value = $2',
      [parsed.identifier.system, parsed.identifier.value],
    )) as { id: string }[];
    return rows[0]?.id;
  }

  /** The live person a (possibly merged) person id now stands for, or undefined if unknown. */
  async currentPersonId(personId: string, manager?: EntityManager): Promise<string | undefined> {
    if (!UUID.test(personId)) return undefined;
    const rows = (await (manager ?? this.dataSource.manager).query(
      'SELECT COALESCE(merged_into, id) AS id FROM person WHERE id = $1',
      [personId],
    )) as { id: string }[];
    return rows[0]?.id;
  }

  /** The identifiers the person holds now, ordered by system and value. */
  async identifiers(personId: string, manager?: EntityManager): Promise<PersonIdentifier[]> {
    if (!UUID.test(personId)) return [];
    const rows = await identifiersOf(manager ?? this.dataSource.manager, [personId]);
    return rows.map(({ system, value }) => ({ system, value }));
  }

  /**
   * Every record about the person and the persons merged into it, oldest first: creations,
   * links, merges, unlinks, possible matches, conflicts and reviews.
   */
  async history(personId: string, manager?: EntityManager): Promise<LinkRecord[]> {
    if (!UUID.test(personId)) return [];
    const rows = (await (manager ?? this.dataSource.manager).query(
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

  /** Possible matches (all, or those with `status`), oldest first, with the persons they now stand for. */
  async possibleMatches(status?: PossibleMatchStatus, manager?: EntityManager): Promise<PossibleMatch[]> {
    const rows = (await (manager ?? this.dataSource.manager).query(
      `SELECT m.id, m.person_a, m.person_b, COALESCE(a.merged_into, a.id) AS current_a, COALESCE(b.merged_into, b.id) AS current_b,
              m.basis, m.status, m.source_event_id, m.created_at, m.reviewed_at, m.reviewed_by
         FROM possible_match m JOIN person a ON a.id = m.person_a JOIN person b ON b.id = m.person_b
        WHERE $1::text IS NULL OR m.status = $1
        ORDER BY m.created_at, m.id`,
      [status ?? null],
    )) as PossibleMatchRow[];
    return rows.map(toPossibleMatch);
  }

  /**
   * Records a reviewer's decision on an open possible match. `confirmed` merges the two persons
   * (into the older one) unless they hold different values of one identifier system — then the
   * review is refused and the match stays open; `rejected` closes it (it is not raised again).
   */
  async reviewPossibleMatch(
    id: string,
    decision: PossibleMatchDecision,
    context: ChangeContext,
    manager?: EntityManager,
  ): Promise<PersonChangeResult> {
    const checked = checkChange(context, [id]);
    if (checked) return checked;
    if (decision !== 'confirmed' && decision !== 'rejected')
      return refusal('value', "The decision must be 'confirmed' or 'rejected'.", ['decision']);
    return this.inTransaction(manager, async (tx) => {
      const rows = (await tx.query(
        `SELECT m.id, m.person_a, m.person_b, COALESCE(a.merged_into, a.id) AS current_a, COALESCE(b.merged_into, b.id) AS current_b, m.status
           FROM possible_match m JOIN person a ON a.id = m.person_a JOIN person b ON b.id = m.person_b
          WHERE m.id = $1 FOR UPDATE OF m`,
        [id],
      )) as PossibleMatchRow[];
      const match = rows[0];
      if (!match) return refusal('not-found', 'There is no such possible match.', ['id']);
      if (match.status !== 'open')
        return refusal('processing', `The possible match was already ${match.status}.`, ['id']);
      const recordContext = { actor: context.actor, sourceEventId: context.sourceEventId ?? null };
      let personId = match.current_a;
      if (decision === 'confirmed' && match.current_a !== match.current_b) {
        const [older] = (await tx.query(
          'SELECT id FROM person WHERE id = ANY($1::uuid[]) ORDER BY created_at, id LIMIT 1',
          [[match.current_a, match.current_b]],
        )) as { id: string }[];
        const mergedId = older.id === match.current_a ? match.current_b : match.current_a;
        const result = await mergeChecked(tx, older.id, mergedId, {
          ...recordContext,
          reason: context.reason ?? 'Possible match confirmed by review',
        });
        if (!result.ok) return result;
        personId = older.id;
      }
      await tx.query(
        'UPDATE possible_match SET status = $2, reviewed_at = clock_timestamp(), reviewed_by = $3 WHERE id = $1',
        [id, decision, context.actor],
      );
      await insertRecord(tx, {
        action: 'review',
        personId: match.current_a,
        relatedPersonId: match.current_b,
        actor: context.actor,
        sourceEventId: context.sourceEventId,
        reason: `Possible match ${decision}${context.reason ? `: ${context.reason}` : ''}`,
      });
      return { ok: true as const, personId, changed: true };
    });
  }

  /** The pseudonymous ordering key of a person for broker headers (see {@link personPartitionKey}). */
  partitionKey(personId: string, secret: string): string {
    return personPartitionKey(personId, secret);
  }

  private async inTransaction<T>(
    manager: EntityManager | undefined,
    work: (tx: EntityManager) => Promise<T>,
  ): Promise<T> {
    if (manager?.queryRunner?.isTransactionActive) return work(manager);
    const owner = manager ?? this.dataSource.manager;
    for (let attempt = 1; ; attempt++) {
      try {
        return await owner.transaction('READ COMMITTED', work);
      } catch (error) {
        if (attempt >= MAX_TRANSACTION_ATTEMPTS || !isTransactionConflict(error)) throw error;
      }
    }
  }
}

function uniqueIdentifiers(identifiers: readonly PersonIdentifier[]): PersonIdentifier[] {
  const byKey = new Map(identifiers.map(({ system, value }) => [`${system}|${value}`, { system, value }]));
  return [...byKey.values()];
}

/** Takes transaction-scoped advisory locks on `texts`, in a fixed order. */
async function lockAdvisory(tx: EntityManager, texts: readonly string[]): Promise<void> {
  // One statement per key (the order of locks taken inside a single SELECT is not guaranteed), sent
  // in one round trip: the keys are integers we computed, so they can be written into the text.
  const statements = sortedAdvisoryLockKeys(texts).map((key) => {
    if (!/^-?\d+$/.test(key)) throw new Error(`Not an advisory lock key: ${key}`);
    return `SELECT pg_advisory_xact_lock(${key}::bigint);`;
  });
  if (statements.length > 0) await tx.query(statements.join(' '));
}

/**
 * Locks (FOR UPDATE) the live persons holding any of `identifiers` and returns them with all
 * their identifiers. A concurrent merge may move an identifier to another person while we wait
 * for a lock, so the owners are read again after locking until they stay put.
 */
async function lockPersonsHolding(
  tx: EntityManager,
  identifiers: readonly StrongIdentifier[],
): Promise<IndexedPerson[]> {
  let owners = await ownersOf(tx, identifiers);
  for (let round = 1; round <= MAX_LOCK_ROUNDS; round++) {
    if (owners.length === 0) return [];
    const locked = (await tx.query(
      'SELECT id, created_at, merged_into FROM person WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
      [owners],
    )) as PersonRow[];
    const again = await ownersOf(tx, identifiers);
    if (
      again.length === owners.length &&
      again.every((id) => owners.includes(id)) &&
      locked.every((person) => person.merged_into === null)
    ) {
      const held = await identifiersOf(tx, owners);
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

async function ownersOf(tx: EntityManager, identifiers: readonly PersonIdentifier[]): Promise<string[]> {
  const rows = (await tx.query(
    `SELECT DISTINCT i.person_id FROM person_identifier i
       JOIN unnest($1::text[], $2::text[]) AS s(system, value) ON s.system = i.system AND s.value = i.value
      ORDER BY i.person_id`,
    [identifiers.map((identifier) => identifier.system), identifiers.map((identifier) => identifier.value)],
  )) as { person_id: string }[];
  return rows.map((row) => row.person_id);
}

async function ownerOf(tx: EntityManager, identifier: PersonIdentifier): Promise<string | undefined> {
  return (await ownersOf(tx, [identifier]))[0];
}

async function identifiersOf(tx: EntityManager, personIds: readonly string[]): Promise<IdentifierRow[]> {
  return (await tx.query(
    'SELECT system, value, person_id FROM person_identifier WHERE person_id = ANY($1::uuid[]) ORDER BY system, value',
    [personIds],
  )) as IdentifierRow[];
}

async function lockLivePerson(
  tx: EntityManager,
  personId: string,
): Promise<{ ok: true; person: PersonRow } | PersonIndexRefusal> {
  const [person] = (await tx.query('SELECT id, created_at, merged_into FROM person WHERE id = $1 FOR UPDATE', [
    personId,
  ])) as PersonRow[];
  if (!person) return refusal('not-found', 'There is no such person.', ['personId']);
  if (person.merged_into)
    return refusal('processing', `The person was merged into ${person.merged_into}; act on that person instead.`, [
      'personId',
    ]);
  return { ok: true, person };
}

async function insertPerson(tx: EntityManager): Promise<string> {
  const id = randomUUID();
  await tx.query('INSERT INTO person (id) VALUES ($1)', [id]);
  return id;
}

/** A new person holding `identifiers`, in one round trip (the foreign key is checked at the end of the statement). */
async function insertPersonWithIdentifiers(
  tx: EntityManager,
  identifiers: readonly PersonIdentifier[],
  sourceEventId: string | null | undefined,
): Promise<string> {
  const id = randomUUID();
  await tx.query(
    `WITH person_row AS (INSERT INTO person (id) VALUES ($3))
     INSERT INTO person_identifier (system, value, person_id, source_event_id) SELECT s.system, s.value, $3, $4 FROM unnest($1::text[], $2::text[]) AS s(system, value)`,
    [
      identifiers.map((identifier) => identifier.system),
      identifiers.map((identifier) => identifier.value),
      id,
      sourceEventId ?? null,
    ],
  );
  return id;
}

async function insertIdentifiers(
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

async function insertRecord(tx: EntityManager, record: RecordInput): Promise<void> {
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

/** Merges after locking both persons (in id order) and checking they can be one person. */
async function mergeChecked(
  tx: EntityManager,
  survivorId: string,
  mergedId: string,
  context: Omit<RecordInput, 'action' | 'personId'>,
): Promise<PersonChangeResult> {
  const locked = (await tx.query(
    'SELECT id, created_at, merged_into FROM person WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
    [[survivorId, mergedId]],
  )) as PersonRow[];
  for (const [id, name] of [
    [survivorId, 'survivorId'],
    [mergedId, 'mergedId'],
  ] as const) {
    const person = locked.find((row) => row.id === id);
    if (!person) return refusal('not-found', 'There is no such person.', [name]);
    if (person.merged_into)
      return refusal('processing', `The person was merged into ${person.merged_into}; act on that person instead.`, [
        name,
      ]);
  }
  const held = await identifiersOf(tx, [survivorId, mergedId]);
  const persons = [survivorId, mergedId].map((id) => ({
    id,
    createdAt: new Date(0),
    identifiers: held.filter((row) => row.person_id === id),
  }));
  const conflicts = findConflicts([], persons);
  if (conflicts.length > 0) {
    return refusal(
      'conflict',
      `The persons hold different values of ${conflicts.map((conflict) => labelOfSystem(conflict.system)).join(', ')}; they cannot be one person.`,
    );
  }
  await mergeInto(tx, survivorId, mergedId, context);
  return { ok: true, personId: survivorId, changed: true };
}

/** Merges `mergedId` into `survivorId` (both locked, checked by the caller) and records it. */
async function mergeInto(
  tx: EntityManager,
  survivorId: string,
  mergedId: string,
  context: Omit<RecordInput, 'action' | 'personId'>,
): Promise<void> {
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
    [survivorId, mergedId, context.actor],
  );
  await insertRecord(tx, {
    ...context,
    action: 'merge',
    personId: survivorId,
    relatedPersonId: mergedId,
    identifiers: moved[0],
  });
}

async function recordConflicts(
  tx: EntityManager,
  personId: string,
  conflicts: readonly PersonIndexConflict[],
  subject: readonly StrongIdentifier[],
  context: { sourceEventId: string; actor: string },
): Promise<void> {
  if (conflicts.length === 0) return;
  const systems = conflicts.map((conflict) => labelOfSystem(conflict.system)).join(', ');
  const reason = `Linking would give one person two different values of ${systems}: nothing was linked or merged; review needed`;
  const others = [...new Set(conflicts.flatMap((conflict) => conflict.personIds))].filter((id) => id !== personId);
  for (const relatedPersonId of others.length > 0 ? others : [null]) {
    await insertRecord(tx, { action: 'conflict', personId, relatedPersonId, identifiers: subject, reason, ...context });
  }
}

/**
 * Most other persons a resolve raises possible matches with: the newest ones. A name and birth
 * date shared by more live persons than this is a data-quality problem for review, not a reason to
 * make every event about such a person slower as the index grows.
 */
export const MAX_POSSIBLE_MATCHES_PER_RESOLVE = 20;

/**
 * Stores the person's latest name+birth-date key (a trusted event overwrites, another only fills
 * a gap), raises a possible match (once per pair) with the other live persons whose name and
 * birth date equal the subject's (the newest {@link MAX_POSSIBLE_MATCHES_PER_RESOLVE}), and returns
 * the persons among them with an open possible match. Never links.
 */
async function storeDemographicsAndRaisePossibleMatches(
  tx: EntityManager,
  personId: string,
  key: string,
  trusted: boolean,
  context: { sourceEventId: string; actor: string },
): Promise<string[]> {
  const onConflict = trusted
    ? 'DO UPDATE SET name_birth_key = EXCLUDED.name_birth_key, updated_at = EXCLUDED.updated_at'
    : 'DO NOTHING';
  // One round trip: the store and the search for others (the search cannot see the row stored
  // by its own statement, and excludes this person anyway).
  const others = (await tx.query(
    `WITH stored AS (INSERT INTO person_demographics (person_id, name_birth_key) VALUES ($2, $1) ON CONFLICT (person_id) ${onConflict})
     SELECT d.person_id FROM person_demographics d JOIN person p ON p.id = d.person_id AND p.merged_into IS NULL
      WHERE d.name_birth_key = $1 AND d.person_id <> $2 ORDER BY p.created_at DESC, d.person_id LIMIT $3`,
    [key, personId, MAX_POSSIBLE_MATCHES_PER_RESOLVE],
  )) as { person_id: string }[];
  if (others.length === 0) return [];
  const otherIds = others.map((row) => row.person_id).sort();
  // Every pair in one statement; the pairs new to the index come back.
  const raised = (await tx.query(
    `INSERT INTO possible_match (id, person_a, person_b, basis, source_event_id)
     SELECT gen_random_uuid(), LEAST($1::uuid, other), GREATEST($1::uuid, other), 'name+birthDate', $2 FROM unnest($3::uuid[]) AS other
     ON CONFLICT (person_a, person_b, basis) DO NOTHING
     RETURNING CASE WHEN person_a = $1::uuid THEN person_b ELSE person_a END AS other`,
    [personId, context.sourceEventId, otherIds],
  )) as { other: string }[];
  for (const otherId of raised.map((row) => row.other).sort()) {
    await insertRecord(tx, {
      action: 'possible-match',
      personId,
      relatedPersonId: otherId,
      reason: 'Same name and birth date; not linked, review needed',
      ...context,
    });
  }
  const open = (await tx.query(
    `SELECT CASE WHEN person_a = $1 THEN person_b ELSE person_a END AS other FROM possible_match
      WHERE status = 'open' AND basis = 'name+birthDate' AND ((person_a = $1 AND person_b = ANY($2::uuid[])) OR (person_b = $1 AND person_a = ANY($2::uuid[])))
      ORDER BY other`,
    [personId, otherIds],
  )) as { other: string }[];
  return open.map((row) => row.other);
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

function parseOne(identifier: unknown): { ok: true; identifier: StrongIdentifier } | PersonIndexRefusal {
  const read = readIdentifier(identifier, 'identifier');
  return read.ok ? read : { ok: false, outcome: { resourceType: 'OperationOutcome', issue: [read.issue] } };
}

function resolveContextProblem(context: unknown): string | undefined {
  if (!isObject(context)) return 'A resolve needs a context: sourceEventId, trusted and actor.';
  const { sourceEventId, trusted, actor } = context as Partial<ResolveContext>;
  if (typeof sourceEventId !== 'string' || sourceEventId === '') return 'The resolve context has no sourceEventId.';
  if (typeof trusted !== 'boolean') return 'The resolve context must say whether the event is trusted.';
  if (typeof actor !== 'string' || actor === '') return 'The resolve context has no actor.';
  return undefined;
}

function checkChange(context: unknown, ids: readonly string[]): PersonIndexRefusal | undefined {
  if (
    !isObject(context) ||
    typeof (context as ChangeContext).actor !== 'string' ||
    (context as ChangeContext).actor === ''
  ) {
    return refusal('required', 'A change needs an actor: who made it.', ['context.actor']);
  }
  if (ids.some((id) => typeof id !== 'string' || !UUID.test(id)))
    return refusal('value', 'Person and possible-match ids are UUIDs.');
  return undefined;
}

function refusal(code: IssueType, diagnostics: string, expression?: string[]): PersonIndexRefusal {
  return {
    ok: false,
    outcome: {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code, diagnostics, ...(expression ? { expression } : {}) }],
    },
  };
}

function labelOf(identifier: StrongIdentifier): string {
  return KIND_LABELS[identifier.kind];
}

function labelOfSystem(system: string): string {
  const kind = identifierKindForSystem(system);
  return kind ? KIND_LABELS[kind] : system;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
