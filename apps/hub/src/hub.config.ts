import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { AUDIT_KEY_ID_PATTERN } from '@cstr/audit';
import { DEFAULT_INGRESS_PARTITIONS, MAX_INGRESS_PARTITIONS } from '@cstr/contracts';
import { BaseAppConfig, ConfigKey, WithRetentionKeys } from '@cstr/platform';
import { AuditKeysValid } from './core/audit-keys.validator';
import { NoShippedPrincipalsInProduction, NotDevOnlyInProduction } from './core/dev-only-secret.validator';
import { PolicyFilesLoad } from './core/policy-files.validator';

/** The hub's keys (HTTP API keys arrive with the HTTP API). `.env.example` lists every key. */
export class HubConfig extends WithRetentionKeys(BaseAppConfig) {
  override HTTP_PORT: number = 3000;

  /**
   * Parallel lanes on `hub.ingress`. A partner-set person key is ignored (only the hub knows the
   * person): the hub orders by the subject's most stable identifier (`subjectLaneKey`), so events
   * naming a person by it are applied in the order received (a consent withdrawal before the next
   * event, from any sender); other people's events run in parallel. 1 orders everything.
   */
  override CONSUMER_LANES: number = 2;

  /**
   * A failed ingress batch is tried again in its lane after 250 ms, 1 s and 5 s, before any later
   * event of that lane, and only then sent to the retry delay queues: a consent withdrawal whose
   * first attempt fails (database down, a deadlock) still applies before the person's later events.
   */
  override IN_PLACE_RETRY_DELAYS_MS: string = '250,1000,5000';

  /**
   * Partitions of the hub's ingress (`hub.ingress.p0`…): every hub instance consumes each one,
   * the broker makes one instance active per partition, so this many instances can apply events
   * at once. It must be the number the broker was provisioned with (`INGRESS_PARTITIONS` of
   * `npm run stack up` / `provision-broker.ts`); change both only with the queues empty.
   */
  @IsInt()
  @Min(1)
  @Max(MAX_INGRESS_PARTITIONS)
  INGRESS_PARTITIONS: number = DEFAULT_INGRESS_PARTITIONS;

  /**
   * How often each hub instance compares the partitions it is active on with its share (the
   * partitions divided by the instances subscribed) and hands the excess to the others, in
   * milliseconds; 0 never (the first instance started then keeps every partition until it stops).
   */
  @IsInt()
  @Min(0)
  @Max(600_000)
  INGRESS_BALANCE_INTERVAL_MS: number = 5_000;

  /** The partners file (SPEC §2); a relative path is read from the project root. */
  @IsString()
  @IsNotEmpty()
  PARTNERS_FILE: string = 'config/partners.yaml';

  /**
   * The folder of information-sharing agreements (SPEC §5); relative to the project root. The
   * partners and agreements are loaded and checked with the config: a bad file stops the hub.
   */
  @IsString()
  @IsNotEmpty()
  @PolicyFilesLoad()
  AGREEMENTS_DIR: string = 'config/agreements';

  /**
   * Secret of the audit hash chain (HMAC, at least 32 characters): key `k1`, the first key, kept
   * after a rotation (its records verify with it); a dev-only default outside production.
   */
  @IsString()
  @MinLength(32)
  @NotDevOnlyInProduction()
  AUDIT_HMAC_KEY: string = 'dev-only-audit-hmac-key-change-me-000000';

  /**
   * The later audit keys, `id:secret,id:secret` oldest first (each secret at least 32 characters),
   * after AUDIT_HMAC_KEY (k1): records made under any of them verify. Keep every key whose records
   * exist. `npm run -s hub:rotate-key -- audit` prints the next value.
   */
  @IsString()
  @AuditKeysValid()
  AUDIT_HMAC_KEYS: string = '';

  /** Id of the key new audit records are made under (default: the last of AUDIT_HMAC_KEYS, or k1). */
  @IsString()
  @ValidateIf((config: HubConfig) => config.AUDIT_HMAC_KEY_ID !== '')
  @Matches(AUDIT_KEY_ID_PATTERN, { message: 'must be a key id: letters, digits, ".", "_" or "-", at most 32' })
  AUDIT_HMAC_KEY_ID: string = '';

  /**
   * Folder of the signed checkpoints of the audit chain heads, outside the database (another disk
   * or host, write-once for the hub's user); a relative path is read from the project root.
   * Required in production; in development it defaults to `.stack/audit-checkpoints/<schema>`,
   * created when missing.
   */
  @ValidateIf((config: HubConfig) => config.NODE_ENV === 'production' || config.AUDIT_CHECKPOINT_DIR !== '')
  @IsString()
  @IsNotEmpty({ message: 'must name the folder of audit checkpoints in production' })
  AUDIT_CHECKPOINT_DIR: string = '';

  /** How often the hub writes a checkpoint of the audit chain heads when one moved, in milliseconds; one is also written at shutdown. */
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  AUDIT_CHECKPOINT_INTERVAL_MS: number = 30_000;

  /** How often each hub instance verifies the whole audit chain for `cstr_hub_audit_verify_ok`, in milliseconds (first at start); 0 = never. */
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  AUDIT_VERIFY_INTERVAL_MS: number = 3_600_000;

  /** Secret of the pseudonymous per-person partition key (at least 16 characters); a dev-only default outside production. */
  @IsString()
  @MinLength(16)
  @NotDevOnlyInProduction()
  PARTITION_KEY_SECRET: string = 'dev-only-partition-key-secret';

  /** Id of PARTITION_KEY_SECRET, logged at start so that a rotation (`npm run -s hub:rotate-key -- partition`) can be followed. */
  @Matches(AUDIT_KEY_ID_PATTERN, { message: 'must be a key id: letters, digits, ".", "_" or "-", at most 32' })
  PARTITION_KEY_ID: string = 'p1';

  /**
   * Partner kinds trusted to say that the identifiers of an event's subject belong together
   * (only their events link new identifiers or merge persons), comma-separated. Default: the
   * systems of record of each identifier — courts (PNC/CRO/defendant id), probation (CRN) and
   * the GP registration service (NHS number).
   */
  @Matches(/^(hmcts|ld|probation|mh-provider|gp)?(,(hmcts|ld|probation|mh-provider|gp))*$/, {
    message: 'must be comma-separated partner kinds (hmcts, ld, probation, mh-provider, gp)',
  })
  IDENTITY_TRUSTED_KINDS: string = 'hmcts,probation,gp';

  /**
   * Who may call the HTTP API: ids, roles, partner ids and scrypt hashes of their secrets (never
   * secrets); relative to the project root. The default is the shipped demo file, which production
   * refuses (as it does any demo principal or `dev-only-<id>` secret): point it at your own.
   */
  @IsString()
  @IsNotEmpty()
  @NoShippedPrincipalsInProduction()
  PRINCIPALS_FILE: string = 'config/principals.yaml';

  /**
   * How long `POST /fhir/$process-message` waits for the queued event to be applied before it
   * answers (0: answer at once). Once it answers, the event is ahead of whatever the partner sends next.
   */
  @IsInt()
  @Min(0)
  PROCESS_MESSAGE_WAIT_MS: number = 10_000;

  /** Largest HTTP request body accepted (e.g. 1mb, 512kb); larger bodies are answered 413. */
  @Matches(/^\d+(b|kb|mb)$/, { message: 'must be a size such as 1mb or 512kb' })
  HTTP_BODY_LIMIT: string = '1mb';

  /** Failed logins allowed per principal id within LOGIN_WINDOW_MS before that id is refused (429) for the rest of the window. */
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES: number = 10;

  /** The window of LOGIN_MAX_FAILURES and LOGIN_MAX_FAILURES_PER_ADDRESS, in milliseconds. */
  @IsInt()
  @Min(1000)
  LOGIN_WINDOW_MS: number = 900_000;

  /**
   * Failed logins allowed per source address (any ids) within LOGIN_WINDOW_MS before that address
   * is refused (429) for the rest of the window. Behind a proxy every caller has the proxy's address.
   */
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOGIN_MAX_FAILURES_PER_ADDRESS: number = 50;

  /**
   * scrypt computations (logins, hashing) run at once: each holds a libuv thread and 32 MiB, and
   * libuv has 4 threads, so file and DNS work keeps the rest.
   */
  @IsInt()
  @Min(1)
  @Max(16)
  LOGIN_HASH_CONCURRENCY: number = 2;

  /** scrypt computations that may wait for a place; beyond that a login is answered 503 at once. */
  @IsInt()
  @Min(0)
  @Max(10_000)
  LOGIN_HASH_QUEUE: number = 128;

  /** A console session unused for this long ends, in milliseconds (default 15 minutes). */
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  CONSOLE_SESSION_IDLE_MS: number = 900_000;

  /** A console session ends this long after sign-in however much it is used, in milliseconds (default 8 hours). */
  @IsInt()
  @Min(1000)
  @Max(604_800_000)
  CONSOLE_SESSION_MAX_MS: number = 28_800_000;

  /**
   * `Secure` on the console's session cookie: `on` (always; the default in production), `off`,
   * or `auto` (when the request came over HTTPS; the default elsewhere, as the local stack serves
   * plain HTTP on 127.0.0.1). Behind a proxy that terminates TLS, set `on`.
   */
  @ConfigKey()
  @IsOptional()
  @IsIn(['on', 'off', 'auto'])
  CONSOLE_COOKIE_SECURE?: 'on' | 'off' | 'auto';

  /**
   * The hub's origin as browsers reach it (e.g. https://hub.example.org), when behind a proxy:
   * state-changing console requests must carry it as `Origin`. Unset: the request's own Host.
   */
  @ConfigKey()
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/]+$/, {
    message: 'must be an http(s) origin without a path, e.g. https://hub.example.org',
  })
  HUB_PUBLIC_ORIGIN?: string;

  /**
   * `on`: the hub moves what lands in `hub.ingress.dlq` into its dead-letter table (GET /dead-letters,
   * replay). `off`: dead letters stay in the broker queue (to inspect them there, or for a test that does).
   */
  @IsIn(['on', 'off'])
  DEAD_LETTER_DRAIN: 'on' | 'off' = 'on';

  /** The pathway deadlines (SPEC §8): timescales per step; relative to the project root. A bad file stops the hub, naming the key. */
  @IsString()
  @IsNotEmpty()
  PATHWAY_FILE: string = 'config/pathway.yaml';

  /** How often the hub looks for due deadlines and candidate notices to send, in milliseconds; 0 turns the scheduler off. */
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  PATHWAY_SCHEDULER_INTERVAL_MS: number = 5_000;

  /** The most missed deadlines (and, apart, candidate notices) one scheduler run sends; the rest wait for the next run. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  PATHWAY_SCHEDULER_BATCH: number = 200;
}

/** Whether the console's session cookie is Secure (CONSOLE_COOKIE_SECURE, by default `on` in production, else `auto`). */
export function consoleCookieSecurity(
  config: Pick<HubConfig, 'CONSOLE_COOKIE_SECURE' | 'NODE_ENV'>,
): 'on' | 'off' | 'auto' {
  return config.CONSOLE_COOKIE_SECURE ?? (config.NODE_ENV === 'production' ? 'on' : 'auto');
}
