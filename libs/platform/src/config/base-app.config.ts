import { IsIP, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { PARTNER_ID_PATTERN } from '@cstr/contracts';
import { BROKER_URL_LIST_PATTERN, OneBrokerUser } from './broker-urls.validator';
import { ConfigKey } from './load-config';

/**
 * Keys every app reads. Apps extend this class with their own keys and their own defaults
 * (the HTTP port, the schema). `.env.example` lists every key.
 */
export class BaseAppConfig {
  /**
   * The broker, with this app's own user: `amqps://user:password@host:port/cstr` (TLS options in
   * its query: see `connectAmqp`). The nodes of a cluster: their URLs separated by commas, all with
   * the same user; the app connects to the first that answers and moves to the next when it goes.
   */
  @ConfigKey()
  @Matches(BROKER_URL_LIST_PATTERN, {
    message: 'must be an amqp:// or amqps:// URL, or several separated by commas (a cluster)',
  })
  @OneBrokerUser()
  RABBITMQ_URL!: string;

  /**
   * PostgreSQL, with this app's own runtime role: `postgres://cstr_<app>:password@host:port/database`.
   * It reads and writes the app's tables; it owns nothing (README, "Database roles").
   */
  @ConfigKey()
  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL!: string;

  /**
   * PostgreSQL with the role that owns this app's schema (`cstr_<app>_owner`): the migrations run
   * as it at boot, then it grants the runtime role of DATABASE_URL its privileges. Unset: the
   * migrations run as DATABASE_URL's role (one role for both, e.g. tests with a superuser).
   */
  @ConfigKey()
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'must be a postgres:// URL' })
  DATABASE_MIGRATION_URL?: string;

  /** The schema holding this app's tables; defaults to the instance name in snake case. */
  @ConfigKey()
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]*$/, { message: 'must be a lower-case SQL identifier' })
  DATABASE_SCHEMA?: string;

  /**
   * The CA (PEM file) trusted for an `amqps://` RABBITMQ_URL that names none (`cacertfile`) and for
   * a DATABASE_URL with `sslmode=verify-full` and no `sslrootcert`; unset: the system's CAs. The
   * local stack writes its own into `stack.env`.
   */
  @ConfigKey()
  @IsOptional()
  @IsString()
  TLS_CA_FILE?: string;

  /**
   * HTTPS: the certificate chain (PEM) the HTTP server serves, with HTTPS_KEY_FILE (both or
   * neither). Unset: plain HTTP, for loopback or behind a TLS-terminating proxy (README).
   */
  @ConfigKey()
  @IsOptional()
  @IsString()
  HTTPS_CERT_FILE?: string;

  /** HTTPS: the private key (PEM) of HTTPS_CERT_FILE. */
  @ConfigKey()
  @IsOptional()
  @IsString()
  HTTPS_KEY_FILE?: string;

  /** Interface the HTTP server binds; loopback unless deliberately exposed. */
  @IsIP()
  HTTP_HOST: string = '127.0.0.1';

  @IsInt()
  @Min(0)
  @Max(65535)
  HTTP_PORT: number = 3000;

  /** Back-off before each retry of a failed message, comma-separated milliseconds; then the DLQ. */
  @Matches(/^\d+(,\d+)*$/, { message: 'must be comma-separated milliseconds, e.g. 1000,5000,30000' })
  RETRY_DELAYS_MS: string = '1000,5000,30000,120000,600000';

  /**
   * Ordered retries in place, comma-separated milliseconds (empty: none): a batch that fails is
   * tried again in its lane after each delay, before any later message of that lane, and only
   * then sent to the retry delay queues (RETRY_DELAYS_MS). The hub sets some by default.
   */
  @Matches(/^(\d+(,\d+)*)?$/, { message: 'must be empty or comma-separated milliseconds, e.g. 250,1000,5000' })
  IN_PLACE_RETRY_DELAYS_MS: string = '';

  /**
   * Largest message body this app's consumer accepts, in bytes (default 1 MiB): a larger one is
   * dead-lettered with code `too-large` before it is parsed. The broker's `max_message_size`
   * should be the same.
   */
  @IsInt()
  @Min(1024)
  @Max(536_870_912)
  MAX_MESSAGE_BYTES: number = 1_048_576;

  /** Unacknowledged messages the broker may push ahead to this app. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  PREFETCH: number = 200;

  /**
   * Batches this app processes at once. Events about the same person (same partition key)
   * stay in order in one lane; others run in parallel.
   */
  @IsInt()
  @Min(1)
  @Max(64)
  CONSUMER_LANES: number = 4;

  /** How long a graceful shutdown may take before the process exits anyway. */
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS: number = 15_000;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  @IsOptional()
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';
}

/** Keys of an adapter app: one instance serves one partner (its broker user, inbox and schema). */
export class PartnerAdapterConfig extends BaseAppConfig {
  /** The partner this instance serves, as in `config/partners.yaml`. */
  @ConfigKey()
  @Matches(PARTNER_ID_PATTERN, {
    message: 'must be a partner id from config/partners.yaml (lower-case words joined by hyphens)',
  })
  PARTNER_ID!: string;

  /**
   * Where the partner sandbox is when not at `http://127.0.0.1:3200` (Docker Compose:
   * `http://partner-sandbox:3200`): the partners file's sandbox URLs are moved there.
   */
  @ConfigKey()
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+$/, {
    message: 'must be an http(s) origin without a path, e.g. http://partner-sandbox:3200',
  })
  SANDBOX_BASE_URL?: string;
}

/** A config class to extend (Nest's mixin shape: a constructor of any arguments). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript requires any[] of a mixin's base constructor
type ConfigClass = new (...args: any[]) => object;

/**
 * Adds the keys of an app that purges what the retention file says is due (README "Retention"):
 * the file, how often the purge runs and how many rows one batch claims. Used as
 * `class HubConfig extends WithRetentionKeys(BaseAppConfig)`.
 */
export function WithRetentionKeys<TBase extends ConfigClass>(Base: TBase) {
  class RetentionKeys extends Base {
    /** How long each class of data is kept, relative to the project root. A bad file stops the app. */
    @IsString()
    @IsNotEmpty()
    RETENTION_FILE: string = 'config/retention.yaml';

    /** How often the app purges what is due under the retention file, in milliseconds; 0 turns the purge off. */
    @IsInt()
    @Min(0)
    @Max(604_800_000)
    RETENTION_PURGE_INTERVAL_MS: number = 3_600_000;

    /** Rows one purge batch claims (`FOR UPDATE SKIP LOCKED`); a run deletes at most 20 batches (per class). */
    @IsInt()
    @Min(1)
    @Max(10_000)
    RETENTION_PURGE_BATCH: number = 500;
  }
  return RetentionKeys;
}

/** The in-place retry delays of a config, as numbers (empty: none). */
export function inPlaceRetryDelays(config: BaseAppConfig): number[] {
  return config.IN_PLACE_RETRY_DELAYS_MS ? config.IN_PLACE_RETRY_DELAYS_MS.split(',').map(Number) : [];
}

/** The retry schedule of a config, as numbers. */
export function retryDelays(config: BaseAppConfig): number[] {
  return config.RETRY_DELAYS_MS.split(',').map(Number);
}
