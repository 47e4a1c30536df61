import { Logger } from '@nestjs/common';
import type { PoolClient, QueryResult } from 'pg';
import type { DataSource } from 'typeorm';
import { safeErrorText } from '@cstr/contracts';
import { backoffDelay, sleep } from '../backoff';
import { OutgoingMessage } from '../message';
import { UnroutableMessageError } from '../messaging.errors';
import { ConfirmedPublisher } from '../publisher/confirmed-publisher';
import { OutboxCommitListener } from './outbox-commit-listener';
import { registerLocalRelay } from './outbox-local-relays';

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** Rows claimed and published per round. Default 500. */
  readonly batchSize?: number;
  /** Poll interval when idle (a commit of outbox rows wakes it at once: {@link OutboxCommitListener}). Default 250 ms. */
  readonly idlePollMs?: number;
}

interface OutboxRow {
  id: string;
  event_id: string;
  message_type: string;
  exchange: string;
  routing_key: string;
  correlation_id: string | null;
  traceparent: string | null;
  headers: Record<string, string | number>;
  content_type: string;
  body: Buffer;
  created_at: Date;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
}

/**
 * Publishes committed outbox rows with publisher confirms; a row is deleted in the transaction
 * that claims it, committed once the broker has confirmed it (deleting, rather than updating a
 * flag, keeps the table small and writes no second copy of the body).
 * Rows are claimed with `FOR UPDATE SKIP LOCKED`, so several relays (several instances of an app)
 * share the work without publishing a row twice while both live. A relay killed between the
 * broker's confirm and its own commit publishes those rows again after restart: delivery is
 * at least once, and consumers de-duplicate by event id. One relay publishes in id order.
 * A commit of outbox rows wakes the relay at once: in-process when the relay runs in the
 * committing process on the same DataSource, otherwise through the NOTIFY of {@link Outbox.add},
 * which it listens for. It still polls when idle, in case a wake-up is missed (its listening
 * connection lost, or it was stopped when the rows committed).
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly stopSignal = new AbortController();
  private wake: (() => void) | undefined;
  private pending = false;
  private loop: Promise<void> | undefined;
  private listenFailed = false;
  private readonly commits: OutboxCommitListener;
  private readonly claimSql: string;
  private unregister: (() => void) | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: ConfirmedPublisher,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.commits = new OutboxCommitListener(dataSource, this.heardCommit);
    const batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError(`batchSize must be a whole number above 0, not ${batchSize}`);
    this.claimSql = claimSql(batchSize);
  }

  /** Starts relaying in the background. */
  start(): void {
    this.unregister ??= registerLocalRelay(this.dataSource, this.heardCommit);
    this.loop ??= this.run();
  }

  /** Number of rows not yet sent. */
  async backlog(): Promise<number> {
    const [row] = (await this.dataSource.query('SELECT count(*)::int AS n FROM messaging_outbox')) as { n: number }[];
    return row.n;
  }

  /** Publishes everything committed so far (used at shutdown and by tests). */
  async flush(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const published = await this.relayBatch().catch(() => -1);
      if (published === 0) return;
      if (published < 0) await sleep(100);
    }
    this.logger.warn(`Outbox not empty after ${timeoutMs} ms; the rows stay for the next start`);
  }

  /** Stops the loop after its current batch. */
  async stop(): Promise<void> {
    this.unregister?.();
    this.unregister = undefined;
    this.stopSignal.abort();
    this.wake?.();
    await this.loop;
    await this.commits.close();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopSignal.signal.aborted) {
      try {
        this.pending = false;
        await this.listenForCommits();
        const published = await this.relayBatch();
        failures = 0;
        if (published > 0 || this.pending) continue;
        await this.idle(this.options.idlePollMs ?? 250);
      } catch (error) {
        failures += 1;
        const delay = backoffDelay(failures, 200, 10_000);
        if (failures === 1 || failures % 20 === 0)
          this.logger.warn(`Outbox relay paused ${delay} ms: ${safeErrorText(error)}`);
        await sleep(delay, this.stopSignal.signal);
      }
    }
  }

  /** Listens for commits when it does not; without it the relay still polls, so a failure is only logged. */
  private async listenForCommits(): Promise<void> {
    try {
      await this.commits.ensureListening();
      this.listenFailed = false;
    } catch (error) {
      if (!this.listenFailed)
        this.logger.warn(`Outbox relay polls only: cannot listen for commits (${safeErrorText(error)})`);
      this.listenFailed = true;
    }
  }

  private readonly heardCommit = (): void => {
    this.pending = true;
    this.wake?.();
  };

  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      this.wake = done;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => (this.wake = undefined));
  }

  /**
   * Claims one batch, publishes it, and commits once the broker has confirmed it. Returns rows
   * sent. The claim is the delete itself, in a transaction that stays open while the batch is
   * published: the deleted rows stay locked (another relay's claim skips them) and come back if
   * the relay dies or the broker fails before the commit. Rows the broker did not take are put
   * back, under their own id, in the same transaction.
   */
  private async relayBatch(): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    const connection = (await runner.connect()) as PoolClient;
    let open = true;
    try {
      // One round trip: the transaction starts and claims.
      const [, claim] = (await connection.query(this.claimSql)) as unknown as [unknown, QueryResult<OutboxRow>];
      const rows = claim.rows;
      if (rows.length === 0) {
        await connection.query('COMMIT');
        open = false;
        return 0;
      }
      const results = await this.publisher.publishAll(rows.map(outgoingMessage));
      const failed = rows.flatMap((row, index) => {
        const result = results[index];
        return result.status === 'rejected' ? [{ row, error: result.reason as Error }] : [];
      });
      if (failed.length === rows.length && !failed.some(({ error }) => error instanceof UnroutableMessageError)) {
        // Nothing confirmed (the broker is down or refused): every row stays as it was.
        await connection.query('ROLLBACK');
        open = false;
        throw failed[0].error;
      }
      if (failed.length > 0) await putBack(connection, failed);
      await connection.query('COMMIT');
      open = false;
      const brokerFailure = failed.find((entry) => !(entry.error instanceof UnroutableMessageError));
      // The broker is down or refused: the rest stay unsent and the loop backs off as a whole.
      if (brokerFailure) throw brokerFailure.error;
      return rows.length - failed.length;
    } catch (error) {
      if (open) await connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }
}

const COLUMNS =
  'id, event_id, message_type, exchange, routing_key, correlation_id, traceparent, headers, content_type, body, created_at, attempts, next_attempt_at, last_error';

/**
 * Starts a transaction and claims up to `limit` due rows in id order: a plain query (no
 * parameters), so both go in one round trip. The ids go through an array so that the delete
 * finds its rows by the primary key (a join would scan the whole table).
 */
function claimSql(limit: number): string {
  return `BEGIN;
    WITH claimed AS (
      DELETE FROM messaging_outbox
       WHERE id = ANY(ARRAY(
         SELECT id FROM messaging_outbox WHERE next_attempt_at <= now() ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED))
      RETURNING ${COLUMNS}
    )
    SELECT * FROM claimed ORDER BY id`;
}

function outgoingMessage(row: OutboxRow): OutgoingMessage {
  return {
    exchange: row.exchange,
    routingKey: row.routing_key,
    eventId: row.event_id,
    type: row.message_type,
    correlationId: row.correlation_id ?? undefined,
    traceparent: row.traceparent ?? undefined,
    timestamp: row.created_at,
    contentType: row.content_type,
    headers: row.headers,
    body: row.body,
  };
}

/**
 * Puts the rows the broker did not take back into the outbox, under their own id (so in their
 * order), in the claiming transaction. A row nobody can receive (no queue bound) backs off on its
 * own, so that it does not hold the others up; the others are due again at once.
 */
async function putBack(connection: PoolClient, failed: readonly { row: OutboxRow; error: Error }[]): Promise<void> {
  const column = <T>(value: (entry: { row: OutboxRow; error: Error }) => T): T[] => failed.map(value);
  const unroutable = (error: Error): boolean => error instanceof UnroutableMessageError;
  await connection.query(
    `INSERT INTO messaging_outbox (${COLUMNS})
     SELECT id, event_id, message_type, exchange, routing_key, correlation_id, traceparent, headers, content_type, body,
            created_at, attempts, coalesce(now() + retry_in_ms * interval '1 millisecond', next_attempt_at), last_error
       FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[],
                   $9::text[], $10::bytea[], $11::timestamptz[], $12::int[], $13::timestamptz[], $14::text[], $15::int[])
         AS r(id, event_id, message_type, exchange, routing_key, correlation_id, traceparent, headers, content_type, body,
              created_at, attempts, next_attempt_at, last_error, retry_in_ms)`,
    [
      column(({ row }) => row.id),
      column(({ row }) => row.event_id),
      column(({ row }) => row.message_type),
      column(({ row }) => row.exchange),
      column(({ row }) => row.routing_key),
      column(({ row }) => row.correlation_id),
      column(({ row }) => row.traceparent),
      column(({ row }) => JSON.stringify(row.headers)),
      column(({ row }) => row.content_type),
      column(({ row }) => row.body),
      column(({ row }) => row.created_at),
      column(({ row, error }) => (unroutable(error) ? row.attempts + 1 : row.attempts)),
      column(({ row }) => row.next_attempt_at),
      column(({ row, error }) => (unroutable(error) ? error.message.slice(0, 500) : row.last_error)),
      column(({ row, error }) => (unroutable(error) ? backoffDelay(row.attempts + 1, 1_000, 300_000) : null)),
    ],
  );
}
