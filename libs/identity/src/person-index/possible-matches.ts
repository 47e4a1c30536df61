/**
 * Possible matches: persons with the same name and birth date are never linked, only put side by
 * side for a reviewer, who confirms (the two are merged) or rejects (they stay apart for good).
 */
import type { EntityManager } from 'typeorm';
import { refusal } from './person-index-checks';
import {
  closePossibleMatch,
  insertPossibleMatches,
  insertRecord,
  lockPossibleMatch,
  oldestOf,
  openPossibleMatchesWith,
  storeDemographicsAndFindOthers,
} from './person-index.repository';
import type { EventContext } from './person-merge';
import { mergeChecked } from './person-merge';
import type { ChangeContext, PersonChangeResult } from './person-index.types';

/** The decision of a reviewer on a possible match. */
export type PossibleMatchDecision = 'confirmed' | 'rejected';

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
export async function raisePossibleMatches(
  tx: EntityManager,
  personId: string,
  key: string,
  trusted: boolean,
  context: EventContext,
  /** A new person's key is stored already, with these others found (see `createPerson`). */
  storedWithOthers?: readonly string[],
): Promise<string[]> {
  const otherIds =
    storedWithOthers ??
    (await storeDemographicsAndFindOthers(tx, personId, key, trusted, MAX_POSSIBLE_MATCHES_PER_RESOLVE));
  if (otherIds.length === 0) return [];
  for (const otherId of await insertPossibleMatches(tx, personId, otherIds, context.sourceEventId)) {
    await insertRecord(tx, {
      action: 'possible-match',
      personId,
      relatedPersonId: otherId,
      reason: 'Same name and birth date; not linked, review needed',
      ...context,
    });
  }
  return openPossibleMatchesWith(tx, personId, otherIds);
}

/**
 * Records a reviewer's decision on an open possible match (see `PersonIndex.reviewPossibleMatch`):
 * `confirmed` merges the two persons into the older one unless they cannot be one person.
 */
export async function reviewPossibleMatch(
  tx: EntityManager,
  id: string,
  decision: PossibleMatchDecision,
  context: ChangeContext,
): Promise<PersonChangeResult> {
  const match = await lockPossibleMatch(tx, id);
  if (!match) return refusal('not-found', 'There is no such possible match.', ['id']);
  if (match.status !== 'open') return refusal('processing', `The possible match was already ${match.status}.`, ['id']);
  let personId = match.current_a;
  if (decision === 'confirmed' && match.current_a !== match.current_b) {
    const older = await oldestOf(tx, [match.current_a, match.current_b]);
    const mergedId = older === match.current_a ? match.current_b : match.current_a;
    const result = await mergeChecked(tx, older, mergedId, {
      actor: context.actor,
      sourceEventId: context.sourceEventId ?? null,
      reason: context.reason ?? 'Possible match confirmed by review',
    });
    if (!result.ok) return result;
    personId = older;
  }
  await closePossibleMatch(tx, id, decision, context.actor);
  await insertRecord(tx, {
    action: 'review',
    personId: match.current_a,
    relatedPersonId: match.current_b,
    actor: context.actor,
    sourceEventId: context.sourceEventId,
    reason: `Possible match ${decision}${context.reason ? `: ${context.reason}` : ''}`,
  });
  return { ok: true, personId, changed: true };
}
