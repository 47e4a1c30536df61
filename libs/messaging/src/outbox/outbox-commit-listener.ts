import type { Notification, PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * The NOTIFY channel of the outbox of the current schema: each app's relays hear only their own
 * app's commits. Cut to the 63 bytes PostgreSQL allows a channel name.
 */
export const OUTBOX_CHANNEL_SQL = `left('messaging_outbox.' || current_schema(), 63)`;

/**
 * Hears the NOTIFY that {@link Outbox.add} issues, on a database connection of its own. PostgreSQL
 * delivers a notification only once the transaction that issued it has committed (never for a
 * rollback or a savepoint rolled back), so each one means committed rows the relay can see.
 */
export class OutboxCommitListener {
  private runner: QueryRunner | undefined;
  private connection: PoolClient | undefined;
  private channel = '';

  constructor(
    private readonly dataSource: DataSource,
    private readonly onCommit: () => void,
  ) {}

  /** Listens, unless it already does (again after its connection was lost). */
  async ensureListening(): Promise<void> {
    if (this.runner && !this.runner.isReleased) return;
    const runner = this.dataSource.createQueryRunner();
    try {
      const connection = (await runner.connect()) as PoolClient;
      const [{ channel }] = (await runner.query(`SELECT ${OUTBOX_CHANNEL_SQL} AS channel`)) as { channel: string }[];
      await runner.query(`LISTEN ${quoteIdentifier(channel)}`);
      this.channel = channel;
      connection.on('notification', this.heard);
      this.runner = runner;
      this.connection = connection;
    } catch (error) {
      await runner.release();
      throw error;
    }
  }

  /** Stops listening and gives the connection back. */
  async close(): Promise<void> {
    const { runner, connection } = this;
    this.runner = undefined;
    this.connection = undefined;
    connection?.removeListener('notification', this.heard);
    if (!runner || runner.isReleased) return;
    // The pool hands the connection out again: it must not keep listening.
    await runner.query('UNLISTEN *').catch(() => undefined);
    await runner.release();
  }

  private readonly heard = (notification: Notification): void => {
    if (notification.channel === this.channel) this.onCommit();
  };
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
