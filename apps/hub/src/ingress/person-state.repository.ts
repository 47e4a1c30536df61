import {
  mergeRestrictions,
  NO_CONSENT,
  NO_RELATIONSHIPS,
  NOT_RESTRICTED,
  type ConsentState,
  type RelationshipState,
  type RestrictionState,
} from '@cstr/policy';
import type { EntityManager } from 'typeorm';

/** What the hub keeps about one person between events: who is connected to them, their consents, their restriction. */
export interface PersonState {
  readonly relationships: RelationshipState;
  readonly consent: ConsentState;
  readonly restriction: RestrictionState;
}

/** A person nobody is connected to, with no consent recorded. */
export const EMPTY_PERSON_STATE: PersonState = {
  relationships: NO_RELATIONSHIPS,
  consent: NO_CONSENT,
  restriction: NOT_RESTRICTED,
};

interface StateRow {
  person_id: string;
  relationships: RelationshipState;
  consent: ConsentState;
  restriction: RestrictionState | null;
}

/**
 * The union of two states: every connection of either, and every consent of either (on the same
 * consent, a withdrawal wins). Used when the person index merges two persons.
 */
export function mergePersonStates(survivor: PersonState, merged: PersonState): PersonState {
  const connections: Record<string, string[]> = {};
  for (const state of [survivor, merged]) {
    for (const [partner, reasons] of Object.entries(state.relationships.connections)) {
      connections[partner] = [...new Set([...(connections[partner] ?? []), ...reasons])];
    }
  }
  const records = { ...merged.consent.records, ...survivor.consent.records };
  for (const [ref, record] of Object.entries(merged.consent.records)) {
    const kept = survivor.consent.records[ref];
    if (kept && record.status === 'withdrawn')
      records[ref] = {
        ...kept,
        status: 'withdrawn',
        ...(record.withdrawnBy ? { withdrawnBy: record.withdrawnBy } : {}),
      };
    else if (kept)
      records[ref] = {
        ...kept,
        withdrawnRecipients: [...new Set([...kept.withdrawnRecipients, ...record.withdrawnRecipients])],
      };
  }
  return {
    relationships: { connections } as RelationshipState,
    consent: { records },
    // A restricted person stays restricted whichever record survives the merge.
    restriction: mergeRestrictions(survivor.restriction, merged.restriction),
  };
}

/** The hub's per-person state in `hub_person_state`, read and written in the caller's transaction. */
export class PersonStateRepository {
  /**
   * The state of `personId` with the persons merged into it by this event folded in (their rows
   * are removed), locked (`FOR UPDATE`) until the transaction ends.
   */
  async loadForUpdate(
    manager: EntityManager,
    personId: string,
    mergedIds: readonly string[] = [],
  ): Promise<PersonState> {
    const ids = [personId, ...mergedIds];
    const rows = (await manager.query(
      'SELECT person_id, relationships, consent, restriction FROM hub_person_state WHERE person_id = ANY($1::uuid[]) ORDER BY person_id FOR UPDATE',
      [ids],
    )) as StateRow[];
    const byId = new Map(
      rows.map((row) => [
        row.person_id,
        { relationships: row.relationships, consent: row.consent, restriction: row.restriction ?? NOT_RESTRICTED },
      ]),
    );
    let state = byId.get(personId) ?? EMPTY_PERSON_STATE;
    for (const mergedId of mergedIds) {
      const merged = byId.get(mergedId);
      if (merged) state = mergePersonStates(state, merged);
    }
    if (mergedIds.length > 0)
      await manager.query('DELETE FROM hub_person_state WHERE person_id = ANY($1::uuid[])', [mergedIds]);
    return state;
  }

  /** Erases the state of `personIds` (an operator's erasure, or retention); returns how many rows went. */
  async erase(manager: EntityManager, personIds: readonly string[]): Promise<number> {
    if (personIds.length === 0) return 0;
    const [row] = (await manager.query(
      'WITH deleted AS (DELETE FROM hub_person_state WHERE person_id = ANY($1::uuid[]) RETURNING 1) SELECT count(*)::int AS n FROM deleted',
      [personIds],
    )) as { n: number }[];
    return row.n;
  }

  /** Stores the state of `personId` after `eventId`. */
  async save(manager: EntityManager, personId: string, state: PersonState, eventId: string): Promise<void> {
    await manager.query(
      `INSERT INTO hub_person_state (person_id, relationships, consent, restriction, last_event_id, updated_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (person_id) DO UPDATE SET relationships = EXCLUDED.relationships, consent = EXCLUDED.consent,
         restriction = EXCLUDED.restriction, last_event_id = EXCLUDED.last_event_id, updated_at = now()`,
      [
        personId,
        JSON.stringify(state.relationships),
        JSON.stringify(state.consent),
        JSON.stringify(state.restriction),
        eventId,
      ],
    );
  }
}
