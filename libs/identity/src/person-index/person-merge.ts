/**
 * Carrying out what the link planner decided ({@link planLinks}): creating a person, linking
 * identifiers, merging persons, recording conflicts — every change with its record.
 */
import type { EntityManager } from 'typeorm';
import { findConflicts, type LinkPlan } from './link-plan';
import { labelOfSystem, notLive, refusal } from './person-index-checks';
import {
  identifiersOf,
  insertIdentifiers,
  createPerson,
  insertRecord,
  lockPersons,
  mergePersonRows,
  type RecordContext,
} from './person-index.repository';
import type { PersonChangeResult, PersonIndexConflict, StrongIdentifier } from './person-index.types';

/** The event a resolve acts on, for the records it writes. */
export interface EventContext {
  readonly sourceEventId: string;
  readonly actor: string;
}

/** What a carried-out plan did. */
export interface AppliedPlan {
  readonly personId: string;
  readonly linked: readonly StrongIdentifier[];
  readonly merged: readonly string[];
  /**
   * A created person only: its name+birth-date key is stored already, and these are the other
   * live persons with the same key (see {@link createPerson}).
   */
  readonly sameDemographics?: readonly string[];
}

/** The subject's name+birth-date key, stored with a new person, and how many others with it to find. */
export interface DemographicsOfNew {
  readonly key: string | undefined;
  readonly othersLimit: number;
}

/** Carries out a plan (the persons it names are locked) and records each change. */
export async function applyLinkPlan(
  tx: EntityManager,
  plan: LinkPlan,
  trusted: boolean,
  context: EventContext,
  demographics: DemographicsOfNew,
): Promise<AppliedPlan> {
  if (plan.kind === 'create') {
    const reason =
      trusted || plan.notLinked.length === 0
        ? 'No identifier of the subject was known'
        : 'No identifier of the subject was known; the event is untrusted, so only its first identifier was registered';
    const created = await createPerson(tx, {
      identifiers: plan.attach,
      record: { ...context, reason },
      ...(demographics.key ? { demographicsKey: demographics.key } : {}),
      othersLimit: demographics.othersLimit,
    });
    return { personId: created.personId, linked: plan.attach, merged: [], sameDemographics: created.others };
  }
  const { personId } = plan;
  for (const mergedId of plan.merge) {
    await mergeInto(tx, personId, mergedId, {
      ...context,
      reason: 'Identifiers of both persons were seen together in a trusted event',
    });
  }
  if (plan.link.length > 0) {
    await insertIdentifiers(tx, personId, plan.link, context.sourceEventId);
    await insertRecord(tx, {
      action: 'link',
      personId,
      identifiers: plan.link,
      reason: 'Seen together with a known identifier in a trusted event',
      ...context,
    });
  }
  return { personId, linked: plan.link, merged: plan.merge };
}

/** Merges after locking both persons (in id order) and checking they can be one person. */
export async function mergeChecked(
  tx: EntityManager,
  survivorId: string,
  mergedId: string,
  context: RecordContext,
): Promise<PersonChangeResult> {
  const locked = await lockPersons(tx, [survivorId, mergedId]);
  for (const [id, field] of [
    [survivorId, 'survivorId'],
    [mergedId, 'mergedId'],
  ] as const) {
    const problem = notLive(
      locked.find((row) => row.id === id),
      field,
    );
    if (problem) return problem;
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
  context: RecordContext,
): Promise<void> {
  const moved = await mergePersonRows(tx, survivorId, mergedId, context.actor);
  await insertRecord(tx, {
    ...context,
    action: 'merge',
    personId: survivorId,
    relatedPersonId: mergedId,
    identifiers: moved,
  });
}

/** Records that linking would have given one person two values of a system: once per other person involved. */
export async function recordConflicts(
  tx: EntityManager,
  personId: string,
  conflicts: readonly PersonIndexConflict[],
  subject: readonly StrongIdentifier[],
  context: EventContext,
): Promise<void> {
  if (conflicts.length === 0) return;
  const systems = conflicts.map((conflict) => labelOfSystem(conflict.system)).join(', ');
  const reason = `Linking would give one person two different values of ${systems}: nothing was linked or merged; review needed`;
  const others = [...new Set(conflicts.flatMap((conflict) => conflict.personIds))].filter((id) => id !== personId);
  for (const relatedPersonId of others.length > 0 ? others : [null]) {
    await insertRecord(tx, { action: 'conflict', personId, relatedPersonId, identifiers: subject, reason, ...context });
  }
}
