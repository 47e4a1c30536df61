import {
  mergeRestrictions,
  NO_CONSENT,
  NO_RELATIONSHIPS,
  NOT_RESTRICTED,
  type ConsentState,
  type RelationshipState,
  type RestrictionState,
} from '@cstr/policy';
import type { BatchSink } from '@cstr/messaging';
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

/** A pending write of one person's state: the state after an event, or null when the person was merged away. */
interface PendingState {
  readonly personId: string;
  readonly state: PersonState | null;
  readonly eventId: string | null;
}

/**
 * Where the pipeline reads and writes person state: its transaction, and, in a queue consumer's
 * batch, the batch's pending writes (see `HandlerScope.collect`).
 */
export interface PersonStateScope {
  readonly manager: EntityManager;
  readonly collect?: <T>(sink: BatchSink<T>, ...rows: readonly T[]) => void;
  readonly collected?: <T>(sink: BatchSink<T>) => readonly T[];
}

/**
 * The hub's per-person state in `hub_person_state`, read and written in the caller's
 * transaction. In a batch, the writes are collected and written once, just before the batch
 * commits (the last state of each person), and a later event of the batch reads its person's
 * pending state instead of the table.
 */
export class PersonStateRepository {
  private readonly sink: BatchSink<PendingState> = { write: (manager, rows) => this.writePending(manager, rows) };

  /**
   * The state of `personId` with the persons merged into it by this event folded in (their rows
   * are removed), locked (`FOR UPDATE`) until the transaction ends.
   */
  async loadForUpdate(
    scope: PersonStateScope,
    personId: string,
    mergedIds: readonly string[] = [],
  ): Promise<PersonState> {
    const pending = this.pendingOf(scope);
    const ids = [personId, ...mergedIds];
    // A person with a pending write was read (and locked) earlier in this transaction.
    const unread = ids.filter((id) => !pending.has(id));
    const rows =
      unread.length === 0
        ? []
        : ((await scope.manager.query(
            'SELECT person_id, relationships, consent, restriction FROM hub_person_state WHERE person_id = ANY($1::uuid[]) ORDER BY person_id FOR UPDATE',
            [unread],
          )) as StateRow[]);
    const byId = new Map<string, PersonState | null>(pending);
    for (const row of rows)
      byId.set(row.person_id, {
        relationships: row.relationships,
        consent: row.consent,
        restriction: row.restriction ?? NOT_RESTRICTED,
      });
    let state = byId.get(personId) ?? EMPTY_PERSON_STATE;
    for (const mergedId of mergedIds) {
      const merged = byId.get(mergedId);
      if (merged) state = mergePersonStates(state, merged);
    }
    if (mergedIds.length > 0) {
      await scope.manager.query('DELETE FROM hub_person_state WHERE person_id = ANY($1::uuid[])', [mergedIds]);
      // A pending write of a merged person must not bring its row back when the batch is written.
      scope.collect?.(this.sink, ...mergedIds.map((id) => ({ personId: id, state: null, eventId: null })));
    }
    return state;
  }

  /** Stores the state of `personId` after `eventId` (in a batch, just before the batch commits). */
  async save(scope: PersonStateScope, personId: string, state: PersonState, eventId: string): Promise<void> {
    const row: PendingState = { personId, state, eventId };
    if (scope.collect) scope.collect(this.sink, row);
    else await this.writePending(scope.manager, [row]);
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

  /** The batch's pending states by person (the last one of each), none outside a batch. */
  private pendingOf(scope: PersonStateScope): Map<string, PersonState | null> {
    const pending = new Map<string, PersonState | null>();
    for (const row of scope.collected?.(this.sink) ?? []) pending.set(row.personId, row.state);
    return pending;
  }

  /** Writes the last pending state of each person: one upsert, and one delete for persons merged away. */
  private async writePending(manager: EntityManager, rows: readonly PendingState[]): Promise<void> {
    const last = new Map<string, PendingState>();
    for (const row of rows) last.set(row.personId, row);
    const saved = [...last.values()].filter((row) => row.state !== null);
    const gone = [...last.values()].filter((row) => row.state === null).map((row) => row.personId);
    if (gone.length > 0) await manager.query('DELETE FROM hub_person_state WHERE person_id = ANY($1::uuid[])', [gone]);
    if (saved.length === 0) return;
    await manager.query(
      `INSERT INTO hub_person_state (person_id, relationships, consent, restriction, last_event_id, updated_at)
       SELECT person_id, relationships, consent, restriction, last_event_id, now()
       FROM unnest($1::uuid[], $2::jsonb[], $3::jsonb[], $4::jsonb[], $5::uuid[])
         AS s(person_id, relationships, consent, restriction, last_event_id)
       ON CONFLICT (person_id) DO UPDATE SET relationships = EXCLUDED.relationships, consent = EXCLUDED.consent,
         restriction = EXCLUDED.restriction, last_event_id = EXCLUDED.last_event_id, updated_at = now()`,
      [
        saved.map((row) => row.personId),
        saved.map((row) => JSON.stringify(row.state?.relationships)),
        saved.map((row) => JSON.stringify(row.state?.consent)),
        saved.map((row) => JSON.stringify(row.state?.restriction)),
        saved.map((row) => row.eventId),
      ],
    );
  }
}
