/**
 * The audit log: appends hash-chained records in the caller's transaction, verifies the chain,
 * searches and counts. Tables: {@link AUDIT_MIGRATIONS}.
 */
import type { OperationOutcome } from '@cstr/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditChainKey, type ChainedContent } from './audit-chain';
import { ChainVerifier } from './chain-verifier';
import { AUDIT_RECORD_COLUMNS, buildFlowsQuery, buildSearchQuery } from './audit-query';
import type {
  AuditFlowCount,
  AuditKind,
  AuditOutcome,
  AuditPage,
  AuditPageRequest,
  AuditPeriod,
  AuditReadDescription,
  AuditRecord,
  AuditRecordInput,
  AuditSearchFilter,
  ChainBreak,
  ChainVerification,
  VerifyOptions,
} from './audit-record.types';
import { checkAuditRecordInput, InvalidAuditRecordError, type CheckedAuditRecord } from './audit-record.validation';

/** Configuration of {@link AuditLog}. */
export interface AuditLogOptions {
  /** The secret of the hash chain (at least 32 bytes), from configuration — never stored in the database. */
  readonly key: string | Buffer;
  /** Clock for `recordedAt` when an input has none (tests). */
  readonly now?: () => Date;
}

/** A search result, or the OperationOutcome of a bad request. */
export type AuditSearchResult =
  ({ readonly ok: true } & AuditPage) | { readonly ok: false; readonly outcome: OperationOutcome };

/** Flow counts, or the OperationOutcome of a bad request. */
export type AuditFlowsResult =
  { readonly ok: true; readonly flows: AuditFlowCount[] } | { readonly ok: false; readonly outcome: OperationOutcome };

/** A row of `audit_record` as `pg` returns it. */
export interface AuditRecordRow {
  seq: string;
  recorded_at: Date;
  kind: AuditKind;
  outcome: AuditOutcome;
  event_id: string | null;
  event_type: string | null;
  sender: string | null;
  recipient: string | null;
  agreement_id: string | null;
  agreement_version: number | null;
  flow_id: string | null;
  refusing_rule: string | null;
  legal_basis: Record<string, string> | null;
  consent_reference: string | null;
  removed_elements: string[];
  actor: string | null;
  person_identifiers: { system: string; value: string }[];
  reason: string | null;
  prev_hash: string;
  hash: string;
  sub_millisecond?: boolean;
}

interface HeadRow {
  last_seq: string;
  last_hash: string;
  head_mac: string | null;
}

const DEFAULT_VERIFY_PAGE = 5000;

/**
 * The hash-chained audit of SPEC §6. Many hub instances may append at once: each append locks the
 * chain head row (`FOR UPDATE`) until the caller's transaction ends, so records are numbered
 * without gaps and each points at the one committed before it. Append just before commit to keep
 * that lock short; a rolled-back transaction leaves neither records nor a changed head.
 */
export class AuditLog {
  private readonly key: AuditChainKey;
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    options: AuditLogOptions,
  ) {
    this.key = new AuditChainKey(options.key);
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Appends `records` in the transaction of `manager` (one is opened when it has none), in one
   * statement, and returns them as stored. Throws {@link InvalidAuditRecordError} (nothing
   * appended) when any record is malformed: records are built by the hub, so that is a bug to see.
   *
   * Call it as the transaction's last statement before commit: the chain head lock it takes is
   * held until commit and orders every appending transaction of every instance. Run the
   * transaction READ COMMITTED (PostgreSQL's default): under REPEATABLE READ a concurrent append
   * makes the lock fail with a serialization error, to be retried.
   */
  async append(manager: EntityManager, records: readonly AuditRecordInput[]): Promise<AuditRecord[]> {
    const checked = checkAll(records);
    if (checked.length === 0) return [];
    if (manager.queryRunner?.isTransactionActive !== true) {
      return manager.transaction((tx) => this.appendChecked(tx, checked));
    }
    return this.appendChecked(manager, checked);
  }

  /**
   * Records that `actor` read audit data (`what`): every read of the audit is itself audited.
   * Call it in the transaction that reads, or right after.
   */
  async recordRead(manager: EntityManager, actor: string, what: AuditReadDescription): Promise<AuditRecord> {
    const [record] = await this.append(manager, [
      { kind: 'read', outcome: 'read', actor, reason: what?.description, personIdentifiers: what?.personIdentifiers },
    ]);
    return record;
  }

  /**
   * Recomputes the chain from the first record, a page at a time, in one consistent snapshot
   * (appends committed meanwhile are not seen), and names the first broken record.
   */
  async verify(options: VerifyOptions = {}): Promise<ChainVerification> {
    const pageSize =
      Math.max(1, Math.min(Math.floor(options.pageSize ?? DEFAULT_VERIFY_PAGE), 50_000)) || DEFAULT_VERIFY_PAGE;
    const runner = this.dataSource.createQueryRunner();
    let pending: Promise<AuditRecordRow[]> | undefined;
    await runner.connect();
    try {
      await runner.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const [head] = (await runner.query(
        'SELECT last_seq, last_hash, head_mac FROM audit_chain_head WHERE id = 1',
      )) as HeadRow[];
      const headSeq = head ? Number(head.last_seq) : 0;
      if (!head)
        return {
          ok: false,
          checked: 0,
          headSeq,
          firstBroken: { seq: 1, reason: 'head-mismatch', detail: 'The chain head row is missing.' },
        };

      // JavaScript dates hold milliseconds: a timestamp moved by microseconds is caught by sub_millisecond.
      const page = (fromSeq: number): Promise<AuditRecordRow[]> =>
        runner.query(
          `SELECT ${AUDIT_RECORD_COLUMNS}, recorded_at <> date_trunc('milliseconds', recorded_at) AS sub_millisecond
           FROM audit_record WHERE seq >= $1 ORDER BY seq LIMIT $2`,
          [fromSeq, pageSize],
        ) as Promise<AuditRecordRow[]>;
      const verifier = new ChainVerifier(this.key);
      const result = (firstBroken: ChainBreak | undefined): ChainVerification =>
        firstBroken
          ? { ok: false, checked: verifier.checked, headSeq, firstBroken }
          : { ok: true, checked: verifier.checked, headSeq };
      // From the lowest seq there is: a row numbered below 1 was put there by hand.
      pending = page(Number.MIN_SAFE_INTEGER);
      while (pending) {
        const rows: AuditRecordRow[] = await pending;
        // The database reads the next page while this one is hashed.
        pending = rows.length === pageSize ? page(Number(rows[rows.length - 1].seq) + 1) : undefined;
        for (const row of rows) {
          const broken = verifier.next(toRecord(row), row.sub_millisecond === true);
          if (broken) return result(broken);
        }
      }
      return result(verifier.end({ lastSeq: headSeq, lastHash: head.last_hash, headMac: head.head_mac }));
    } finally {
      // A page read ahead of a broken record is not needed any more.
      await pending?.catch(() => undefined);
      await runner.query('ROLLBACK').catch(() => undefined);
      await runner.release();
    }
  }

  /**
   * One page of records matching `filter`, newest first unless `page.order` says otherwise.
   * Pages are keyset-paginated: pass `next` as `after` for the following page (stable while
   * records are appended). Bad filters give an OperationOutcome. The caller records the read
   * ({@link recordRead}).
   */
  async search(filter: AuditSearchFilter, page: AuditPageRequest, manager?: EntityManager): Promise<AuditSearchResult> {
    const built = buildSearchQuery(filter, page);
    if (!built.ok) return built;
    const rows = (await (manager ?? this.dataSource.manager).query(
      built.query.sql,
      built.query.params,
    )) as AuditRecordRow[];
    const records = rows.slice(0, built.limit).map(toRecord);
    const next = rows.length > built.limit ? String(records[records.length - 1].seq) : undefined;
    return { ok: true, records, ...(next ? { next } : {}) };
  }

  /** Counts of decisions per sender → recipient → event type over `period`, delivered and refused. */
  async flows(period: AuditPeriod, manager?: EntityManager): Promise<AuditFlowsResult> {
    const built = buildFlowsQuery(period);
    if (!built.ok) return built;
    const rows = (await (manager ?? this.dataSource.manager).query(built.query.sql, built.query.params)) as {
      sender: string | null;
      recipient: string | null;
      event_type: string | null;
      delivered: string;
      refused: string;
      kept: string;
    }[];
    return {
      ok: true,
      flows: rows.map((row) => ({
        sender: row.sender ?? '',
        recipient: row.recipient ?? '',
        eventType: row.event_type ?? '',
        delivered: Number(row.delivered),
        refused: Number(row.refused),
        kept: Number(row.kept),
      })),
    };
  }

  private async appendChecked(tx: EntityManager, records: readonly CheckedAuditRecord[]): Promise<AuditRecord[]> {
    // The lock that orders all appends; held until the caller's transaction ends.
    const [head] = (await tx.query(
      'SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE',
    )) as HeadRow[];
    if (!head) throw new Error('audit_chain_head is missing: run AUDIT_MIGRATIONS');
    const now = this.now();
    let prevHash = head.last_hash;
    let seq = Number(head.last_seq);
    const stored = records.map((record): AuditRecord => {
      seq += 1;
      const content: ChainedContent = { ...record, seq, recordedAt: record.recordedAt ?? now };
      const hash = this.key.recordHash(prevHash, content);
      const chained = { ...content, prevHash, hash };
      prevHash = hash;
      return chained;
    });
    const last = stored[stored.length - 1];
    const columns = (pick: (record: AuditRecord) => unknown): unknown[] => stored.map(pick);
    const json = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));
    // One statement for all records (arrays, so the parameter count does not grow), and the head.
    await tx.query(
      `WITH appended AS (
         INSERT INTO audit_record (seq, recorded_at, kind, outcome, event_id, event_type, sender, recipient, agreement_id, agreement_version,
           flow_id, refusing_rule, legal_basis, consent_reference, removed_elements, actor, person_identifiers, reason, prev_hash, hash)
         SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
           $10::integer[], $11::text[], $12::text[], $13::jsonb[], $14::text[], $15::jsonb[], $16::text[], $17::jsonb[], $18::text[], $19::text[], $20::text[])
         RETURNING 1)
       UPDATE audit_chain_head SET last_seq = $21, last_hash = $22, head_mac = $23
       WHERE id = 1 AND (SELECT count(*) FROM appended) = $24`,
      [
        columns((r) => r.seq),
        columns((r) => r.recordedAt.toISOString()),
        columns((r) => r.kind),
        columns((r) => r.outcome),
        columns((r) => r.eventId),
        columns((r) => r.eventType),
        columns((r) => r.sender),
        columns((r) => r.recipient),
        columns((r) => r.agreement?.id ?? null),
        columns((r) => r.agreement?.version ?? null),
        columns((r) => r.flowId),
        columns((r) => r.refusingRule),
        columns((r) => json(r.legalBasis)),
        columns((r) => r.consentReference),
        columns((r) => json(r.removedElements)),
        columns((r) => r.actor),
        columns((r) => json(r.personIdentifiers)),
        columns((r) => r.reason),
        columns((r) => r.prevHash),
        columns((r) => r.hash),
        last.seq,
        last.hash,
        this.key.headMac(last.seq, last.hash),
        stored.length,
      ],
    );
    return stored;
  }
}

function checkAll(records: readonly AuditRecordInput[]): CheckedAuditRecord[] {
  if (!Array.isArray(records)) {
    throw new InvalidAuditRecordError({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'structure', diagnostics: 'records must be a list.' }],
    });
  }
  const checks = records.map((record, index) => checkAuditRecordInput(record, `AuditRecordInput[${index}]`));
  const issues = checks.flatMap((check) => (check.ok ? [] : check.issues));
  if (issues.length > 0) throw new InvalidAuditRecordError({ resourceType: 'OperationOutcome', issue: issues });
  return checks.map((check) => (check.ok ? check.record : unreachable()));
}

function unreachable(): never {
  throw new Error('unreachable: every check passed');
}

function toRecord(row: AuditRecordRow): AuditRecord {
  return {
    seq: Number(row.seq),
    recordedAt: row.recorded_at,
    kind: row.kind,
    outcome: row.outcome,
    eventId: row.event_id,
    eventType: row.event_type,
    sender: row.sender,
    recipient: row.recipient,
    agreement:
      row.agreement_id !== null && row.agreement_version !== null
        ? { id: row.agreement_id, version: row.agreement_version }
        : null,
    flowId: row.flow_id,
    refusingRule: row.refusing_rule,
    legalBasis: row.legal_basis,
    consentReference: row.consent_reference,
    removedElements: row.removed_elements,
    actor: row.actor,
    personIdentifiers: row.person_identifiers,
    reason: row.reason,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
