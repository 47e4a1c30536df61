import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLog, MAX_PAGE_LIMIT, type AuditKind, type AuditRecord } from '@cstr/audit';
import { PersonIndex } from '@cstr/identity';
import type { ConsentRecord, ConsentState } from '@cstr/policy';
import { identifierCandidates, personNamed, type PersonReference } from '../pathway/timeline.service';
import {
  subjectAccessCsv,
  subjectAccessDocument,
  type SubjectAccessConsentEvent,
  type SubjectAccessDocument,
  type SubjectAccessFormat,
} from './subject-access.document';
import { subjectAccessPdf } from './subject-access.pdf';

/** The most audit records one export lists (as many as a timeline shows). */
export const MAX_EXPORT_RECORDS = 20_000;

/** The audit kinds an export lists: decisions (disclosed or refused) and refusals on arrival. */
const LISTED_KINDS: readonly AuditKind[] = ['decision', 'refusal-at-ingress'];

/** The rendered export, ready to send. */
export interface SubjectAccessExport {
  readonly document: SubjectAccessDocument;
  readonly body: Buffer;
  readonly contentType: string;
  readonly fileName: string;
}

const CONTENT_TYPES: Readonly<Record<SubjectAccessFormat, string>> = {
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

interface ConsentEventRow {
  event_id: string;
  event_type: 'consent.recorded' | 'consent.withdrawn';
  sender: string;
  occurred_at: Date | null;
  received_at: Date;
}

/** What one export read in one snapshot. */
interface PersonRecords {
  readonly personId: string;
  readonly identifiers: readonly { system: string; value: string }[];
  readonly records: readonly AuditRecord[];
  readonly consentEvents: readonly SubjectAccessConsentEvent[];
  readonly consents: readonly ConsentRecord[];
  readonly truncated: boolean;
}

/**
 * The subject access export (UK GDPR Art. 15): every disclosure and refusal about a person and
 * their consents, as PDF, CSV or JSON. Audit records are read through the audit's own search (by
 * each of the person's identifiers); the person through the person index, merged persons
 * included. Every export is itself audited — a `read` by the requesting user naming the format
 * and the hub's person id — before it is handed out.
 */
@Injectable()
export class SubjectAccessService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(PersonIndex) private readonly persons: PersonIndex,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  /** The export of the person `reference` names, made by `user`. Throws a 400, 404 or 409 OperationOutcomeError. */
  async export(reference: PersonReference, user: string, format: SubjectAccessFormat): Promise<SubjectAccessExport> {
    const candidates = identifierCandidates(reference);
    const read = await this.dataSource.transaction('REPEATABLE READ', (manager) => this.read(manager, candidates));
    const generatedAt = new Date();
    const document = subjectAccessDocument({
      hubPersonId: read.personId,
      identifiers: read.identifiers,
      records: read.records,
      consentEvents: read.consentEvents,
      consents: read.consents,
      generatedAt,
      generatedBy: user,
      truncated: read.truncated,
    });
    const body = await render(document, format);
    // Audited once rendered, before it is sent: no export leaves unrecorded.
    await this.dataSource.transaction((manager) =>
      this.audit.recordRead(manager, user, {
        description: exportDescription(document, format),
        personIdentifiers: read.identifiers,
      }),
    );
    return {
      document,
      body,
      contentType: CONTENT_TYPES[format],
      fileName: `subject-access-${generatedAt.toISOString().slice(0, 10)}-${read.personId}.${format}`,
    };
  }

  private async read(
    manager: EntityManager,
    candidates: readonly { system: string; value: string }[],
  ): Promise<PersonRecords> {
    const personId = await personNamed(this.persons, manager, candidates);
    const identifiers = await this.persons.identifiers(personId, manager);
    const family = (
      (await manager.query('SELECT id FROM person WHERE id = $1 OR merged_into = $1', [personId])) as { id: string }[]
    ).map((row) => row.id);
    const { records, truncated } = await this.records(manager, identifiers);
    return {
      personId,
      identifiers,
      records,
      consentEvents: await consentEvents(manager, family),
      consents: await consentsHeld(manager, family, personId),
      truncated,
    };
  }

  /** Every listed record carrying one of the identifiers, oldest first, at most {@link MAX_EXPORT_RECORDS}. */
  private async records(
    manager: EntityManager,
    identifiers: readonly { system: string; value: string }[],
  ): Promise<{ records: AuditRecord[]; truncated: boolean }> {
    const bySeq = new Map<number, AuditRecord>();
    for (const person of identifiers)
      for (const kind of LISTED_KINDS)
        for (const record of await this.search(manager, person, kind)) bySeq.set(record.seq, record);
    const records = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    return { records: records.slice(0, MAX_EXPORT_RECORDS), truncated: records.length > MAX_EXPORT_RECORDS };
  }

  private async search(
    manager: EntityManager,
    person: { system: string; value: string },
    kind: AuditKind,
  ): Promise<AuditRecord[]> {
    const found: AuditRecord[] = [];
    let after: string | undefined;
    do {
      const page = await this.audit.search(
        { person, kind },
        { limit: MAX_PAGE_LIMIT, order: 'oldest-first', ...(after ? { after } : {}) },
        manager,
      );
      if (!page.ok) throw new Error(`Audit search refused: ${JSON.stringify(page.outcome.issue)}`);
      found.push(...page.records);
      after = page.next;
    } while (after && found.length <= MAX_EXPORT_RECORDS);
    return found;
  }
}

async function render(document: SubjectAccessDocument, format: SubjectAccessFormat): Promise<Buffer> {
  switch (format) {
    case 'pdf':
      return subjectAccessPdf(document);
    case 'csv':
      return Buffer.from(subjectAccessCsv(document), 'utf8');
    case 'json':
      return Buffer.from(JSON.stringify(document), 'utf8');
  }
}

/** The audit record's description: what was exported, of whom (the hub's person id), how much. */
export function exportDescription(document: SubjectAccessDocument, format: SubjectAccessFormat): string {
  const disclosed = document.disclosures.filter((row) => row.outcome === 'disclosed').length;
  return (
    `subject-access-export: GET /people/{identifier}/subject-access (format ${format}) of hub person ` +
    `${document.person.hubPersonId} by ${document.generatedBy.user}: ${disclosed} disclosures, ` +
    `${document.disclosures.length - disclosed} refusals, ${document.consentEvents.length} consent events` +
    (document.truncated ? ' (truncated)' : '')
  );
}

/** The consent events the hub accepted about the person (and the persons merged into them). */
async function consentEvents(manager: EntityManager, family: readonly string[]): Promise<SubjectAccessConsentEvent[]> {
  const rows = (await manager.query(
    `SELECT event_id, event_type, sender, occurred_at, received_at FROM hub_pathway_event
     WHERE person_id = ANY($1::uuid[]) AND event_type IN ('consent.recorded', 'consent.withdrawn')
     ORDER BY received_at, event_id`,
    [family],
  )) as ConsentEventRow[];
  return rows.map((row) => ({
    at: row.received_at.toISOString(),
    action: row.event_type === 'consent.recorded' ? 'recorded' : 'withdrawn',
    by: row.sender,
    eventId: row.event_id,
    occurredAt: row.occurred_at?.toISOString() ?? null,
  }));
}

/** The consents of the person's state (the live person's first: on the same consent, it wins). */
async function consentsHeld(
  manager: EntityManager,
  family: readonly string[],
  personId: string,
): Promise<ConsentRecord[]> {
  const rows = (await manager.query(
    'SELECT person_id, consent FROM hub_person_state WHERE person_id = ANY($1::uuid[]) ORDER BY (person_id = $2) DESC, person_id',
    [family, personId],
  )) as { person_id: string; consent: ConsentState | null }[];
  const byKey = new Map<string, ConsentRecord>();
  for (const row of rows)
    for (const [key, record] of Object.entries(row.consent?.records ?? {})) if (!byKey.has(key)) byKey.set(key, record);
  return [...byKey.values()];
}
