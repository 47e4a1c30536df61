/**
 * The audit log: appends hash-chained records in the caller's transaction, verifies the chain,
 * searches and counts. Tables: {@link AUDIT_MIGRATIONS}.
 */
import { operationOutcome, operationOutcomeOf, type OperationOutcome } from '@cstr/contracts';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import {
  AUDIT_RECORD_FORMAT,
  AuditKeyRing,
  type AuditChainKey,
  FIRST_AUDIT_KEY_ID,
  GENESIS_HASH,
  sameDigest,
  type ChainedContent,
} from './audit-chain';
import {
  chainsCheckpointName,
  checkChainsCheckpoint,
  checkCheckpoint,
  checkpointNumber,
  recordsCovered,
  signChainsCheckpoint,
  type AuditChainsCheckpoint,
  type AuditCheckpoint,
  type AuditCheckpointStore,
  type CheckpointedHead,
} from './audit-checkpoint';
import { ChainVerifier, recordContentBreak } from './chain-verifier';
import { AUDIT_RECORD_COLUMNS, buildFlowsQuery, buildSearchQuery } from './audit-query';
import {
  AUDIT_CHAIN_ID_PATTERN,
  AUDIT_CHAIN_SEQ_SPAN,
  MAIN_AUDIT_CHAIN,
  auditChainBase,
} from './audit-schema.migration';
import type {
  AuditFlowCount,
  AuditIdentifiersChangeKind,
  AuditKind,
  AuditPersonIdentifier,
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
import {
  checkAuditRecordInput,
  InvalidAuditRecordError,
  normaliseIdentifierValue,
  type CheckedAuditRecord,
} from './audit-record.validation';

/** Configuration of {@link AuditLog}. */
export interface AuditLogOptions {
  /**
   * The secret of the hash chain (at least 32 bytes), from configuration — never stored in the
   * database: one key (id `k1`), or a ring of keys with ids, the current one named.
   */
  readonly key: string | Buffer | AuditKeyRing;
  /** Where signed checkpoints of the chain heads are kept ({@link AuditLog.checkpoint}); verify checks every chain against the latest. */
  readonly checkpoints?: AuditCheckpointStore;
  /** Told of every sign of tampering the log meets outside verify (an append refused, a head behind its checkpoint). */
  readonly onAlert?: (alert: AuditAlert) => void;
  /** Clock for `recordedAt` when an input has none (tests). */
  readonly now?: () => Date;
}

/** Why the audit raised an alert. */
export type AuditAlertReason =
  /** An append found a chain head whose MAC does not verify (moved without the key): refused. */
  | 'head-mac-invalid'
  /** The chain head names a key the ring does not hold: appends are refused until the ring has it. */
  | 'head-key-unknown'
  /** A chain's head is behind the latest checkpoint, or the chain differs from it at its seq: the chain was cut back. */
  | 'head-behind-checkpoint'
  /** The latest checkpoint cannot be read or does not verify. */
  | 'checkpoint-invalid'
  /** A checkpoint could not be written. */
  | 'checkpoint-failed';

/** Every {@link AuditAlertReason}. */
export const AUDIT_ALERT_REASONS: readonly AuditAlertReason[] = [
  'head-mac-invalid',
  'head-key-unknown',
  'head-behind-checkpoint',
  'checkpoint-invalid',
  'checkpoint-failed',
];

/** An alert: a reason and a detail that names seqs and key ids only (no personal data, no secret). */
export interface AuditAlert {
  readonly reason: AuditAlertReason;
  readonly detail: string;
}

/** An append refused because the chain head does not verify; the caller's transaction rolls back. */
export class AuditChainHeadError extends Error {
  readonly code = 'audit-chain-head-invalid';
  constructor(
    readonly reason: 'head-mac-invalid' | 'head-key-unknown',
    detail: string,
  ) {
    super(`Audit append refused: ${detail}`);
    this.name = 'AuditChainHeadError';
  }
}

/** Identifiers not changed: a record to change does not verify (tampered with, or under a key the ring lacks). */
export class AuditRecordIntegrityError extends Error {
  readonly code = 'audit-record-integrity';
  constructor(
    readonly seq: number,
    readonly reason: string,
  ) {
    super(`Audit record ${seq} does not verify (${reason}): its identifiers are not changed; verify the chain.`);
    this.name = 'AuditRecordIntegrityError';
  }
}

/** What {@link AuditLog.checkpoint} did. */
export type CheckpointOutcome =
  | { readonly written: true; readonly checkpoint: AuditChainsCheckpoint }
  | {
      readonly written: false;
      /**
       * `unchanged`: no head has moved since the latest checkpoint; `empty`: no record yet;
       * `exists`: another instance wrote this checkpoint first; else an alert.
       */
      readonly reason: 'unchanged' | 'empty' | 'exists' | AuditAlertReason;
      /** The latest checkpoint, when it stands (`unchanged`, `exists`). */
      readonly checkpoint?: AuditChainsCheckpoint;
    };

/** Where a checkpoint saw one chain's head, with when and under which key (checked already). */
interface CheckpointPoint extends CheckpointedHead {
  readonly at: string;
  readonly keyId: string;
}

/** The latest checkpoints of a store, checked; `invalid`: one that cannot be read or trusted. */
interface StoredCheckpoints {
  readonly chains?: AuditChainsCheckpoint;
  readonly main?: AuditCheckpoint;
  readonly invalid?: { readonly seq: number; readonly reason: string };
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
  key_id: string;
  format?: number;
  person_keys?: string[];
  identifiers_change?: AuditIdentifiersChangeKind | null;
  identifiers_changed_at?: Date | null;
  identifiers_key_id?: string | null;
  identifiers_mac?: string | null;
  sub_millisecond?: boolean;
}

interface HeadRow {
  id: number;
  chain_id: string;
  last_seq: string;
  last_hash: string;
  head_mac: string | null;
  key_id: string;
}

const DEFAULT_VERIFY_PAGE = 5000;

const HEAD_COLUMNS = 'id, chain_id, last_seq, last_hash, head_mac, key_id';

/** Where {@link AuditLog.append} appends. */
export interface AppendOptions {
  /**
   * The chain (default `main`): appends to different chains never wait for each other. The hub
   * gives each ingress partition its own, so hub instances applying different partitions append at
   * once; one writer per chain at a time keeps each chain short of contention.
   */
  readonly chain?: string;
}

/** The chain an append goes to, checked (a bug to see, never partner input). */
function chainOf(options: AppendOptions): string {
  const chain = options.chain ?? MAIN_AUDIT_CHAIN;
  if (!AUDIT_CHAIN_ID_PATTERN.test(chain)) throw new Error(`Not an audit chain id: ${JSON.stringify(chain)}`);
  return chain;
}

/**
 * The hash-chained audit of SPEC §6, as several chains (`main`, and one per writer that names
 * its own: the hub's ingress partitions). Many hub instances may append at once: each append
 * locks its chain's head row (`FOR UPDATE`) until the caller's transaction ends, so a chain's
 * records are numbered without gaps and each points at the one committed before it in that chain;
 * appends to other chains do not wait. Append just before commit to keep that lock short; a
 * rolled-back transaction leaves neither records nor a changed head. Search reads one history
 * across chains, ordered by time then seq.
 */
export class AuditLog {
  private readonly keys: AuditKeyRing;
  private readonly now: () => Date;
  private readonly store: AuditCheckpointStore | undefined;
  private readonly alert: (alert: AuditAlert) => void;
  /** The newest checkpoint this process wrote or read, so that a tick with no head moved costs one query. */
  private lastCheckpoint: AuditChainsCheckpoint | undefined;
  private checkpointing: Promise<CheckpointOutcome> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    options: AuditLogOptions,
  ) {
    this.keys = options.key instanceof AuditKeyRing ? options.key : AuditKeyRing.single(options.key);
    this.now = options.now ?? (() => new Date());
    this.store = options.checkpoints;
    this.alert = options.onAlert ?? (() => undefined);
  }

  /** The ids of the key ring, oldest first, and the current one. */
  get keyIds(): { readonly ring: string[]; readonly current: string } {
    return { ring: this.keys.ids, current: this.keys.current.id };
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
  async append(
    manager: EntityManager,
    records: readonly AuditRecordInput[],
    options: AppendOptions = {},
  ): Promise<AuditRecord[]> {
    const checked = checkAll(records);
    const chain = chainOf(options);
    if (checked.length === 0) return [];
    if (manager.queryRunner?.isTransactionActive !== true) {
      return manager.transaction((tx) => this.appendChecked(tx, checked, chain));
    }
    return this.appendChecked(manager, checked, chain);
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
   * Erases the identifiers beside every record that names any of `identifiers` (the chain keeps
   * their keyed hashes, and every record its decision), in the caller's transaction; waits for
   * rows another transaction holds. Returns how many records changed. The caller audits the
   * erasure itself (an `operator-action` record with the reason). Throws
   * {@link AuditRecordIntegrityError} (nothing changed) when a record to change does not verify.
   */
  async eraseIdentifiers(manager: EntityManager, identifiers: readonly AuditPersonIdentifier[]): Promise<number> {
    const wanted = identifiers.map((identifier) =>
      JSON.stringify([
        { system: identifier.system, value: normaliseIdentifierValue(identifier.system, identifier.value) },
      ]),
    );
    if (wanted.length === 0) return 0;
    return this.changeIdentifiers(
      manager,
      { where: 'person_identifiers @> ANY($1::jsonb[])', params: [wanted], skipLocked: false },
      'erased',
      () => [],
    );
  }

  /**
   * Rectifies one identifier beside every record that names it (`from` becomes `to`), as
   * {@link eraseIdentifiers} erases: the chain still holds the keyed hash of what was appended.
   */
  async rectifyIdentifier(
    manager: EntityManager,
    from: AuditPersonIdentifier,
    to: AuditPersonIdentifier,
  ): Promise<number> {
    const wrong = { system: from.system, value: normaliseIdentifierValue(from.system, from.value) };
    const right = { system: to.system, value: normaliseIdentifierValue(to.system, to.value) };
    const same = (a: AuditPersonIdentifier, b: AuditPersonIdentifier): boolean =>
      a.system === b.system && a.value === b.value;
    return this.changeIdentifiers(
      manager,
      { where: 'person_identifiers @> $1::jsonb', params: [JSON.stringify([wrong])], skipLocked: false },
      'rectified',
      (identifiers) => {
        const next = identifiers.map((identifier) => (same(identifier, wrong) ? right : identifier));
        return next.filter((identifier, index) => next.findIndex((other) => same(other, identifier)) === index);
      },
    );
  }

  /**
   * Erases the identifiers beside at most `limit` records appended before `before` (retention),
   * oldest first, skipping records another transaction holds (`FOR UPDATE SKIP LOCKED`), so that
   * hub instances purging at once never take the same record. Returns how many it erased.
   */
  async eraseIdentifiersRecordedBefore(manager: EntityManager, before: Date, limit: number): Promise<number> {
    return this.changeIdentifiers(
      manager,
      {
        where: "recorded_at < $1 AND person_identifiers <> '[]'::jsonb",
        params: [before],
        limit,
        skipLocked: true,
      },
      'erased',
      () => [],
    );
  }

  private async changeIdentifiers(
    manager: EntityManager,
    select: { where: string; params: unknown[]; limit?: number; skipLocked: boolean },
    kind: AuditIdentifiersChangeKind,
    next: (identifiers: readonly AuditPersonIdentifier[]) => AuditPersonIdentifier[],
  ): Promise<number> {
    if (manager.queryRunner?.isTransactionActive !== true)
      return manager.transaction((tx) => this.changeIdentifiers(tx, select, kind, next));
    const limit = select.limit === undefined ? '' : ` LIMIT ${Math.max(1, Math.floor(select.limit))}`;
    const rows = (await manager.query(
      `SELECT ${AUDIT_RECORD_COLUMNS} FROM audit_record WHERE ${select.where} ORDER BY seq${limit}
       FOR UPDATE${select.skipLocked ? ' SKIP LOCKED' : ''}`,
      select.params,
    )) as AuditRecordRow[];
    if (rows.length === 0) return 0;
    const at = new Date(Math.floor(this.now().getTime()));
    const key = this.keys.current;
    const changed = rows.map((row) => {
      const record = toRecord(row);
      this.checkIntact(record);
      const personIdentifiers = next(record.personIdentifiers);
      return { seq: record.seq, personIdentifiers, mac: key.identifiersMac(record, { kind, at, personIdentifiers }) };
    });
    await manager.query(
      `UPDATE audit_record AS r SET person_identifiers = u.identifiers, identifiers_change = $4,
         identifiers_changed_at = $5, identifiers_key_id = $6, identifiers_mac = u.mac
       FROM unnest($1::bigint[], $2::jsonb[], $3::text[]) AS u(seq, identifiers, mac) WHERE r.seq = u.seq`,
      [
        changed.map((each) => each.seq),
        changed.map((each) => JSON.stringify(each.personIdentifiers)),
        changed.map((each) => each.mac),
        kind,
        at.toISOString(),
        key.id,
      ],
    );
    return changed.length;
  }

  /** A record whose identifiers are changed must verify first: the change MAC would vouch for what it holds. */
  private checkIntact(record: AuditRecord): void {
    const key = this.keys.key(record.keyId);
    const broken = key ? recordContentBreak(this.keys, key, record, record.prevHash) : 'unknown-key';
    if (broken) throw new AuditRecordIntegrityError(record.seq, broken);
  }

  /**
   * Recomputes every chain from its first record, a page at a time, in one consistent snapshot
   * (appends committed meanwhile are not seen), and names the first broken record (with its chain
   * when not `main`). With a checkpoint store, every chain the latest checkpoint saw must also
   * reach the head it saw and agree with it there (`main` also the latest checkpoint of `main`
   * alone from before chains, when that one saw it further); a chain it saw that has no head and
   * no record left is `truncated` at its first seq.
   */
  async verify(options: VerifyOptions = {}): Promise<ChainVerification> {
    const pageSize =
      Math.max(1, Math.min(Math.floor(options.pageSize ?? DEFAULT_VERIFY_PAGE), 50_000)) || DEFAULT_VERIFY_PAGE;
    // Read before the snapshot starts: a checkpoint is only taken of a committed head, so this one
    // is never ahead of what the snapshot sees.
    const stored = await this.storedCheckpoints();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const heads = (await runner.query(`SELECT ${HEAD_COLUMNS} FROM audit_chain_head ORDER BY id`)) as HeadRow[];
      const main = heads.find((head) => head.chain_id === MAIN_AUDIT_CHAIN);
      const headSeq = main ? Number(main.last_seq) : 0;
      if (!main)
        return {
          ok: false,
          checked: 0,
          headSeq,
          firstBroken: { seq: 1, reason: 'head-mismatch', detail: 'The chain head row is missing.' },
        };
      if (stored.invalid)
        return {
          ok: false,
          checked: 0,
          headSeq,
          firstBroken: { seq: stored.invalid.seq, reason: 'checkpoint-invalid', detail: stored.invalid.reason },
        };
      const points = checkpointPoints(stored);
      const mainPoint = points.find((point) => point.chain === MAIN_AUDIT_CHAIN);
      const described = mainPoint ?? (stored.chains ? { seq: 0, ...stored.chains } : undefined);
      const against = described ? { checkpoint: { seq: described.seq, at: described.at, keyId: described.keyId } } : {};
      const orphan = await this.recordWithoutHead(runner);
      if (orphan) return { ok: false, checked: 0, headSeq, firstBroken: orphan, ...against };
      const inChain = (broken: ChainBreak, chain: string): ChainBreak =>
        chain === MAIN_AUDIT_CHAIN ? broken : { ...broken, chain };
      let checked = 0;
      const chains: { chain: string; headSeq: number; checked: number; checkpointSeq?: number }[] = [];
      for (const head of heads) {
        const point = points.find((each) => each.chain === head.chain_id);
        const walk = await this.verifyChain(runner, head, pageSize, point);
        checked += walk.checked;
        chains.push({
          chain: head.chain_id,
          headSeq: Number(head.last_seq),
          checked: walk.checked,
          ...(point ? { checkpointSeq: point.seq } : {}),
        });
        if (walk.broken)
          return { ok: false, checked, headSeq, firstBroken: inChain(walk.broken, head.chain_id), ...against };
      }
      // A chain the checkpoint saw whose head and records are all gone: no walk reached it.
      for (const point of points.filter((each) => !heads.some((head) => head.chain_id === each.chain))) {
        const firstSeq = Math.floor((point.seq - 1) / AUDIT_CHAIN_SEQ_SPAN) * AUDIT_CHAIN_SEQ_SPAN + 1;
        const gone = new ChainVerifier(this.keys, point, firstSeq).end({
          lastSeq: firstSeq - 1,
          lastHash: GENESIS_HASH,
          headMac: null,
        });
        if (gone) return { ok: false, checked, headSeq, firstBroken: inChain(gone, point.chain), ...against };
      }
      return { ok: true, checked, headSeq, ...against, ...(chains.length > 1 ? { chains } : {}) };
    } finally {
      await runner.query('ROLLBACK').catch(() => undefined);
      await runner.release();
    }
  }

  /**
   * Walks one chain from its first record, a page at a time, in the snapshot of `runner`, and
   * returns the first break (or none) and how many records it checked.
   */
  private async verifyChain(
    runner: QueryRunner,
    head: HeadRow,
    pageSize: number,
    checkpoint: CheckpointPoint | undefined,
  ): Promise<{ readonly checked: number; readonly broken?: ChainBreak }> {
    // JavaScript dates hold milliseconds: a timestamp moved by microseconds is caught by sub_millisecond.
    const page = (fromSeq: number): Promise<AuditRecordRow[]> =>
      runner.query(
        `SELECT ${AUDIT_RECORD_COLUMNS}, recorded_at <> date_trunc('milliseconds', recorded_at) AS sub_millisecond
         FROM audit_record WHERE chain_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3`,
        [head.chain_id, fromSeq, pageSize],
      ) as Promise<AuditRecordRow[]>;
    const verifier = new ChainVerifier(this.keys, checkpoint, auditChainBase(head.id) + 1);
    // From the lowest seq there is: a row numbered below the chain's first was put there by hand.
    let pending: Promise<AuditRecordRow[]> | undefined = page(Number.MIN_SAFE_INTEGER);
    try {
      while (pending) {
        const rows: AuditRecordRow[] = await pending;
        // The database reads the next page while this one is hashed.
        pending = rows.length === pageSize ? page(Number(rows[rows.length - 1].seq) + 1) : undefined;
        for (const row of rows) {
          const broken = verifier.next(toRecord(row), row.sub_millisecond === true);
          if (broken) return { checked: verifier.checked, broken };
        }
      }
      const broken = verifier.end({
        lastSeq: Number(head.last_seq),
        lastHash: head.last_hash,
        headMac: head.head_mac,
        keyId: head.key_id,
      });
      return broken ? { checked: verifier.checked, broken } : { checked: verifier.checked };
    } finally {
      // A page read ahead of a broken record is not needed any more.
      await pending?.catch(() => undefined);
    }
  }

  /** A record of a chain that has no head (put there by hand): no walk would reach it. */
  private async recordWithoutHead(runner: QueryRunner): Promise<ChainBreak | undefined> {
    const [row] = (await runner.query(
      `SELECT min(seq) AS seq, chain_id FROM audit_record
       WHERE chain_id NOT IN (SELECT chain_id FROM audit_chain_head) GROUP BY chain_id ORDER BY 1 LIMIT 1`,
    )) as { seq: string; chain_id: string }[];
    return row
      ? {
          seq: Number(row.seq),
          reason: 'head-mismatch',
          chain: row.chain_id,
          detail: `Record ${row.seq} belongs to chain ${row.chain_id}, which has no head: it was not appended by the hub.`,
        }
      : undefined;
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

  /**
   * Writes a signed checkpoint of the head of every chain to the store, when any head moved since
   * the latest one. Checks first what the database cannot hide from it: each head's MAC, that no
   * chain's head is behind the latest checkpoint (nor gone), and that the record at each seq the
   * checkpoint saw still has its hash; any failure raises an alert and writes nothing. Call it on
   * a schedule and at shutdown.
   */
  async checkpoint(): Promise<CheckpointOutcome> {
    if (!this.store) throw new Error('AuditLog.checkpoint: no checkpoint store is configured');
    while (this.checkpointing) await this.checkpointing.catch(() => undefined);
    const run = this.writeCheckpoint(this.store);
    this.checkpointing = run;
    try {
      return await run;
    } finally {
      this.checkpointing = undefined;
    }
  }

  private async writeCheckpoint(store: AuditCheckpointStore): Promise<CheckpointOutcome> {
    const rows = (await this.dataSource.query(`SELECT ${HEAD_COLUMNS} FROM audit_chain_head ORDER BY id`)) as HeadRow[];
    if (!rows.some((row) => row.chain_id === MAIN_AUDIT_CHAIN))
      throw new Error('audit_chain_head is missing: run AUDIT_MIGRATIONS');
    const filled = rows.filter((row) => Number(row.last_seq) > auditChainBase(row.id));
    const heads = filled.map((row) => ({ chain: row.chain_id, seq: Number(row.last_seq), hash: row.last_hash }));
    const known = this.lastCheckpoint;
    if (known && sameHeads(known.heads, heads)) return { written: false, reason: 'unchanged', checkpoint: known };
    // Signed under the latest key any chain has moved on to, never an earlier one.
    let key: AuditChainKey | undefined;
    for (const row of filled) {
      const headCheck = this.checkHead(row);
      if (!headCheck.ok) return this.refuseCheckpoint(headCheck.reason, headCheck.detail);
      if (!key || this.keys.rank(headCheck.key.id) > this.keys.rank(key.id)) key = headCheck.key;
    }
    let points = known ? checkpointPoints({ chains: known }) : [];
    if (!known) {
      const stored = await this.storedCheckpoints();
      if (stored.invalid) this.raise('checkpoint-invalid', stored.invalid.reason);
      this.lastCheckpoint = stored.chains;
      points = checkpointPoints(stored);
    }
    const behind = await this.behindCheckpoint(rows, points);
    if (behind) return this.refuseCheckpoint('head-behind-checkpoint', behind);
    if (heads.length === 0) return { written: false, reason: 'empty' };
    const previous = this.lastCheckpoint;
    if (previous && sameHeads(previous.heads, heads))
      return { written: false, reason: 'unchanged', checkpoint: previous };
    const checkpoint = signChainsCheckpoint(key as AuditChainKey, heads, this.now());
    const name = chainsCheckpointName(recordsCovered(checkpoint.heads));
    let stored: 'written' | 'exists';
    try {
      stored = await store.put(name, `${JSON.stringify(checkpoint, null, 2)}\n`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return this.refuseCheckpoint(
        'checkpoint-failed',
        `The checkpoint ${name} could not be written to ${store.description}${code ? ` (${code})` : ''}.`,
      );
    }
    // `exists`: another instance took these heads first; its checkpoint stands.
    this.lastCheckpoint = checkpoint;
    return stored === 'written' ? { written: true, checkpoint } : { written: false, reason: 'exists', checkpoint };
  }

  /**
   * Why the heads `rows` cannot be signed after the checkpoint `points`, if they cannot: a chain's
   * head behind (or gone), or the record at a seq the checkpoint saw missing or changed.
   */
  private async behindCheckpoint(
    rows: readonly HeadRow[],
    points: readonly CheckpointPoint[],
  ): Promise<string | undefined> {
    for (const point of points) {
      const row = rows.find((each) => each.chain_id === point.chain);
      const seq = row ? Number(row.last_seq) : undefined;
      if (seq === undefined || seq < point.seq)
        return `${headLabel(point.chain)} is ${seq === undefined ? 'gone' : `at ${seq}`}, behind the checkpoint of ${point.at} at ${point.seq}.`;
    }
    if (points.length === 0) return undefined;
    const found = (await this.dataSource.query(
      'SELECT seq, chain_id, hash FROM audit_record WHERE seq = ANY($1::bigint[])',
      [points.map((point) => point.seq)],
    )) as { seq: string; chain_id: string; hash: string }[];
    for (const point of points) {
      const row = found.find((each) => Number(each.seq) === point.seq);
      if (!row || row.chain_id !== point.chain || !sameDigest(row.hash, point.hash))
        return `${recordLabel(point.seq, point.chain)} is ${row ? 'not the one' : 'missing that'} the checkpoint of ${point.at} saw.`;
    }
    return undefined;
  }

  private refuseCheckpoint(reason: AuditAlertReason, detail: string): CheckpointOutcome {
    this.raise(reason, detail);
    return { written: false, reason };
  }

  private raise(reason: AuditAlertReason, detail: string): void {
    try {
      this.alert({ reason, detail });
    } catch {
      // An alert sink that fails must not change what the audit does.
    }
  }

  /**
   * The latest checkpoint of every chain in the store and the latest of chain `main` alone (from
   * before chains), checked; none when there is no store or no checkpoint.
   */
  private async storedCheckpoints(): Promise<StoredCheckpoints> {
    const store = this.store;
    if (!store) return {};
    let chains: AuditChainsCheckpoint | undefined;
    let main: AuditCheckpoint | undefined;
    let invalid: StoredCheckpoints['invalid'];
    for (const layout of ['chains', 'main'] as const) {
      let stored;
      try {
        stored = await store.latest(layout);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        invalid ??= {
          seq: 1,
          reason: `The checkpoints in ${store.description} cannot be read${code ? ` (${code})` : ''}.`,
        };
        continue;
      }
      if (!stored) continue;
      const checked =
        layout === 'chains' ? checkChainsCheckpoint(stored, this.keys) : checkCheckpoint(stored, this.keys);
      if (!checked.ok) invalid ??= { seq: checkpointNumber(stored.name) || 1, reason: checked.reason };
      else if ('heads' in checked.checkpoint) chains = checked.checkpoint;
      else main = checked.checkpoint;
    }
    return { ...(chains ? { chains } : {}), ...(main ? { main } : {}), ...(invalid ? { invalid } : {}) };
  }

  /** The head's MAC under the key it names, and the key to extend the chain with. */
  private checkHead(
    head: HeadRow,
  ):
    | { readonly ok: true; readonly key: NonNullable<ReturnType<AuditKeyRing['appendKey']>> }
    | { readonly ok: false; readonly reason: 'head-mac-invalid' | 'head-key-unknown'; readonly detail: string } {
    const seq = Number(head.last_seq);
    const keyId = head.key_id ?? FIRST_AUDIT_KEY_ID;
    const key = this.keys.appendKey(keyId);
    const headKey = this.keys.key(keyId);
    if (!key || !headKey)
      return {
        ok: false,
        reason: 'head-key-unknown',
        detail: `${headLabel(head.chain_id)} (seq ${seq}) names key ${keyId}, which the ring (${this.keys.ids.join(', ')}) does not hold.`,
      };
    const valid =
      seq === auditChainBase(head.id ?? 1)
        ? head.head_mac === null && head.last_hash === GENESIS_HASH
        : head.head_mac !== null && sameDigest(head.head_mac, headKey.headMac(seq, head.last_hash));
    return valid
      ? { ok: true, key }
      : {
          ok: false,
          reason: 'head-mac-invalid',
          detail: `${headLabel(head.chain_id)} (seq ${seq}) does not verify under key ${keyId}: it was moved without the key.`,
        };
  }

  /**
   * Locks the head of `chain` (the lock that orders its appends; held until the caller's
   * transaction ends), making it on the chain's first append: empty, at the chain's base, under
   * the current key. A concurrent first append waits for this one and then finds the head.
   */
  private async lockHead(tx: EntityManager, chain: string): Promise<HeadRow> {
    const select = `SELECT ${HEAD_COLUMNS} FROM audit_chain_head WHERE chain_id = $1 FOR UPDATE`;
    const [head] = (await tx.query(select, [chain])) as HeadRow[];
    if (head) return head;
    if (chain === MAIN_AUDIT_CHAIN) throw new Error('audit_chain_head is missing: run AUDIT_MIGRATIONS');
    await tx.query(
      `WITH next AS (SELECT nextval('audit_chain_head_id_seq')::smallint AS id)
       INSERT INTO audit_chain_head (id, chain_id, last_seq, last_hash, head_mac, key_id)
       SELECT id, $1, (id - 1)::bigint * $2, $3, NULL, $4 FROM next ON CONFLICT (chain_id) DO NOTHING`,
      [chain, AUDIT_CHAIN_SEQ_SPAN, GENESIS_HASH, this.keys.current.id],
    );
    const [made] = (await tx.query(select, [chain])) as HeadRow[];
    return made;
  }

  private async appendChecked(
    tx: EntityManager,
    records: readonly CheckedAuditRecord[],
    chain: string,
  ): Promise<AuditRecord[]> {
    const head = await this.lockHead(tx, chain);
    // A head moved without the key (records deleted, head set back) is never extended: a fresh
    // MAC over it would hide the cut. The caller's transaction rolls back and is retried.
    const headCheck = this.checkHead(head);
    if (!headCheck.ok) {
      this.raise(headCheck.reason, headCheck.detail);
      throw new AuditChainHeadError(headCheck.reason, headCheck.detail);
    }
    const key = headCheck.key;
    const now = this.now();
    let prevHash = head.last_hash;
    let seq = Number(head.last_seq);
    const stored = records.map((record): AuditRecord => {
      seq += 1;
      const content: ChainedContent = {
        ...record,
        seq,
        recordedAt: record.recordedAt ?? now,
        format: AUDIT_RECORD_FORMAT,
        personKeys: record.personIdentifiers.map((identifier) => key.personKey(identifier)),
      };
      const hash = key.recordHash(prevHash, content);
      const chained = { ...content, identifiersChange: null, prevHash, hash, keyId: key.id };
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
           flow_id, refusing_rule, legal_basis, consent_reference, removed_elements, actor, person_identifiers, reason, prev_hash, hash, person_keys, key_id, format, chain_id)
         SELECT *, $25::text, $27::smallint, $28::text FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
           $10::integer[], $11::text[], $12::text[], $13::jsonb[], $14::text[], $15::jsonb[], $16::text[], $17::jsonb[], $18::text[], $19::text[], $20::text[], $26::jsonb[])
         RETURNING 1)
       UPDATE audit_chain_head SET last_seq = $21, last_hash = $22, head_mac = $23, key_id = $25
       WHERE id = $29 AND (SELECT count(*) FROM appended) = $24`,
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
        key.headMac(last.seq, last.hash),
        stored.length,
        key.id,
        columns((r) => json(r.personKeys)),
        AUDIT_RECORD_FORMAT,
        chain,
        head.id,
      ],
    );
    return stored;
  }
}

/** How a chain's head is named in alerts: as before chains for `main`. */
function headLabel(chain: string): string {
  return chain === MAIN_AUDIT_CHAIN ? 'The chain head' : `The head of chain ${chain}`;
}

/** How a record is named in alerts: its seq, and its chain when not `main`. */
function recordLabel(seq: number, chain: string): string {
  return chain === MAIN_AUDIT_CHAIN ? `Record ${seq}` : `Record ${seq} of chain ${chain}`;
}

/** Whether two lists of heads (each in seq order) are the same heads. */
function sameHeads(a: readonly CheckpointedHead[], b: readonly CheckpointedHead[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (head, index) =>
        head.chain === b[index].chain && head.seq === b[index].seq && sameDigest(head.hash, b[index].hash),
    )
  );
}

/**
 * Where the latest checkpoints saw each chain: every head of the latest checkpoint of every chain,
 * and chain `main` from the latest checkpoint of `main` alone when that one saw it further (one
 * written by an instance not yet upgraded, or before the first checkpoint of every chain).
 */
function checkpointPoints(stored: Pick<StoredCheckpoints, 'chains' | 'main'>): CheckpointPoint[] {
  const { chains, main } = stored;
  const points: CheckpointPoint[] = chains
    ? chains.heads.map((head) => ({ ...head, at: chains.at, keyId: chains.keyId }))
    : [];
  if (!main) return points;
  const legacy = { chain: MAIN_AUDIT_CHAIN, seq: main.seq, hash: main.hash, at: main.at, keyId: main.keyId };
  const index = points.findIndex((point) => point.chain === MAIN_AUDIT_CHAIN);
  if (index < 0) return [legacy, ...points];
  if (points[index].seq < main.seq) points[index] = legacy;
  return points;
}

function checkAll(records: readonly AuditRecordInput[]): CheckedAuditRecord[] {
  if (!Array.isArray(records)) {
    throw new InvalidAuditRecordError(operationOutcome('error', 'structure', 'records must be a list.'));
  }
  const checks = records.map((record, index) => checkAuditRecordInput(record, `AuditRecordInput[${index}]`));
  const issues = checks.flatMap((check) => (check.ok ? [] : check.issues));
  if (issues.length > 0) throw new InvalidAuditRecordError(operationOutcomeOf(issues));
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
    format: row.format === AUDIT_RECORD_FORMAT ? AUDIT_RECORD_FORMAT : 1,
    personKeys: row.person_keys ?? [],
    identifiersChange:
      row.identifiers_change && row.identifiers_changed_at && row.identifiers_key_id && row.identifiers_mac
        ? {
            kind: row.identifiers_change,
            at: row.identifiers_changed_at,
            keyId: row.identifiers_key_id,
            mac: row.identifiers_mac,
          }
        : null,
    prevHash: row.prev_hash,
    hash: row.hash,
    keyId: row.key_id,
  };
}
