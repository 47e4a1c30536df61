/**
 * The matching rules, as a pure function: given the subject's identifiers and the persons that
 * already hold some of them, decide which person the subject is and what to link or merge.
 * The person index loads the state, calls {@link planLinks}, and carries the plan out.
 */
import { identifierKindForSystem } from '../parse-identifier';
import type { PersonIndexConflict, StrongIdentifier } from './person-index.types';
import { identifierKey } from './subject-identifiers';

/** A person as the planner sees it. */
export interface IndexedPerson {
  readonly id: string;
  readonly createdAt: Date;
  readonly identifiers: readonly { readonly system: string; readonly value: string }[];
}

/** The state the planner decides on. */
export interface LinkPlanInput {
  /** Valid subject identifiers, in priority order (see `readSubjectIdentifiers`). */
  readonly subject: readonly StrongIdentifier[];
  /** The live persons holding at least one subject identifier, with all their identifiers. */
  readonly persons: readonly IndexedPerson[];
  readonly trusted: boolean;
}

/** What to do. */
export type LinkPlan =
  | {
      readonly kind: 'create';
      /** Identifiers the new person gets. */
      readonly attach: readonly StrongIdentifier[];
      readonly notLinked: readonly StrongIdentifier[];
      readonly conflicts: readonly PersonIndexConflict[];
    }
  | {
      readonly kind: 'existing';
      readonly personId: string;
      /** Persons to merge into `personId`. */
      readonly merge: readonly string[];
      /** Unknown identifiers to attach to `personId`. */
      readonly link: readonly StrongIdentifier[];
      readonly notLinked: readonly StrongIdentifier[];
      readonly conflicts: readonly PersonIndexConflict[];
    };

/**
 * Decides a resolve:
 * - no subject identifier known → a new person, with all identifiers if the event is trusted,
 *   otherwise only the first by priority (an untrusted event never ties identifiers together);
 * - known identifiers → that person; in a trusted event the other persons found are merged into
 *   the oldest of them and the unknown identifiers are linked to it;
 * - unless the result would give one person two different values of one identifier system: then
 *   nothing is linked or merged, and the conflicts are returned for review. The subject is then
 *   the person holding its highest-priority known identifier.
 * Name and birth date play no part here.
 */
export function planLinks(input: LinkPlanInput): LinkPlan {
  const ownerByKey = new Map<string, string>();
  for (const person of input.persons)
    for (const identifier of person.identifiers) ownerByKey.set(identifierKey(identifier), person.id);
  const known = input.subject.filter((identifier) => ownerByKey.has(identifierKey(identifier)));
  const unknown = input.subject.filter((identifier) => !ownerByKey.has(identifierKey(identifier)));
  const involvedIds = [...new Set(known.map((identifier) => ownerByKey.get(identifierKey(identifier)) as string))];
  const involved = involvedIds.map((id) => input.persons.find((person) => person.id === id) as IndexedPerson);

  const conflicts = input.trusted ? findConflicts(input.subject, involved) : [];
  const mayLink = input.trusted && conflicts.length === 0;

  if (involved.length === 0) {
    const attach = mayLink ? unknown : unknown.slice(0, 1);
    return { kind: 'create', attach, notLinked: unknown.slice(attach.length), conflicts };
  }
  if (mayLink) {
    const [survivor, ...others] = [...involved].sort(olderFirst);
    return {
      kind: 'existing',
      personId: survivor.id,
      merge: others.map((person) => person.id),
      link: unknown,
      notLinked: [],
      conflicts,
    };
  }
  const personId = ownerByKey.get(identifierKey(known[0])) as string;
  const notLinked = input.subject.filter((identifier) => ownerByKey.get(identifierKey(identifier)) !== personId);
  return { kind: 'existing', personId, merge: [], link: [], notLinked, conflicts };
}

/**
 * The identifier systems that would have two different values on one person if the subject's
 * identifiers and all the `persons` became one person.
 */
export function findConflicts(
  subject: readonly StrongIdentifier[],
  persons: readonly IndexedPerson[],
): PersonIndexConflict[] {
  const valuesBySystem = new Map<string, Set<string>>();
  const holdersBySystem = new Map<string, Set<string>>();
  const add = (identifier: { system: string; value: string }, personId?: string): void => {
    if (!identifierKindForSystem(identifier.system)) return;
    const values = valuesBySystem.get(identifier.system) ?? new Set<string>();
    values.add(identifier.value);
    valuesBySystem.set(identifier.system, values);
    const holders = holdersBySystem.get(identifier.system) ?? new Set<string>();
    if (personId) holders.add(personId);
    holdersBySystem.set(identifier.system, holders);
  };
  for (const person of persons) for (const identifier of person.identifiers) add(identifier, person.id);
  for (const identifier of subject) add(identifier);
  const conflicts: PersonIndexConflict[] = [];
  for (const [system, values] of valuesBySystem) {
    if (values.size < 2) continue;
    const holders = holdersBySystem.get(system) as Set<string>;
    const others = persons.map((person) => person.id).filter((id) => !holders.has(id));
    conflicts.push({ system, personIds: [...holders, ...others] });
  }
  return conflicts;
}

function olderFirst(a: IndexedPerson, b: IndexedPerson): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
