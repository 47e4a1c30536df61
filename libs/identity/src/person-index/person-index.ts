/**
 * The person index: which identifiers belong to one person, learned from trusted events, kept in
 * PostgreSQL (tables of {@link PERSON_INDEX_MIGRATIONS}). Strong identifiers link
 * deterministically; name and birth date only raise a possible match for a person to review.
 * Every change is recorded in `person_link_record`.
 *
 * This class checks requests and runs each in a transaction; the SQL is in
 * `person-index.repository.ts`, carrying out a link plan and merging in `person-merge.ts`,
 * manual links and unlinks in `identifier-changes.ts`, possible matches in `possible-matches.ts`.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { isTransactionConflict } from '@cstr/contracts';
import { nameBirthDateKey } from './demographics';
import { linkIdentifier, unlinkIdentifier, type IdentifierChange } from './identifier-changes';
import { planLinks } from './link-plan';
import { erasePersonFamily, type PersonErasure } from './person-erasure';
import {
  checkChange,
  isObject,
  isUuid,
  noStrongIdentifier,
  notLive,
  parseOne,
  refusal,
  resolveContextProblem,
} from './person-index-checks';
import {
  historyOf,
  identifiersOf,
  livePersonFor,
  livePersonHolding,
  lockAdvisory,
  lockAdvisoryAndFindOwners,
  lockPersons,
  lockPersonsHolding,
  selectPossibleMatches,
} from './person-index.repository';
import type {
  ChangeContext,
  LinkRecord,
  PersonChangeResult,
  PersonIdentifier,
  PersonSubject,
  PossibleMatch,
  PossibleMatchStatus,
  ResolveContext,
  ResolveResult,
} from './person-index.types';
import { applyLinkPlan, mergeChecked, recordConflicts } from './person-merge';
import { personPartitionKey } from './partition-key';
import {
  MAX_POSSIBLE_MATCHES_PER_RESOLVE,
  raisePossibleMatches,
  reviewPossibleMatch,
  type PossibleMatchDecision,
} from './possible-matches';
import { identifierKey, readSubjectIdentifiers } from './subject-identifiers';

export { PersonIndexContentionError } from './person-index-contention.error';
export { MAX_POSSIBLE_MATCHES_PER_RESOLVE, type PossibleMatchDecision } from './possible-matches';

const MAX_TRANSACTION_ATTEMPTS = 5;

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
    if (read.valid.length === 0) return noStrongIdentifier(read.issues);
    // subject is an object here: otherwise it had no identifiers and was refused above.
    const demographicsKey = nameBirthDateKey(subject);
    const eventContext = { sourceEventId: context.sourceEventId, actor: context.actor };
    return this.inTransaction(manager, async (tx) => {
      const owners = await lockAdvisoryAndFindOwners(
        tx,
        [...read.valid.map(identifierKey), ...(demographicsKey ? [`name+birthDate|${demographicsKey}`] : [])],
        read.valid,
      );
      const persons = await lockPersonsHolding(tx, read.valid, owners);
      const plan = planLinks({ subject: read.valid, persons, trusted: context.trusted });
      const { personId, linked, merged, sameDemographics } = await applyLinkPlan(
        tx,
        plan,
        context.trusted,
        eventContext,
        { key: demographicsKey, othersLimit: MAX_POSSIBLE_MATCHES_PER_RESOLVE },
      );
      await recordConflicts(tx, personId, plan.conflicts, read.valid, eventContext);
      const possibleMatches = demographicsKey
        ? await raisePossibleMatches(tx, personId, demographicsKey, context.trusted, eventContext, sameDemographics)
        : [];
      const held = persons
        .filter((person) => person.id === personId || merged.includes(person.id))
        .flatMap((person) => person.identifiers);
      return {
        ok: true as const,
        personId,
        identifiers: uniqueIdentifiers([...held, ...linked]),
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
    return this.changeIdentifier(personId, identifier, context, manager, linkIdentifier);
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
    return this.changeIdentifier(personId, identifier, context, manager, unlinkIdentifier);
  }

  /** The live person holding the identifier (the value is normalised first), or undefined. */
  async findByIdentifier(system: string, value: string, manager?: EntityManager): Promise<string | undefined> {
    const parsed = parseOne({ system, value });
    if (!parsed.ok) return undefined;
    return livePersonHolding(manager ?? this.dataSource.manager, parsed.identifier);
  }

  /** The live person a (possibly merged) person id now stands for, or undefined if unknown. */
  async currentPersonId(personId: string, manager?: EntityManager): Promise<string | undefined> {
    if (!isUuid(personId)) return undefined;
    return livePersonFor(manager ?? this.dataSource.manager, personId);
  }

  /** The identifiers the person holds now, ordered by system and value. */
  async identifiers(personId: string, manager?: EntityManager): Promise<PersonIdentifier[]> {
    if (!isUuid(personId)) return [];
    const rows = await identifiersOf(manager ?? this.dataSource.manager, [personId]);
    return rows.map(({ system, value }) => ({ system, value }));
  }

  /**
   * Every record about the person and the persons merged into it, oldest first: creations,
   * links, merges, unlinks, possible matches, conflicts and reviews.
   */
  async history(personId: string, manager?: EntityManager): Promise<LinkRecord[]> {
    if (!isUuid(personId)) return [];
    return historyOf(manager ?? this.dataSource.manager, personId);
  }

  /** Possible matches (all, or those with `status`), oldest first, with the persons they now stand for. */
  async possibleMatches(status?: PossibleMatchStatus, manager?: EntityManager): Promise<PossibleMatch[]> {
    return selectPossibleMatches(manager ?? this.dataSource.manager, status);
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
    return this.inTransaction(manager, (tx) => reviewPossibleMatch(tx, id, decision, context));
  }

  /**
   * Erases a person (an operator's erasure, or retention): the live person `personId` stands for
   * and every person merged into it, with their identifiers, demographics, possible matches and
   * link records. Returns the ids and identifiers erased, so the caller erases them elsewhere too.
   */
  async erase(personId: string, manager?: EntityManager): Promise<PersonErasure> {
    if (!isUuid(personId)) return { personIds: [], identifiers: [] };
    return this.inTransaction(manager, (tx) => erasePersonFamily(tx, personId));
  }

  /** The pseudonymous ordering key of a person for broker headers (see {@link personPartitionKey}). */
  partitionKey(personId: string, secret: string): string {
    return personPartitionKey(personId, secret);
  }

  /**
   * Checks a manual change of one identifier of a person, then, in a transaction, locks what it
   * touches (the identifier's advisory lock, then the person) and makes it if the person is live.
   */
  private async changeIdentifier(
    personId: string,
    identifier: PersonIdentifier,
    context: ChangeContext,
    manager: EntityManager | undefined,
    change: IdentifierChange,
  ): Promise<PersonChangeResult> {
    const checked = checkChange(context, [personId]);
    if (checked) return checked;
    const parsed = parseOne(identifier);
    if (!parsed.ok) return parsed;
    return this.inTransaction(manager, async (tx) => {
      await lockAdvisory(tx, [identifierKey(parsed.identifier)]);
      const [person] = await lockPersons(tx, [personId]);
      const problem = notLive(person, 'personId');
      if (problem) return problem;
      const own = await identifiersOf(tx, [personId]);
      return change(tx, { personId, identifier: parsed.identifier, own, context });
    });
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
