import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tables of the audit (SPEC §6), in the app's own schema (search_path):
 * - `audit_record`: one row per decision, refusal, dead letter or read of audit data, numbered
 *   1, 2, 3… without gaps and hash-chained (`prev_hash`, `hash`); append-only — a trigger
 *   refuses UPDATE, DELETE and TRUNCATE;
 * - `audit_chain_head`: one row, the last seq and hash with their HMAC. Appends lock it
 *   (`FOR UPDATE`) so that hub instances writing at once extend one chain; it also shows when
 *   the newest records were deleted. It may be updated, never deleted.
 * Person identifiers are a jsonb array `[{system, value}]` under a GIN index (containment), so a
 * person's records are found without reading the table.
 */
export class AuditSchema1764547200000 implements MigrationInterface {
  name = 'AuditSchema1764547200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS audit_record (
        seq                bigint      PRIMARY KEY CHECK (seq > 0),
        recorded_at        timestamptz NOT NULL,
        kind               text        NOT NULL CHECK (kind IN ('decision', 'read', 'refusal-at-ingress', 'dead-letter')),
        outcome            text        NOT NULL CHECK (outcome IN ('delivered', 'refused', 'read', 'dead-lettered')),
        event_id           text,
        event_type         text,
        sender             text,
        recipient          text,
        agreement_id       text,
        agreement_version  integer,
        flow_id            text,
        refusing_rule      text,
        legal_basis        jsonb,
        consent_reference  text,
        removed_elements   jsonb       NOT NULL DEFAULT '[]'::jsonb,
        actor              text,
        person_identifiers jsonb       NOT NULL DEFAULT '[]'::jsonb,
        reason             text,
        prev_hash          text        NOT NULL,
        hash               text        NOT NULL,
        -- The hash covers the timestamp to the millisecond, as the app writes it.
        CONSTRAINT audit_record_recorded_at_millis CHECK (recorded_at = date_trunc('milliseconds', recorded_at))
      )`);
    await runner.query('CREATE INDEX IF NOT EXISTS audit_record_recorded_at_idx ON audit_record (recorded_at)');
    await runner.query('CREATE INDEX IF NOT EXISTS audit_record_sender_idx ON audit_record (sender, seq)');
    await runner.query('CREATE INDEX IF NOT EXISTS audit_record_recipient_idx ON audit_record (recipient, seq)');
    await runner.query('CREATE INDEX IF NOT EXISTS audit_record_event_type_idx ON audit_record (event_type, seq)');
    await runner.query(
      'CREATE INDEX IF NOT EXISTS audit_record_event_id_idx ON audit_record (event_id) WHERE event_id IS NOT NULL',
    );
    await runner.query(
      'CREATE INDEX IF NOT EXISTS audit_record_person_idx ON audit_record USING gin (person_identifiers jsonb_path_ops)',
    );
    await runner.query(`
      CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_record is append-only' USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await runner.query('DROP TRIGGER IF EXISTS audit_record_append_only ON audit_record');
    await runner.query(`
      CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_record
      FOR EACH ROW EXECUTE FUNCTION audit_record_append_only()`);
    await runner.query('DROP TRIGGER IF EXISTS audit_record_no_truncate ON audit_record');
    await runner.query(`
      CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit_record
      FOR EACH STATEMENT EXECUTE FUNCTION audit_record_append_only()`);

    await runner.query(`
      CREATE TABLE IF NOT EXISTS audit_chain_head (
        id        smallint PRIMARY KEY CHECK (id = 1),
        last_seq  bigint   NOT NULL CHECK (last_seq >= 0),
        last_hash text     NOT NULL,
        head_mac  text
      )`);
    // The empty chain: no record, the genesis hash, no MAC (the key is not known here).
    await runner.query(
      `INSERT INTO audit_chain_head (id, last_seq, last_hash, head_mac) VALUES (1, 0, repeat('0', 64), NULL) ON CONFLICT (id) DO NOTHING`,
    );
    await runner.query(`
      CREATE OR REPLACE FUNCTION audit_chain_head_kept() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_chain_head cannot be deleted' USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await runner.query('DROP TRIGGER IF EXISTS audit_chain_head_kept ON audit_chain_head');
    await runner.query(`
      CREATE TRIGGER audit_chain_head_kept BEFORE DELETE ON audit_chain_head
      FOR EACH ROW EXECUTE FUNCTION audit_chain_head_kept()`);
    await runner.query('DROP TRIGGER IF EXISTS audit_chain_head_no_truncate ON audit_chain_head');
    await runner.query(`
      CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
      FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_kept()`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS audit_chain_head');
    await runner.query('DROP FUNCTION IF EXISTS audit_chain_head_kept()');
    await runner.query('DROP TABLE IF EXISTS audit_record');
    await runner.query('DROP FUNCTION IF EXISTS audit_record_append_only()');
  }
}

/** The migrations of the audit; an app passes them to `createAppDataSource({ migrations })`. */
/** Two more kinds of record: `kept-by-hub` (outcome `kept`) and `operator-action` (outcome `performed`). */
export class AuditKinds1764806400000 implements MigrationInterface {
  name = 'AuditKinds1764806400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      'ALTER TABLE audit_record DROP CONSTRAINT audit_record_kind_check, DROP CONSTRAINT audit_record_outcome_check',
    );
    await runner.query(
      `ALTER TABLE audit_record
         ADD CONSTRAINT audit_record_kind_check CHECK (kind IN ('decision', 'read', 'refusal-at-ingress', 'dead-letter', 'kept-by-hub', 'operator-action')),
         ADD CONSTRAINT audit_record_outcome_check CHECK (outcome IN ('delivered', 'refused', 'read', 'dead-lettered', 'kept', 'performed'))`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      'ALTER TABLE audit_record DROP CONSTRAINT audit_record_kind_check, DROP CONSTRAINT audit_record_outcome_check',
    );
    await runner.query(
      `ALTER TABLE audit_record
         ADD CONSTRAINT audit_record_kind_check CHECK (kind IN ('decision', 'read', 'refusal-at-ingress', 'dead-letter')),
         ADD CONSTRAINT audit_record_outcome_check CHECK (outcome IN ('delivered', 'refused', 'read', 'dead-lettered'))`,
    );
  }
}

/**
 * Key ids (keys rotate): each record, and the chain head, names the key its MAC was made under.
 * Records and the head written before are under the first key, `k1` (the key configured alone).
 * The hashed layout is unchanged, so every existing hash stays valid. Adding a column with a
 * constant default rewrites no row, so the append-only triggers are not involved; the default is
 * dropped afterwards, so every append must name its key.
 */
export class AuditKeyIds1767225600000 implements MigrationInterface {
  name = 'AuditKeyIds1767225600000';

  async up(runner: QueryRunner): Promise<void> {
    for (const table of ['audit_record', 'audit_chain_head']) {
      await runner.query(
        `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS key_id text NOT NULL DEFAULT 'k1'
           CONSTRAINT ${table}_key_id_check CHECK (key_id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$')`,
      );
      await runner.query(`ALTER TABLE ${table} ALTER COLUMN key_id DROP DEFAULT`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE audit_chain_head DROP COLUMN IF EXISTS key_id');
    await runner.query('ALTER TABLE audit_record DROP COLUMN IF EXISTS key_id');
  }
}

/** The columns beside the chain: the identifiers and how they were changed. Only these may be updated. */
export const AUDIT_BESIDE_COLUMNS = [
  'person_identifiers',
  'identifiers_change',
  'identifiers_changed_at',
  'identifiers_key_id',
  'identifiers_mac',
] as const;

/**
 * Record format 2 (audit-chain.ts): `format` (1 for every record written before), `person_keys`
 * (the keyed hashes the chain covers) and the change of the identifiers beside it. The
 * append-only trigger now lets an UPDATE through when it changes only the columns beside the
 * chain ({@link AUDIT_BESIDE_COLUMNS}): erasure and rectification. Nothing is recomputed;
 * adding columns with constant defaults rewrites no row.
 */
export class AuditBesideIdentifiers1767830400000 implements MigrationInterface {
  name = 'AuditBesideIdentifiers1767830400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE audit_record
        ADD COLUMN IF NOT EXISTS format smallint NOT NULL DEFAULT 1 CONSTRAINT audit_record_format_check CHECK (format IN (1, 2)),
        ADD COLUMN IF NOT EXISTS person_keys jsonb NOT NULL DEFAULT '[]'::jsonb,
        ADD COLUMN IF NOT EXISTS identifiers_change text
          CONSTRAINT audit_record_identifiers_change_check CHECK (identifiers_change IN ('erased', 'rectified')),
        ADD COLUMN IF NOT EXISTS identifiers_changed_at timestamptz,
        ADD COLUMN IF NOT EXISTS identifiers_key_id text,
        ADD COLUMN IF NOT EXISTS identifiers_mac text,
        ADD CONSTRAINT audit_record_identifiers_change_complete CHECK (
          (identifiers_change IS NULL AND identifiers_changed_at IS NULL AND identifiers_key_id IS NULL AND identifiers_mac IS NULL)
          OR (identifiers_change IS NOT NULL AND identifiers_changed_at = date_trunc('milliseconds', identifiers_changed_at)
              AND identifiers_key_id IS NOT NULL AND identifiers_mac IS NOT NULL))`);
    await runner.query(`
      CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - ${besideColumns()}) = (to_jsonb(NEW) - ${besideColumns()}) THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_record is append-only' USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_record is append-only' USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await runner.query(`
      ALTER TABLE audit_record DROP CONSTRAINT IF EXISTS audit_record_identifiers_change_complete,
        DROP COLUMN IF EXISTS identifiers_mac, DROP COLUMN IF EXISTS identifiers_key_id,
        DROP COLUMN IF EXISTS identifiers_changed_at, DROP COLUMN IF EXISTS identifiers_change,
        DROP COLUMN IF EXISTS person_keys, DROP COLUMN IF EXISTS format`);
  }
}

/**
 * The records that still name a person, in seq order: the retention purge walks them oldest first
 * without reading the ever longer run of records whose identifiers are already erased.
 */
export class AuditIdentifiedIndex1767830400001 implements MigrationInterface {
  name = 'AuditIdentifiedIndex1767830400001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      "CREATE INDEX IF NOT EXISTS audit_record_identified_idx ON audit_record (seq) WHERE person_identifiers <> '[]'::jsonb",
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX IF EXISTS audit_record_identified_idx');
  }
}

function besideColumns(): string {
  return `ARRAY[${AUDIT_BESIDE_COLUMNS.map((column) => `'${column}'`).join(', ')}]`;
}

/** The chain every record belonged to before chains, and where appends go unless they name one. */
export const MAIN_AUDIT_CHAIN = 'main';

/** Records one chain may hold: chain n (head id n) numbers its records from (n − 1) × this + 1. */
export const AUDIT_CHAIN_SEQ_SPAN = 100_000_000_000;

/** The seq before a chain's first record: its empty head's `last_seq`. */
export function auditChainBase(headId: number): number {
  return (headId - 1) * AUDIT_CHAIN_SEQ_SPAN;
}

/** A chain id: lower-case letters and digits, then also `.`, `_` or `-`; at most 32 characters. */
export const AUDIT_CHAIN_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/**
 * Several chains, so that hub instances applying different ingress partitions append at once
 * instead of queueing on one head: `chain_id` on records and on heads. Every existing record and
 * the existing head (id 1) are chain `main`'s; a chain's head row is made by its first append,
 * with an id of its own from a sequence. Each chain numbers its records without gaps from its
 * base, (head id − 1) × {@link AUDIT_CHAIN_SEQ_SPAN}: `main` keeps 1, 2, 3…, so `seq` stays every
 * record's unique number and nothing hashed changes (every record and head keep verifying).
 * Adding columns with constant defaults rewrites no row.
 */
export class AuditChains1768435200000 implements MigrationInterface {
  name = 'AuditChains1768435200000';

  async up(runner: QueryRunner): Promise<void> {
    const chainId = `text NOT NULL DEFAULT '${MAIN_AUDIT_CHAIN}'`;
    const pattern = `'^[a-z0-9][a-z0-9._-]{0,31}$'`;
    await runner.query(
      `ALTER TABLE audit_record ADD COLUMN IF NOT EXISTS chain_id ${chainId} CONSTRAINT audit_record_chain_id_check CHECK (chain_id ~ ${pattern})`,
    );
    await runner.query('CREATE INDEX IF NOT EXISTS audit_record_chain_idx ON audit_record (chain_id, seq)');
    // Search and the timeline read one history across chains, by time then seq.
    await runner.query('CREATE INDEX IF NOT EXISTS audit_record_time_idx ON audit_record (recorded_at, seq)');
    await runner.query(
      `ALTER TABLE audit_chain_head ADD COLUMN IF NOT EXISTS chain_id ${chainId} CONSTRAINT audit_chain_head_chain_id_check CHECK (chain_id ~ ${pattern})`,
    );
    await runner.query('ALTER TABLE audit_chain_head DROP CONSTRAINT IF EXISTS audit_chain_head_id_check');
    await runner.query('ALTER TABLE audit_chain_head ADD CONSTRAINT audit_chain_head_id_check CHECK (id >= 1)');
    await runner.query('CREATE UNIQUE INDEX IF NOT EXISTS audit_chain_head_chain_idx ON audit_chain_head (chain_id)');
    await runner.query(
      'CREATE SEQUENCE IF NOT EXISTS audit_chain_head_id_seq AS smallint MINVALUE 2 OWNED BY audit_chain_head.id',
    );
    await runner.query(`ALTER TABLE audit_chain_head ALTER COLUMN id SET DEFAULT nextval('audit_chain_head_id_seq')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE audit_chain_head ALTER COLUMN id DROP DEFAULT');
    await runner.query('DROP SEQUENCE IF EXISTS audit_chain_head_id_seq');
    await runner.query('DROP INDEX IF EXISTS audit_chain_head_chain_idx');
    await runner.query('ALTER TABLE audit_chain_head DROP COLUMN IF EXISTS chain_id');
    await runner.query('DROP INDEX IF EXISTS audit_record_time_idx');
    await runner.query('DROP INDEX IF EXISTS audit_record_chain_idx');
    await runner.query('ALTER TABLE audit_record DROP COLUMN IF EXISTS chain_id');
  }
}

export const AUDIT_MIGRATIONS = [
  AuditSchema1764547200000,
  AuditKinds1764806400000,
  AuditKeyIds1767225600000,
  AuditBesideIdentifiers1767830400000,
  AuditIdentifiedIndex1767830400001,
  AuditChains1768435200000,
];
