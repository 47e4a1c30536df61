import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLog, type AuditRecordRow } from '@cstr/audit';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { IDENTIFIER_SYSTEMS, parseIdentifier, PersonIndex, type IdentifierKind } from '@cstr/identity';

/** One line of a person's timeline. */
export type TimelineEntry =
  | {
      readonly at: string;
      readonly kind: 'event';
      readonly eventId: string;
      readonly eventType: string;
      readonly sender: string;
      readonly occurredAt: string | null;
    }
  | {
      readonly at: string;
      readonly kind:
        'delivery' | 'refusal' | 'refusal-at-ingress' | 'dead-letter' | 'read' | 'kept-by-hub' | 'operator-action';
      readonly seq: number;
      readonly eventId: string | null;
      readonly eventType: string | null;
      readonly sender: string | null;
      readonly recipient: string | null;
      readonly agreement: { readonly id: string; readonly version: number } | null;
      readonly flow: string | null;
      readonly rule: string | null;
      readonly legalBasis: Readonly<Record<string, string>> | null;
      readonly consentReference: string | null;
      readonly removedElements: readonly string[];
      readonly actor: string | null;
      readonly reason: string | null;
    }
  | {
      readonly at: string;
      readonly kind:
        'deadline-opened' | 'deadline-met' | 'deadline-missed' | 'deadline-replaced' | 'deadline-cancelled';
      readonly deadlineId: string;
      readonly deadline: string;
      readonly dueAt: string;
      readonly owedBy: string;
      /** The event that opened it (opened), met, replaced or cancelled it; for a missed one, the `pathway.deadline.missed` the hub sent. */
      readonly eventId: string | null;
      readonly description: string;
      /** Why it was cancelled (its requirement ended); on `deadline-cancelled` only. */
      readonly reason?: string;
    };

/** A deadline of the person as it stands. */
export interface TimelineDeadline {
  readonly id: string;
  readonly kind: string;
  readonly status: 'open' | 'met' | 'missed' | 'replaced' | 'cancelled';
  readonly dueAt: string;
  readonly owedBy: string;
  readonly description: string;
  readonly openedBy: string;
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly closedBy: string | null;
  readonly missedEventId: string | null;
  /** Why it was cancelled; null unless cancelled. */
  readonly cancelledReason: string | null;
}

/** `GET /people/{identifier}/timeline`. */
export interface Timeline {
  readonly person: { readonly identifiers: readonly { readonly system: string; readonly value: string }[] };
  readonly generatedAt: string;
  readonly entries: readonly TimelineEntry[];
  readonly deadlines: readonly TimelineDeadline[];
  /** True when more audit records matched than {@link MAX_AUDIT_RECORDS}: the oldest are shown. */
  readonly truncated: boolean;
}

/** The most audit records one timeline shows. */
export const MAX_AUDIT_RECORDS = 20_000;

interface EventRow {
  event_id: string;
  event_type: string;
  sender: string;
  occurred_at: Date | null;
  received_at: Date;
}

/** The columns of `audit_record` the timeline reads. */
type AuditRow = Omit<AuditRecordRow, 'person_identifiers' | 'prev_hash' | 'hash' | 'sub_millisecond'>;

interface DeadlineRow {
  id: string;
  kind: string;
  status: TimelineDeadline['status'];
  due_at: Date;
  owed_by: string;
  description: string;
  opened_by_event: string;
  opened_at: Date;
  closed_by_event: string | null;
  closed_at: Date | null;
  missed_event_id: string | null;
  closed_reason: string | null;
}

/** Which identifier a request names: `system|value`, a value with `?system=` (a URI or kind), or a bare value. */
export interface PersonReference {
  readonly value: string;
  readonly system?: string;
}

/**
 * A person's pathway in order: every accepted event, every decision about it (delivery with its
 * agreement, flow and removed elements; refusal with its rule), refusals at ingress, dead
 * letters and reads of the person's audit data, and every deadline (opened, met, missed, replaced,
 * cancelled with its reason). The person is found through the person index, merged persons
 * included; audit records are found by the person's event ids and identifiers (both indexed).
 */
@Injectable()
export class TimelineService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(PersonIndex) private readonly persons: PersonIndex,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  /** The timeline of the person `reference` names, read by `actor` (the read is audited). Throws a 400 or 404 OperationOutcomeError. */
  async timeline(reference: PersonReference, actor: string): Promise<Timeline> {
    const candidates = identifierCandidates(reference);
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const personId = await personNamed(this.persons, manager, candidates);
      const identifiers = await this.persons.identifiers(personId, manager);
      const timeline = await this.read(manager, personId, identifiers);
      await this.audit.recordRead(manager, actor, {
        description: `GET /people/{identifier}/timeline (${timeline.entries.length} entries)`,
        personIdentifiers: identifiers,
      });
      return timeline;
    });
  }

  private async read(
    manager: EntityManager,
    personId: string,
    identifiers: readonly { system: string; value: string }[],
  ): Promise<Timeline> {
    const family = (
      (await manager.query('SELECT id FROM person WHERE id = $1 OR merged_into = $1', [personId])) as { id: string }[]
    ).map((row) => row.id);
    const events = (await manager.query(
      'SELECT event_id, event_type, sender, occurred_at, received_at FROM hub_pathway_event WHERE person_id = ANY($1::uuid[]) ORDER BY received_at, event_id',
      [family],
    )) as EventRow[];
    const containments = identifiers.map((identifier) =>
      JSON.stringify([{ system: identifier.system, value: identifier.value }]),
    );
    const audit = (await manager.query(
      `SELECT seq, recorded_at, kind, outcome, event_id, event_type, sender, recipient, agreement_id, agreement_version, flow_id, refusing_rule,
              legal_basis, consent_reference, removed_elements, actor, reason
       FROM audit_record WHERE seq IN (
         SELECT seq FROM audit_record WHERE event_id = ANY($1::text[])
         UNION SELECT seq FROM audit_record WHERE person_identifiers @> ANY($2::jsonb[]))
       ORDER BY recorded_at, seq LIMIT $3`,
      [events.map((event) => event.event_id), containments, MAX_AUDIT_RECORDS + 1],
    )) as AuditRow[];
    const deadlines = (await manager.query(
      `SELECT id, kind, status, due_at, owed_by, description, opened_by_event, opened_at, closed_by_event, closed_at, missed_event_id,
              closed_reason
       FROM hub_pathway_deadline WHERE person_id = ANY($1::uuid[]) ORDER BY opened_at, due_at, kind, id`,
      [family],
    )) as DeadlineRow[];

    // Decisions sort with their event (audit time is the wall clock; an event's time is when the
    // pipeline judged it). At one instant: a missed deadline, then the events (the hub's notice of
    // it among them), their decisions, the deadlines they met or replaced, the deadlines they opened.
    const eventTime = new Map(events.map((event) => [event.event_id, event.received_at.getTime()]));
    const sorted: { time: number; rank: number; order: number; entry: TimelineEntry }[] = [];
    events.forEach((event, index) =>
      sorted.push({
        time: event.received_at.getTime(),
        rank: 1,
        order: index,
        entry: {
          at: event.received_at.toISOString(),
          kind: 'event',
          eventId: event.event_id,
          eventType: event.event_type,
          sender: event.sender,
          occurredAt: event.occurred_at?.toISOString() ?? null,
        },
      }),
    );
    const shown = audit.slice(0, MAX_AUDIT_RECORDS);
    for (const row of shown) {
      const time = (row.event_id !== null ? eventTime.get(row.event_id) : undefined) ?? row.recorded_at.getTime();
      sorted.push({ time, rank: 2, order: Number(row.seq), entry: auditEntry(row) });
    }
    for (const row of deadlines) {
      const base = {
        deadlineId: row.id,
        deadline: row.kind,
        dueAt: row.due_at.toISOString(),
        owedBy: row.owed_by,
        description: row.description,
      };
      sorted.push({
        time: row.opened_at.getTime(),
        rank: 4,
        order: 0,
        entry: { at: row.opened_at.toISOString(), kind: 'deadline-opened', eventId: row.opened_by_event, ...base },
      });
      if (row.status !== 'open' && row.closed_at) {
        const eventId = row.status === 'missed' ? row.missed_event_id : row.closed_by_event;
        sorted.push({
          time: row.closed_at.getTime(),
          rank: row.status === 'missed' ? 0 : 3,
          order: 0,
          entry: {
            at: row.closed_at.toISOString(),
            kind: `deadline-${row.status}`,
            eventId,
            ...base,
            ...(row.status === 'cancelled' && row.closed_reason ? { reason: row.closed_reason } : {}),
          },
        });
      }
    }
    sorted.sort((a, b) => a.time - b.time || a.rank - b.rank || a.order - b.order);
    return {
      person: { identifiers: identifiers.map(({ system, value }) => ({ system, value })) },
      generatedAt: new Date().toISOString(),
      entries: sorted.map((each) => each.entry),
      deadlines: deadlines.map((row) => ({
        id: row.id,
        kind: row.kind,
        status: row.status,
        dueAt: row.due_at.toISOString(),
        owedBy: row.owed_by,
        description: row.description,
        openedBy: row.opened_by_event,
        openedAt: row.opened_at.toISOString(),
        closedAt: row.closed_at?.toISOString() ?? null,
        closedBy: row.closed_by_event,
        missedEventId: row.missed_event_id,
        cancelledReason: row.status === 'cancelled' ? row.closed_reason : null,
      })),
      truncated: audit.length > MAX_AUDIT_RECORDS,
    };
  }
}

function auditEntry(row: AuditRow): TimelineEntry {
  const kind =
    row.kind === 'decision'
      ? row.outcome === 'delivered'
        ? 'delivery'
        : 'refusal'
      : (row.kind as Exclude<AuditRow['kind'], 'decision'>);
  return {
    at: row.recorded_at.toISOString(),
    kind,
    seq: Number(row.seq),
    eventId: row.event_id,
    eventType: row.event_type,
    sender: row.sender,
    recipient: row.recipient,
    agreement:
      row.agreement_id !== null && row.agreement_version !== null
        ? { id: row.agreement_id, version: row.agreement_version }
        : null,
    flow: row.flow_id,
    rule: row.refusing_rule,
    legalBasis: row.legal_basis,
    consentReference: row.consent_reference,
    removedElements: row.removed_elements,
    actor: row.actor,
    reason: row.reason,
  };
}

/** The one live person the candidate identifiers name (404 for none, 409 for two). */
export async function personNamed(
  persons: PersonIndex,
  manager: EntityManager,
  candidates: readonly { system: string; value: string }[],
): Promise<string> {
  const found = new Set<string>();
  for (const { system, value } of candidates) {
    const personId = await persons.findByIdentifier(system, value, manager);
    if (personId) found.add(personId);
  }
  if (found.size === 0)
    throw new OperationOutcomeError(
      HttpStatus.NOT_FOUND,
      operationOutcome('error', 'not-found', 'No person holds this identifier.', ['identifier']),
    );
  if (found.size > 1)
    throw new OperationOutcomeError(
      HttpStatus.CONFLICT,
      operationOutcome(
        'error',
        'conflict',
        'The value is a valid identifier of more than one kind and names different persons: give its system.',
        ['system'],
      ),
    );
  return [...found][0];
}

/** The identifiers a reference may mean: with a system (URI or kind), that one; a bare value, every kind it is valid as. */
export function identifierCandidates(reference: PersonReference): { system: string; value: string }[] {
  const value = reference.value.trim();
  if (value === '' || value.length > 200) throw badIdentifier('The identifier must be a value of 1 to 200 characters.');
  if (reference.system !== undefined) {
    const system = (IDENTIFIER_SYSTEMS as Record<string, string | undefined>)[reference.system] ?? reference.system;
    if (!Object.values(IDENTIFIER_SYSTEMS).includes(system)) {
      throw badIdentifier(
        `Unknown identifier system; use one of ${Object.keys(IDENTIFIER_SYSTEMS).join(', ')} or its URI.`,
        'system',
      );
    }
    const parsed = parseIdentifier(system, value);
    if (!parsed.ok)
      throw badIdentifier(
        `Not a valid ${(Object.entries(IDENTIFIER_SYSTEMS).find(([, uri]) => uri === system)?.[0] ?? 'identifier') as IdentifierKind}.`,
      );
    return [{ system, value: parsed.value }];
  }
  const candidates = Object.values(IDENTIFIER_SYSTEMS).flatMap((system) => {
    const parsed = parseIdentifier(system, value);
    return parsed.ok ? [{ system, value: parsed.value }] : [];
  });
  if (candidates.length === 0)
    throw badIdentifier('Not a valid NHS number, CRN, PNC ID, CRO number or Common Platform defendant id.');
  return candidates;
}

function badIdentifier(diagnostics: string, field = 'identifier'): OperationOutcomeError {
  return new OperationOutcomeError(HttpStatus.BAD_REQUEST, operationOutcome('error', 'value', diagnostics, [field]));
}
