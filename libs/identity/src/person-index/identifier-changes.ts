/**
 * Manual changes of one identifier of a live person (locked by the caller): link it, or unlink it
 * to a new person. Each is refused when it would break a rule of the index, and recorded when made.
 */
import type { EntityManager } from 'typeorm';
import { labelOf, refusal } from './person-index-checks';
import {
  insertIdentifiers,
  insertPerson,
  insertRecord,
  moveIdentifier,
  ownerOf,
  type IdentifierRow,
} from './person-index.repository';
import type { ChangeContext, PersonChangeResult, StrongIdentifier } from './person-index.types';
import { identifierKey } from './subject-identifiers';

/** A change of `identifier` of the live person `personId`, who holds `own`. */
export interface IdentifierChangeRequest {
  readonly personId: string;
  readonly identifier: StrongIdentifier;
  readonly own: readonly IdentifierRow[];
  readonly context: ChangeContext;
}

export type IdentifierChange = (tx: EntityManager, request: IdentifierChangeRequest) => Promise<PersonChangeResult>;

/** Links the identifier to the person, unless another person holds it or the person has another of its system. */
export const linkIdentifier: IdentifierChange = async (tx, { personId, identifier, own, context }) => {
  const owner = await ownerOf(tx, identifier);
  if (owner === personId) return { ok: true, personId, changed: false };
  const label = labelOf(identifier);
  if (owner)
    return refusal('conflict', `The ${label} belongs to another person; merge the two persons instead.`, [
      'identifier',
    ]);
  if (own.some((held) => held.system === identifier.system))
    return refusal('conflict', `The person already has a different ${label}; a person has at most one of each.`, [
      'identifier',
    ]);
  await insertIdentifiers(tx, personId, [identifier], context.sourceEventId);
  await insertRecord(tx, {
    action: 'link',
    personId,
    identifiers: [identifier],
    actor: context.actor,
    reason: context.reason ?? 'Linked manually',
    sourceEventId: context.sourceEventId,
  });
  return { ok: true, personId, changed: true };
};

/** Moves the identifier to a new person, unless the person does not hold it or holds nothing else. */
export const unlinkIdentifier: IdentifierChange = async (tx, { personId, identifier, own, context }) => {
  if (!own.some((held) => identifierKey(held) === identifierKey(identifier)))
    return refusal('not-found', `The person has no such ${labelOf(identifier)}.`, ['identifier']);
  if (own.length === 1)
    return refusal(
      'processing',
      'This is the only identifier of the person; nothing would be left to find the person by.',
      ['identifier'],
    );
  const newPersonId = await insertPerson(tx);
  await moveIdentifier(tx, identifier, newPersonId, context.sourceEventId);
  await insertRecord(tx, {
    action: 'unlink',
    personId,
    relatedPersonId: newPersonId,
    identifiers: [identifier],
    actor: context.actor,
    reason: context.reason ?? 'Unlinked manually',
    sourceEventId: context.sourceEventId,
  });
  return { ok: true, personId, newPersonId, changed: true };
};
