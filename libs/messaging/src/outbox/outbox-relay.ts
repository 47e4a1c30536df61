import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { safeErrorText } from '@cstr/contracts';
import { backoffDelay, sleep } from '../backoff';
import { UnroutableMessageError } from '../messaging.errors';
import { ConfirmedPublisher } from '../publisher/confirmed-publisher';
import { OutboxCommitListener } from './outbox-commit-listener';

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
}

/**
 * Publishes committed outbox rows with publisher confirms and deletes each row once the broker
 * has confirmed it (deleting, rather than updating a flag, keeps the table small and writes no
 * second copy of the body).
 * Rows are claimed with `FOR UPDATE SKIP LOCKED`, so several relays (several instances of an app)
 * share the work without publishing a row twice while both live. A relay killed between the
 * broker's confirm and its own commit publishes those rows again after restart: delivery is
 * at least once, and consumers de-duplicate by event id.
 * The relay listens for the NOTIFY of {@link Outbox.add}, so a commit wakes it at once; it still
 * polls when idle, in case its listening connection is lost.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly stopSignal = new AbortController();
  private wake: (() => void) | undefined;
  private pending = false;
  private loop: Promise<void> | undefined;
  private listenFailed = false;
  private readonly commits: OutboxCommitListener;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: ConfirmedPublisher,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.commits = new OutboxCommitListener(dataSource, () => {
      this.pending = true;
      this.wake?.();
    });
  }

  /** Starts relaying in the background. */
  start(): void {
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

  /** Claims one batch, publishes it, deletes what the broker confirmed. Returns rows sent. */
  private async relayBatch(): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const rows = (await runner.query(
        `SELECT id, event_id, message_type, exchange, routing_key, correlation_id, traceparent, headers, content_type, body, created_at, attempts
           FROM messaging_outbox
          WHERE next_attempt_at <= now()
          ORDER BY id
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [this.options.batchSize ?? 500],
      )) as OutboxRow[];
      if (rows.length === 0) {
        await runner.commitTransaction();
        return 0;
      }
      const results = await this.publisher.publishAll(
        rows.map((row) => ({
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
        })),
      );
      const sent = rows.filter((_, index) => results[index].status === 'fulfilled').map((row) => row.id);
      if (sent.length > 0) await runner.query('DELETE FROM messaging_outbox WHERE id = ANY($1::bigint[])', [sent]);
      const failed = rows.flatMap((row, index) => {
        const result = results[index];
        return result.status === 'rejected' ? [{ row, error: result.reason as Error }] : [];
      });
      // A row nobody can receive (no queue bound) backs off on its own; it must not hold the others up.
      for (const { row, error } of failed.filter((entry) => entry.error instanceof UnroutableMessageError)) {
        const delayMs = backoffDelay(row.attempts + 1, 1_000, 300_000);
        await runner.query(
          `UPDATE messaging_outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + ($3 || ' milliseconds')::interval WHERE id = $1`,
          [row.id, error.message.slice(0, 500), String(delayMs)],
        );
      }
      await runner.commitTransaction();
      const brokerFailure = failed.find((entry) => !(entry.error instanceof UnroutableMessageError));
      // The broker is down or refused: the rest stay unsent and the loop backs off as a whole.
      if (brokerFailure) throw brokerFailure.error;
      return sent.length;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }
}
