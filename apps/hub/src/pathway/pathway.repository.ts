import { randomUUID } from 'node:crypto';
import type { PersonInput } from '@cstr/fhir';
import type { EntityManager } from 'typeorm';
import type { DeadlineCancelling, DeadlineClosing, DeadlineOpening, EventFacts, PathwayFacts } from './pathway.rules';

/** The person's name, birth date, gender and restriction: what a hub event about them carries besides identifiers. */
export type PathwaySubject = Omit<PersonInput, 'identifiers'>;

/** A deadline the scheduler claimed. */
export interface ClaimedDeadline {
  readonly id: string;
  readonly personId: string;
  readonly kind: string;
  readonly dueAt: Date;
  readonly owedBy: string;
  readonly description: string;
  readonly openedByEvent: string;
  readonly subject: PathwaySubject;
}

/** A candidate notice the scheduler claimed. */
export interface ClaimedCandidate {
  readonly listingEventId: string;
  readonly personId: string;
  readonly candidate: unknown;
  readonly subject: PathwaySubject;
}

interface DeadlineRow {
  id: string;
  person_id: string;
  kind: string;
  due_at: Date;
  owed_by: string;
  description: string;
  opened_by_event: string;
  subject: PathwaySubject;
}

/** The ids of person `$1` and of every person merged into it (the person index keeps merges one level deep). */
const PERSON_AND_MERGED = '(SELECT id FROM person WHERE id = $1 OR merged_into = $1)';

/** The pathway tables, each with its key: every one names the person (`person_id`). */
const PATHWAY_TABLES = [
  ['hub_pathway_event', 'event_id'],
  ['hub_pathway_deadline', 'id'],
  ['hub_pathway_candidate', 'listing_event_id'],
] as const;

/** SQL of the pathway tables ({@link HubPathway1764720000000}), in the caller's transaction. */
export class PathwayRepository {
  /** Records an accepted event; false when it was recorded before (a redelivery: apply nothing again). */
  async recordEvent(
    manager: EntityManager,
    event: {
      eventId: string;
      personId: string;
      eventType: string;
      sender: string;
      occurredAt: Date | undefined;
      receivedAt: Date;
      facts: EventFacts;
    },
  ): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO hub_pathway_event (event_id, person_id, event_type, sender, occurred_at, received_at, facts) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [
        event.eventId,
        event.personId,
        event.eventType,
        event.sender,
        event.occurredAt ?? null,
        event.receivedAt,
        JSON.stringify(event.facts),
      ],
    )) as unknown[];
    return rows.length > 0;
  }

  /** What earlier events said that the rules need. */
  async knownFacts(manager: EntityManager, personId: string): Promise<PathwayFacts> {
    const rows = (await manager.query(
      `SELECT (facts->>'gpRegistered')::boolean AS gp FROM hub_pathway_event
       WHERE person_id IN ${PERSON_AND_MERGED} AND facts ? 'gpRegistered' ORDER BY received_at DESC LIMIT 1`,
      [personId],
    )) as { gp: boolean }[];
    return rows.length > 0 ? { gpRegistered: rows[0].gp } : {};
  }

  /** The latest earlier L&D screening of the person that identified a need. */
  async latestScreeningWithNeeds(
    manager: EntityManager,
    personId: string,
  ): Promise<{ eventId: string; screenedOn: string; needs: string[] } | undefined> {
    const rows = (await manager.query(
      `SELECT event_id, facts->'screening' AS screening FROM hub_pathway_event
       WHERE person_id IN ${PERSON_AND_MERGED} AND event_type = 'ld.screening.completed' AND jsonb_array_length(COALESCE(facts->'screening'->'needs', '[]'::jsonb)) > 0
       ORDER BY received_at DESC LIMIT 1`,
      [personId],
    )) as { event_id: string; screening: { screenedOn: string; needs: string[] } }[];
    return rows[0]
      ? { eventId: rows[0].event_id, screenedOn: rows[0].screening.screenedOn, needs: rows[0].screening.needs }
      : undefined;
  }

  /**
   * Closes the open deadlines a closing matches. Rows the scheduler holds (being marked missed,
   * so already due) are skipped, never waited for: the scheduler locks them before the person.
   */
  async close(
    manager: EntityManager,
    personId: string,
    closing: DeadlineClosing,
    eventId: string,
    at: Date,
  ): Promise<number> {
    const rows = (await manager.query(
      `UPDATE hub_pathway_deadline SET status = $2, closed_by_event = $3, closed_at = $4
       WHERE id IN (
         SELECT id FROM hub_pathway_deadline
         WHERE person_id IN ${PERSON_AND_MERGED} AND status = 'open' AND kind = ANY($5::text[])
           AND ($6::text IS NULL OR owed_by = $6) AND ($7::text IS NULL OR match_key = $7) AND ($8::timestamptz IS NULL OR due_at >= $8)
         FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [
        personId,
        closing.as,
        eventId,
        at,
        closing.kinds,
        closing.owedBy ?? null,
        closing.matchKey ?? null,
        closing.startsAt ?? null,
      ],
    )) as [unknown[], number];
    return rows[1];
  }

  /**
   * Cancels the open deadlines of a requirement that ended: each deadline it serves records the
   * end, and one whose every requirement has ended is cancelled with the reason (a three-way
   * meeting for a combined order stays while its other requirement runs). Rows the scheduler
   * holds are skipped, as in {@link close}. Returns how many were cancelled.
   */
  async cancel(
    manager: EntityManager,
    personId: string,
    cancelling: DeadlineCancelling,
    eventId: string,
    at: Date,
  ): Promise<number> {
    const ended = cancelling.requirement
      ? [cancelling.requirement]
      : await this.requirementsNamed(manager, personId, cancelling);
    if (ended.length === 0) return 0;
    await manager.query(
      `UPDATE hub_pathway_deadline SET requirements_ended = ARRAY(SELECT DISTINCT unnest(requirements_ended || $2::text[]))
       WHERE id IN (
         SELECT id FROM hub_pathway_deadline
         WHERE person_id IN ${PERSON_AND_MERGED} AND status = 'open' AND requirements && $2::text[] AND ($3::text IS NULL OR owed_by = $3)
         FOR UPDATE SKIP LOCKED)`,
      [personId, ended, cancelling.owedBy ?? null],
    );
    const rows = (await manager.query(
      `UPDATE hub_pathway_deadline SET status = 'cancelled', closed_by_event = $2, closed_at = $3, closed_reason = $4
       WHERE person_id IN ${PERSON_AND_MERGED} AND status = 'open' AND requirements && $5::text[] AND requirements <@ requirements_ended
         AND ($6::text IS NULL OR owed_by = $6)
       RETURNING id`,
      [personId, eventId, at, cancelling.reason, ended, cancelling.owedBy ?? null],
    )) as [unknown[], number];
    return rows[1];
  }

  /**
   * The requirement a cancelling names by identifier among the open deadlines it may touch; else,
   * when those deadlines serve one requirement only, that one; else none (never a guess).
   */
  private async requirementsNamed(
    manager: EntityManager,
    personId: string,
    cancelling: DeadlineCancelling,
  ): Promise<string[]> {
    const served = (await manager.query(
      `SELECT DISTINCT unnest(requirements) AS requirement, requirement_ids && $3::text[] AS named FROM hub_pathway_deadline
       WHERE person_id IN ${PERSON_AND_MERGED} AND status = 'open' AND ($2::text IS NULL OR owed_by = $2)`,
      [personId, cancelling.owedBy ?? null, cancelling.requirementIds ?? []],
    )) as { requirement: string; named: boolean }[];
    const named = [...new Set(served.filter((row) => row.named).map((row) => row.requirement))];
    if (named.length > 0) return named;
    const all = [...new Set(served.map((row) => row.requirement))];
    return all.length === 1 ? all : [];
  }

  /** Opens a deadline (once per opening key). */
  async open(
    manager: EntityManager,
    personId: string,
    opening: DeadlineOpening,
    eventId: string,
    at: Date,
    subject: PathwaySubject,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO hub_pathway_deadline (id, opening_key, person_id, kind, due_at, owed_by, description, match_key, opened_by_event, opened_at, subject,
         requirements, requirement_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (opening_key) DO NOTHING`,
      [
        randomUUID(),
        opening.key,
        personId,
        opening.kind,
        opening.dueAt,
        opening.owedBy,
        opening.description,
        opening.matchKey ?? null,
        eventId,
        at,
        JSON.stringify(subject),
        opening.requirements ?? [],
        opening.requirementIds ?? [],
      ],
    );
  }

  /** Queues a candidate notice for a listing (once per listing event). */
  async queueCandidate(
    manager: EntityManager,
    listingEventId: string,
    personId: string,
    candidate: unknown,
    subject: PathwaySubject,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO hub_pathway_candidate (listing_event_id, person_id, candidate, subject, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (listing_event_id) DO NOTHING`,
      [listingEventId, personId, JSON.stringify(candidate), JSON.stringify(subject), at],
    );
  }

  /** Claims one open deadline due by `now` that no other instance holds, locked until the transaction ends. */
  async claimDueDeadline(manager: EntityManager, now: Date): Promise<ClaimedDeadline | undefined> {
    const [row] = (await manager.query(
      `SELECT id, person_id, kind, due_at, owed_by, description, opened_by_event, subject FROM hub_pathway_deadline
       WHERE status = 'open' AND due_at <= $1 ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [now],
    )) as DeadlineRow[];
    return row
      ? {
          id: row.id,
          personId: row.person_id,
          kind: row.kind,
          dueAt: row.due_at,
          owedBy: row.owed_by,
          description: row.description,
          openedByEvent: row.opened_by_event,
          subject: row.subject,
        }
      : undefined;
  }

  /** Marks a claimed deadline missed, with the event the hub sent about it (none when it could not build one). */
  async markMissed(manager: EntityManager, id: string, at: Date, missedEventId: string | null): Promise<void> {
    await manager.query(
      `UPDATE hub_pathway_deadline SET status = 'missed', closed_at = $2, missed_event_id = $3 WHERE id = $1`,
      [id, at, missedEventId],
    );
  }

  /** Claims one unsent candidate notice that no other instance holds. */
  async claimCandidate(manager: EntityManager): Promise<ClaimedCandidate | undefined> {
    const [row] = (await manager.query(
      `SELECT listing_event_id, person_id, candidate, subject FROM hub_pathway_candidate
       WHERE sent_at IS NULL ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
    )) as { listing_event_id: string; person_id: string; candidate: unknown; subject: PathwaySubject }[];
    return row
      ? {
          listingEventId: row.listing_event_id,
          personId: row.person_id,
          candidate: row.candidate,
          subject: row.subject,
        }
      : undefined;
  }

  async markCandidateSent(
    manager: EntityManager,
    listingEventId: string,
    at: Date,
    sentEventId: string | null,
  ): Promise<void> {
    await manager.query(
      'UPDATE hub_pathway_candidate SET sent_at = $2, sent_event_id = $3 WHERE listing_event_id = $1',
      [listingEventId, at, sentEventId],
    );
  }

  /**
   * Deletes the pathway rows (events, deadlines, candidate notices) of `personIds`, for erasure and
   * retention; returns how many went. `skipLocked` leaves the rows another transaction holds (a
   * deadline the scheduler is reporting) instead of waiting: for a caller that already holds the
   * persons, since the scheduler locks a deadline before its person. {@link deleteOrphaned} takes
   * what it left.
   */
  async deletePersons(
    manager: EntityManager,
    personIds: readonly string[],
    options: { readonly skipLocked: boolean },
  ): Promise<number> {
    if (personIds.length === 0) return 0;
    const lock = options.skipLocked ? 'FOR UPDATE SKIP LOCKED' : 'FOR UPDATE';
    let deleted = 0;
    for (const [table, key] of PATHWAY_TABLES)
      deleted += await deleteRows(manager, table, key, 'person_id = ANY($1::uuid[])', lock, [personIds]);
    return deleted;
  }

  /**
   * Deletes at most `limit` rows per pathway table whose person the person index no longer holds
   * (only an erasure removes a person: rows left locked by it, or written by an event in flight
   * while it ran), claimed with `FOR UPDATE SKIP LOCKED`; returns how many went.
   */
  async deleteOrphaned(manager: EntityManager, limit: number): Promise<number> {
    let deleted = 0;
    for (const [table, key] of PATHWAY_TABLES)
      deleted += await deleteRows(
        manager,
        table,
        key,
        'NOT EXISTS (SELECT 1 FROM person p WHERE p.id = t.person_id)',
        `LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
    return deleted;
  }
}

/** Locks the rows of `table` (alias `t`) matching `where` with `claim` (its lock clause, maybe a limit first), deletes them, counts them. */
async function deleteRows(
  manager: EntityManager,
  table: string,
  key: string,
  where: string,
  claim: string,
  params: unknown[],
): Promise<number> {
  const [row] = (await manager.query(
    `WITH claimed AS (SELECT t.${key} FROM ${table} t WHERE ${where} ORDER BY t.${key} ${claim}),
       deleted AS (DELETE FROM ${table} d USING claimed WHERE d.${key} = claimed.${key} RETURNING 1)
     SELECT count(*)::int AS n FROM deleted`,
    params,
  )) as { n: number }[];
  return row.n;
}
