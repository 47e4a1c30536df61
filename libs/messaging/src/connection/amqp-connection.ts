import { X509Certificate } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import * as amqp from 'amqplib';
import { safeErrorText } from '@cstr/contracts';
import { backoffDelay, sleep } from '../backoff';
import { connectAmqp } from './amqp-tls';
import { BrokerUnavailableError, MessagingClosedError } from '../messaging.errors';

/** Options of {@link AmqpConnection}. */
export interface AmqpConnectionOptions {
  /**
   * `amqps://user:password@host:port/vhost` (or `amqp://`, in clear, only when a user gives one);
   * never logged as given (it holds a password). TLS settings in its query: see {@link connectAmqp}.
   * Several brokers (the nodes of a cluster): their URLs separated by commas, all with the same
   * user (see {@link brokerUrls}); the connection goes to the first that answers and, when lost,
   * to the next one.
   */
  url: string;
  /** The CA to trust for an `amqps://` URL that names none (`cacertfile`): an app's `TLS_CA_FILE`. */
  caFile?: string;
  /** Name shown in the broker's management UI for this connection. */
  connectionName: string;
  /** First reconnect delay; doubles per failed attempt up to {@link reconnectMaxMs}. Default 250 ms. */
  reconnectBaseMs?: number;
  /** Longest reconnect delay. Default 10 s. */
  reconnectMaxMs?: number;
  /** AMQP heartbeat in seconds, so a dead broker is noticed. Default 10. */
  heartbeatSeconds?: number;
  /**
   * How long one connection attempt may take before the next address is tried. Default: the
   * system's TCP timeout with one URL, 10 s with several (a node that does not answer at all
   * must not hold up the others).
   */
  connectTimeoutMs?: number;
}

/** Connection attempt timeout with several broker addresses (see {@link AmqpConnectionOptions.connectTimeoutMs}). */
const MULTI_BROKER_CONNECT_TIMEOUT_MS = 10_000;

type ConnectedListener = (connection: amqp.ChannelModel) => Promise<void> | void;

/**
 * One AMQP connection that keeps itself alive: it reconnects with exponential back-off after
 * losing the broker and re-runs every registered {@link onConnected} set-up (consumers
 * re-subscribe, publishers reopen their channels). Emits `connected` and `disconnected`.
 *
 * With several broker URLs (a cluster) it tries them in turn: the first connection goes to the
 * first that answers; after a loss it starts with the address after the lost one, so a stopped
 * node is tried last. Only after every address has failed does it back off.
 */
export class AmqpConnection extends EventEmitter {
  private readonly logger = new Logger(AmqpConnection.name);
  private connection: amqp.ChannelModel | undefined;
  private readonly setups = new Set<ConnectedListener>();
  private readonly closing = new AbortController();
  private connectLoop: Promise<void> | undefined;
  private readonly urls: readonly string[];
  /** Index in {@link urls} of the address tried next. */
  private nextUrl = 0;
  /** Index in {@link urls} of the open connection's address. */
  private connectedUrl: number | undefined;

  constructor(private readonly options: AmqpConnectionOptions) {
    super();
    this.urls = brokerUrls(options.url);
    const users = new Set(this.urls.map(brokerUserOf));
    if (users.size > 1) throw new Error('Every broker URL of one connection must log in as the same user');
  }

  /** The broker address(es) without credentials, for logs. */
  get safeUrl(): string {
    return this.urls.map(redactUrl).join(',');
  }

  /** The address of the open connection without credentials (for logs and tests), or undefined. */
  get connectedAddress(): string | undefined {
    return this.connection && this.connectedUrl !== undefined ? redactUrl(this.urls[this.connectedUrl]) : undefined;
  }

  /**
   * The broker user this connection authenticates as: the user name of the URL (amqplib's
   * `guest` when it has none). Every message published through it carries it as the AMQP
   * `user-id`, which RabbitMQ checks against the connection's user, so a consumer may believe it.
   */
  get brokerUser(): string {
    return brokerUserOf(this.urls[0]);
  }

  /** True while a connection is open. */
  isConnected(): boolean {
    return this.connection !== undefined;
  }

  /**
   * Starts connecting in the background (retrying for ever until {@link close}).
   * Resolves once connected the first time, or rejects after `firstConnectTimeoutMs`.
   */
  async start(firstConnectTimeoutMs = 30_000): Promise<void> {
    this.connectLoop ??= this.keepConnected();
    await this.waitUntilConnected(firstConnectTimeoutMs);
  }

  /** Registers a set-up run now (if connected) and after every reconnect. Returns a remover. */
  onConnected(listener: ConnectedListener): () => void {
    this.setups.add(listener);
    if (this.connection) void this.runListener(listener, this.connection);
    return () => this.setups.delete(listener);
  }

  /** The open connection, waiting for a reconnect up to `timeoutMs`. */
  async waitUntilConnected(timeoutMs: number): Promise<amqp.ChannelModel> {
    if (this.closing.signal.aborted) throw new MessagingClosedError('AMQP connection is closed');
    if (this.connection) return this.connection;
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      await once(this, 'connected', { signal: AbortSignal.any([timeout, this.closing.signal]) });
    } catch {
      if (this.closing.signal.aborted) throw new MessagingClosedError('AMQP connection is closed');
      throw new BrokerUnavailableError(`No connection to ${this.safeUrl} within ${timeoutMs} ms`);
    }
    if (!this.connection) throw new BrokerUnavailableError(`Connection to ${this.safeUrl} was lost again`);
    return this.connection;
  }

  /** Closes the connection and stops reconnecting. */
  async close(): Promise<void> {
    this.closing.abort();
    const connection = this.connection;
    this.connection = undefined;
    if (connection) {
      try {
        await connection.close();
      } catch {
        // already gone: nothing more to release
      }
    }
    await this.connectLoop;
  }

  private async keepConnected(): Promise<void> {
    let failures = 0;
    while (!this.closing.signal.aborted) {
      const index = this.nextUrl;
      const address = redactUrl(this.urls[index]);
      try {
        const connection = await this.connectTo(this.urls[index]);
        failures = 0;
        const closed = new Promise<void>((resolve) => {
          connection.on('close', () => resolve());
          // 'error' is always followed by 'close'; listening stops it from crashing the process.
          connection.on('error', (error: Error) => this.logger.warn(`AMQP connection error: ${error.message}`));
        });
        if (this.closing.signal.aborted) {
          await connection.close().catch(() => undefined);
          return;
        }
        this.connection = connection;
        this.connectedUrl = index;
        this.logger.log(`Connected to ${address} as ${this.options.connectionName}`);
        for (const listener of this.setups) await this.runListener(listener, connection);
        this.emit('connected');
        await closed;
        this.connection = undefined;
        this.connectedUrl = undefined;
        if (this.closing.signal.aborted) return;
        this.nextUrl = (index + 1) % this.urls.length;
        this.logger.warn(`Lost the connection to ${address}; reconnecting`);
        this.emit('disconnected');
      } catch (error) {
        failures += 1;
        this.nextUrl = (index + 1) % this.urls.length;
        // Every address of a round is tried at once; the back-off comes between rounds.
        if (failures % this.urls.length !== 0) continue;
        await this.backOff(failures / this.urls.length, error as Error);
      }
    }
  }

  private connectTo(url: string): Promise<amqp.ChannelModel> {
    const timeoutMs =
      this.options.connectTimeoutMs ?? (this.urls.length > 1 ? MULTI_BROKER_CONNECT_TIMEOUT_MS : undefined);
    return connectAmqp(url, {
      caFile: this.options.caFile,
      clientProperties: { connection_name: this.options.connectionName },
      heartbeatSeconds: this.options.heartbeatSeconds ?? 10,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
  }

  /** Waits before the next round of connection attempts (`round` rounds have failed). */
  private async backOff(round: number, error: Error): Promise<void> {
    const delay = backoffDelay(round, this.options.reconnectBaseMs ?? 250, this.options.reconnectMaxMs ?? 10_000);
    if (round === 1 || round % 10 === 0) {
      this.logger.warn(`Cannot reach ${this.safeUrl} (${error.message}); retry ${round} in ${delay} ms`);
    }
    await sleep(delay, this.closing.signal);
  }

  private async runListener(listener: ConnectedListener, connection: amqp.ChannelModel): Promise<void> {
    try {
      await listener(connection);
    } catch (error) {
      // A failed set-up (e.g. a missing queue) is logged; the owner retries on its own channel events.
      this.logger.error(`Set-up after connecting failed: ${safeErrorText(error)}`);
    }
  }
}

/**
 * The broker URLs of a connection setting (`RABBITMQ_URL`): one URL, or several separated by
 * commas (the nodes of a cluster, tried in this order), blanks around them ignored. A comma
 * inside one URL (in a password) must be percent-encoded (`%2C`).
 */
export function brokerUrls(setting: string): string[] {
  const urls = setting
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  if (urls.length === 0) throw new Error('No broker URL given');
  return urls;
}

/**
 * The user name an AMQP URL authenticates with (`guest`, amqplib's default, when it names none);
 * with `auth_mechanism=external`, the common name of its client certificate.
 */
export function brokerUserOf(url: string): string {
  try {
    const parsed = new URL(url);
    const certFile = parsed.searchParams.get('certfile');
    if (parsed.searchParams.get('auth_mechanism')?.toLowerCase() === 'external' && certFile) {
      return certificateCommonName(certFile);
    }
    return decodeURIComponent(parsed.username) || 'guest';
  } catch {
    return 'guest';
  }
}

/** `amqps://user:secret@host/vhost?cacertfile=…` → `amqps://user@host/vhost` (no password, no query). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}

/** The CN of a PEM certificate's subject (RabbitMQ's `ssl_cert_login_from = common_name`). */
function certificateCommonName(certFile: string): string {
  const subject = new X509Certificate(readFileSync(certFile)).subject;
  const cn = subject.split('\n').find((part) => part.startsWith('CN='));
  if (!cn) throw new Error(`${certFile} has no common name`);
  return cn.slice(3);
}
