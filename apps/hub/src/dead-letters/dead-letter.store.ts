import type { DataSource, EntityManager } from 'typeorm';
import type * as amqp from 'amqplib';
import { AmqpHeaders } from '@cstr/contracts';
import type { DeadLetterProvenance } from './dead-letter-provenance';

/** A dead letter as the API shows it: metadata and the failure, never the body. */
export interface DeadLetterView {
  readonly id: string;
  /** The DLQ it was drained from: `hub.ingress.dlq`, or a partner's `partner.<id>.inbox.dlq`. */
  readonly queue: string;
  /** The partner whose inbox adapter gave up on it; null for the hub's own ingress. */
  readonly partner: string | null;
  /**
   * The queue a replay sends it back to: the queue of the DLQ it was drained from, or null when the
   * hub does not believe who wrote it (see DeadLetterProvenance) — never a header's word.
   */
  readonly failedQueue: string | null;
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly failureCode: string | null;
  readonly failureReason: string | null;
  readonly attempts: number | null;
  readonly deadLetteredAt: string | null;
  readonly receivedAt: string;
  readonly bodyBytes: number;
  readonly replayedAt: string | null;
  readonly replayedBy: string | null;
}

/** Filters of {@link DeadLetterStore.list}. */
export interface DeadLetterFilter {
  readonly queue?: string;
  readonly eventId?: string;
  readonly failureCode?: string;
  readonly replayed?: boolean;
  /** Rows with an id below this (the `next` cursor of the previous page). */
  readonly before?: string;
  readonly limit: number;
}

/**
 * What a bulk replay takes: the dead letters not replayed yet of one DLQ (or any), of one failure
 * code (or any), received by the hub within [from, to) — the hub's own clock, not a header —
 * oldest first, at most `limit`.
 */
export interface ReplayFilter {
  readonly queue?: string;
  readonly failureCode?: string;
  readonly from?: Date;
  readonly to?: Date;
  readonly limit: number;
}

/** A stored dead letter with what a replay needs. */
export interface StoredDeadLetter extends DeadLetterView {
  readonly headers: Record<string, unknown>;
  readonly contentType: string | null;
  readonly correlationId: string | null;
  readonly body: Buffer;
}

interface DeadLetterRow {
  id: string;
  queue: string;
  failed_queue: string | null;
  event_id: string | null;
  event_type: string | null;
  failure_code: string | null;
  failure_reason: string | null;
  attempts: number | null;
  dead_lettered_at: Date | null;
  received_at: Date;
  body_bytes: number;
  replayed_at: Date | null;
  replayed_by: string | null;
  headers?: Record<string, unknown>;
  content_type?: string | null;
  correlation_id?: string | null;
  body?: Buffer;
}

const VIEW_COLUMNS =
  'id, queue, failed_queue, event_id, event_type, failure_code, failure_reason, attempts, dead_lettered_at, received_at, octet_length(body) AS body_bytes, replayed_at, replayed_by';

/** Text fit for a PostgreSQL text column: no NUL, no lone surrogate, bounded. */
function storable(value: unknown, max = 1000): string | null {
  if (value === undefined || value === null) return null;
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  // eslint-disable-next-line no-control-regex -- NUL is what PostgreSQL refuses
  return text.replace(/\u0000|[\uD800-\uDFFF]/g, '\uFFFD').slice(0, max);
}

/** `hub_dead_letter`: the durable view of the dead letters the hub drained from its DLQs. */
export class DeadLetterStore {
  constructor(
    private readonly dataSource: DataSource,
    /** The partner whose inbox a DLQ belongs to (null for the hub's own). */
    private readonly partnerOf: (queue: string) => string | null = () => null,
    /** What the hub believes about a drained message (see deadLetterProvenance). */
    private readonly provenanceOf: (queue: string, raw: amqp.ConsumeMessage) => DeadLetterProvenance,
    /** Audits a stored dead letter in the same transaction (see deadLetterRecord). */
    private readonly audit: (
      manager: EntityManager,
      queue: string,
      raw: amqp.ConsumeMessage,
      provenance: DeadLetterProvenance,
    ) => Promise<void> = async () => undefined,
  ) {}

  /**
   * Stores one message taken off `queue` (a DLQ) with the failure its provenance records: the
   * replay target from the DLQ, the code and reason as the hub believes them, and the original
   * routing key a replay may carry (what the hub wrote or rebuilt, never a partner's header).
   */
  async insert(queue: string, raw: amqp.ConsumeMessage): Promise<void> {
    const { properties } = raw;
    const provenance = this.provenanceOf(queue, raw);
    const headers: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(properties.headers ?? {})) {
      // The original routing key is the hub's own (below), never what the message carried.
      if (name === AmqpHeaders.originalRoutingKey) continue;
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        headers[storable(name, 100) ?? name] = typeof value === 'string' ? storable(value) : value;
    }
    if (provenance.originalRoutingKey !== undefined)
      headers[AmqpHeaders.originalRoutingKey] = storable(provenance.originalRoutingKey, 255);
    const attempts = Number(headers[AmqpHeaders.attempt]);
    const deadLetteredAt = Date.parse(String(headers[AmqpHeaders.deadLetteredAt] ?? ''));
    await this.dataSource.transaction(async (manager) => {
      await this.insertRow(manager, queue, raw, headers, attempts, deadLetteredAt, provenance);
      await this.audit(manager, queue, raw, provenance);
    });
  }

  private async insertRow(
    manager: EntityManager,
    queue: string,
    raw: amqp.ConsumeMessage,
    headers: Record<string, unknown>,
    attempts: number,
    deadLetteredAt: number,
    provenance: DeadLetterProvenance,
  ): Promise<void> {
    const { properties } = raw;
    await manager.query(
      `INSERT INTO hub_dead_letter (queue, failed_queue, event_id, event_type, failure_code, failure_reason, attempts, dead_lettered_at, headers, content_type, correlation_id, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        queue,
        provenance.replayTo,
        storable(properties.messageId, 100),
        storable(properties.type, 200),
        storable(provenance.failureCode, 100),
        storable(provenance.failureReason),
        Number.isInteger(attempts) && attempts >= 0 && attempts < 2 ** 31 ? attempts : null,
        Number.isFinite(deadLetteredAt) ? new Date(deadLetteredAt).toISOString() : null,
        JSON.stringify(headers),
        storable(properties.contentType, 100),
        storable(properties.correlationId, 200),
        raw.content,
      ],
    );
  }

  /** One page, newest first. */
  async list(filter: DeadLetterFilter): Promise<{ deadLetters: DeadLetterView[]; next?: string }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    if (filter.queue !== undefined) where.push(`queue = ${param(filter.queue)}`);
    if (filter.eventId !== undefined) where.push(`event_id = ${param(filter.eventId)}`);
    if (filter.failureCode !== undefined) where.push(`failure_code = ${param(filter.failureCode)}`);
    if (filter.replayed !== undefined) where.push(filter.replayed ? 'replayed_at IS NOT NULL' : 'replayed_at IS NULL');
    if (filter.before !== undefined) where.push(`id < ${param(filter.before)}::bigint`);
    const rows = (await this.dataSource.query(
      `SELECT ${VIEW_COLUMNS} FROM hub_dead_letter ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${param(filter.limit + 1)}`,
      params,
    )) as DeadLetterRow[];
    const page = rows.slice(0, filter.limit).map((row) => toView(row, this.partnerOf));
    return rows.length > filter.limit ? { deadLetters: page, next: page[page.length - 1].id } : { deadLetters: page };
  }

  /** The dead letter `id`, locked for update in the caller's transaction. */
  async lockForReplay(manager: EntityManager, id: string): Promise<StoredDeadLetter | undefined> {
    const [row] = (await manager.query(
      `SELECT ${VIEW_COLUMNS}, headers, content_type, correlation_id, body FROM hub_dead_letter WHERE id = $1 FOR UPDATE`,
      [id],
    )) as DeadLetterRow[];
    if (!row) return undefined;
    return {
      ...toView(row, this.partnerOf),
      headers: row.headers ?? {},
      contentType: row.content_type ?? null,
      correlationId: row.correlation_id ?? null,
      body: row.body ?? Buffer.alloc(0),
    };
  }

  /**
   * The dead letters a bulk replay of `filter` takes, with one more to tell whether others match
   * beyond the limit. With `lock`, each row is locked for update in `manager`'s transaction, and rows
   * another replay holds are skipped (`SKIP LOCKED`): two operators never replay one row twice.
   */
  async matchingForReplay(
    manager: EntityManager,
    filter: ReplayFilter,
    lock: boolean,
  ): Promise<{ deadLetters: DeadLetterView[]; more: boolean }> {
    const where = ['replayed_at IS NULL'];
    const params: unknown[] = [];
    const param = (value: unknown): string => `$${params.push(value)}`;
    if (filter.queue !== undefined) where.push(`queue = ${param(filter.queue)}`);
    if (filter.failureCode !== undefined) where.push(`failure_code = ${param(filter.failureCode)}`);
    if (filter.from !== undefined) where.push(`received_at >= ${param(filter.from)}`);
    if (filter.to !== undefined) where.push(`received_at < ${param(filter.to)}`);
    const rows = (await manager.query(
      `SELECT ${VIEW_COLUMNS} FROM hub_dead_letter WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${param(filter.limit + 1)}${lock ? ' FOR UPDATE SKIP LOCKED' : ''}`,
      params,
    )) as DeadLetterRow[];
    return {
      deadLetters: rows.slice(0, filter.limit).map((row) => toView(row, this.partnerOf)),
      more: rows.length > filter.limit,
    };
  }

  /** The oldest dead letter not replayed yet, per DLQ: its age in seconds by the hub's clock. */
  async oldestPendingByQueue(): Promise<{ queue: string; ageSeconds: number }[]> {
    const rows = (await this.dataSource.query(
      `SELECT queue, extract(epoch FROM now() - min(received_at))::float8 AS age
       FROM hub_dead_letter WHERE replayed_at IS NULL GROUP BY queue`,
    )) as { queue: string; age: number }[];
    return rows.map((row) => ({ queue: row.queue, ageSeconds: Math.max(0, Number(row.age)) }));
  }

  /** Marks a dead letter replayed by `actor`. */
  async markReplayed(manager: EntityManager, id: string, actor: string): Promise<Date> {
    const replayedAt = new Date();
    await manager.query('UPDATE hub_dead_letter SET replayed_at = $3, replayed_by = $2 WHERE id = $1', [
      id,
      actor,
      replayedAt,
    ]);
    return replayedAt;
  }

  /** Dead letters not replayed yet, per DLQ. */
  async pendingByQueue(): Promise<{ queue: string; count: number }[]> {
    const rows = (await this.dataSource.query(
      'SELECT queue, count(*)::int AS count FROM hub_dead_letter WHERE replayed_at IS NULL GROUP BY queue',
    )) as { queue: string; count: number }[];
    return rows;
  }
}

function toView(row: DeadLetterRow, partnerOf: (queue: string) => string | null): DeadLetterView {
  return {
    id: String(row.id),
    queue: row.queue,
    partner: partnerOf(row.queue),
    failedQueue: row.failed_queue,
    eventId: row.event_id,
    eventType: row.event_type,
    failureCode: row.failure_code,
    failureReason: row.failure_reason,
    attempts: row.attempts,
    deadLetteredAt: row.dead_lettered_at?.toISOString() ?? null,
    receivedAt: row.received_at.toISOString(),
    bodyBytes: Number(row.body_bytes),
    replayedAt: row.replayed_at?.toISOString() ?? null,
    replayedBy: row.replayed_by,
  };
}
