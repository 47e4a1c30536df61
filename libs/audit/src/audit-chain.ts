/**
 * The hash chain: each record's hash is an HMAC-SHA256, under a key from configuration, of the
 * hash of the record before and the record's own canonical JSON (its seq included). Editing,
 * reordering or deleting records, or inserting one without the key, breaks the chain where it
 * happened. The chain head (last seq and hash) carries its own HMAC, so deleting the newest
 * records is seen too; signed checkpoints kept outside the database (audit-checkpoint.ts) show a
 * head of any chain moved back by someone who can write the database.
 *
 * Keys have ids and rotate: each record names the key it was made under (`key_id`), and the
 * verifier takes a ring of keys, oldest first. The key id is not part of the hashed text (the
 * layout of format 1 is unchanged): a record that names another key than its own fails because
 * its MAC does not verify under that key.
 *
 * Formats: a format 1 record hashes the person's identifiers themselves. A format 2 record (every
 * record appended since) hashes only their keyed hashes (`personKeys`, HMACs under the record's
 * key) and keeps the identifiers beside the chain, so that they can be erased or rectified
 * without breaking it: an identifiers change carries a MAC of its own ({@link
 * AuditChainKey.identifiersMac}), over the new identifiers and everything the record's hash
 * covers, made by the hub when it changes them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson, type JsonValue } from './canonical-json';
import type { AuditIdentifiersChangeKind, AuditPersonIdentifier, AuditRecord } from './audit-record.types';

/** What an identifiers change MAC covers besides the record: the kind, when, and the identifiers after it. */
export interface IdentifiersChangeContent {
  readonly kind: AuditIdentifiersChangeKind;
  readonly at: Date;
  readonly personIdentifiers: readonly AuditPersonIdentifier[];
}

/** `prev_hash` of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** Version of the first hashed layout (identifiers hashed as they are); part of every hashed text, so layouts cannot be confused. */
export const AUDIT_HASH_FORMAT = 1;

/** The layout records are appended in: identifiers committed through their keyed hashes, kept beside the chain. */
export const AUDIT_RECORD_FORMAT = 2;

/** Layout of a checkpoint of every chain's head (a checkpoint of chain `main` alone is {@link AUDIT_HASH_FORMAT}). */
export const AUDIT_CHAINS_CHECKPOINT_FORMAT = 2;

/** The hashed layouts a record may be in. */
export type AuditRecordFormat = typeof AUDIT_HASH_FORMAT | typeof AUDIT_RECORD_FORMAT;

/** Shortest key accepted: the HMAC is only as strong as its key. */
export const MIN_AUDIT_KEY_BYTES = 32;

/** Raised at start-up when the configured audit key is missing or too short. */
export class AuditKeyError extends Error {
  readonly code = 'audit-key-invalid';
  constructor(reason: string) {
    super(`Audit chain key: ${reason}`);
    this.name = 'AuditKeyError';
  }
}

/** The fields of a record that are hashed: everything but the chain links, the key id and an identifiers change. */
export type ChainedContent = Omit<AuditRecord, 'prevHash' | 'hash' | 'keyId' | 'identifiersChange'>;

/** A key id: a letter or digit, then letters, digits, `.`, `_` or `-`; at most 32 characters. */
export const AUDIT_KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/** The id of the first key: records written before keys had ids, and a key configured alone. */
export const FIRST_AUDIT_KEY_ID = 'k1';

/** The secret key of the chain, checked once, with its id. */
export class AuditChainKey {
  private readonly key: Buffer;

  /** `key`: at least {@link MIN_AUDIT_KEY_BYTES} bytes (a string is taken as UTF-8). */
  constructor(
    key: string | Buffer,
    readonly id: string = FIRST_AUDIT_KEY_ID,
  ) {
    if (!AUDIT_KEY_ID_PATTERN.test(id))
      throw new AuditKeyError(`the key id "${id}" must be letters, digits, ".", "_" or "-" (at most 32)`);
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    if (bytes.length < MIN_AUDIT_KEY_BYTES)
      throw new AuditKeyError(`key ${id} needs at least ${MIN_AUDIT_KEY_BYTES} bytes, got ${bytes.length}`);
    this.key = bytes;
  }

  /** The hash of `record` chained after `prevHash` (hex). */
  recordHash(prevHash: string, record: ChainedContent): string {
    return this.mac(`${prevHash}\n${canonicalJson(hashedContent(record))}`);
  }

  /**
   * The keyed hash of one person identifier, which a format 2 record's hash covers in its place:
   * the same identifier gives the same key under the same audit key, and nobody without the key
   * can tell which identifier it stands for.
   */
  personKey(identifier: AuditPersonIdentifier): string {
    return this.mac(`person\n${identifier.system}\n${identifier.value}`);
  }

  /**
   * The MAC of a change of a record's identifiers (erased or rectified): over the record's seq,
   * hash and hashed content without its identifiers, and the change itself. It stands for the
   * identifiers in verification once they changed.
   */
  identifiersMac(record: ChainedContent & { readonly hash: string }, change: IdentifiersChangeContent): string {
    const { personIdentifiers: _old, ...content } = hashedContent(record) as Record<string, JsonValue>;
    return this.mac(
      `identifiers\n${record.seq}\n${record.hash}\n${canonicalJson(content)}\n${canonicalJson({
        kind: change.kind,
        at: change.at.toISOString(),
        personIdentifiers: change.personIdentifiers.map(({ system, value }) => ({ system, value })),
      })}`,
    );
  }

  /** The MAC of the chain head (last seq and its hash). */
  headMac(lastSeq: number, lastHash: string): string {
    return this.mac(`head\n${AUDIT_HASH_FORMAT}\n${lastSeq}\n${lastHash}`);
  }

  /** The MAC of a checkpoint of chain `main`'s head alone (format 1, see audit-checkpoint.ts). */
  checkpointMac(seq: number, hash: string, at: string): string {
    return this.mac(`checkpoint\n${AUDIT_HASH_FORMAT}\n${this.id}\n${seq}\n${hash}\n${at}`);
  }

  /**
   * The MAC of a checkpoint of every chain's head at once (see audit-checkpoint.ts): over the
   * time, the key id and each chain's id, last seq and hash, in the order given. Chain ids hold no
   * line break (the caller checks them), so no two lists of heads give the same text.
   */
  chainsCheckpointMac(at: string, heads: readonly { chain: string; seq: number; hash: string }[]): string {
    const lines = heads.map((head) => `${head.chain}\n${head.seq}\n${head.hash}`);
    return this.mac(`checkpoint-chains\n${AUDIT_CHAINS_CHECKPOINT_FORMAT}\n${this.id}\n${at}\n${lines.join('\n')}`);
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text, 'utf8').digest('hex');
  }
}

/** One entry of a key ring: an id and its secret. */
export interface AuditKeyEntry {
  readonly id: string;
  readonly secret: string | Buffer;
}

/**
 * The keys of the chain, oldest first, and the one new records are made under. Records made
 * under an earlier key still verify; a key, once followed by a later one in the chain, is never
 * used again, so a retired key that leaks cannot extend the chain. Never drop a key from the
 * ring while records made under it exist.
 */
export class AuditKeyRing {
  private readonly keys: readonly AuditChainKey[];
  /** The key new records are made under (unless the chain already moved on to a later one). */
  readonly current: AuditChainKey;

  /** `entries` (or keys) oldest first; `currentId` defaults to the last. Throws {@link AuditKeyError}. */
  constructor(entries: readonly (AuditKeyEntry | AuditChainKey)[], currentId?: string) {
    if (entries.length === 0) throw new AuditKeyError('the key ring is empty');
    const keys: AuditChainKey[] = [];
    for (const entry of entries) {
      if (keys.some((key) => key.id === entry.id)) throw new AuditKeyError(`the key id ${entry.id} is used twice`);
      keys.push(entry instanceof AuditChainKey ? entry : new AuditChainKey(entry.secret, entry.id));
    }
    this.keys = keys;
    const current = currentId === undefined ? keys[keys.length - 1] : keys.find((key) => key.id === currentId);
    if (!current)
      throw new AuditKeyError(`the current key id ${currentId} is not in the ring (${this.ids.join(', ')})`);
    this.current = current;
  }

  /**
   * Parses `id:secret,id:secret,…` (oldest first; a secret may not hold a comma). Throws
   * {@link AuditKeyError} naming what is wrong, never a secret.
   */
  static parse(text: string, currentId?: string): AuditKeyRing {
    return new AuditKeyRing(parseAuditKeyEntries(text), currentId);
  }

  /** A ring of one key (the single-key configuration); its id defaults to {@link FIRST_AUDIT_KEY_ID}. */
  static single(secret: string | Buffer, id: string = FIRST_AUDIT_KEY_ID): AuditKeyRing {
    return new AuditKeyRing([{ id, secret }]);
  }

  /** The key ids, oldest first. */
  get ids(): string[] {
    return this.keys.map((key) => key.id);
  }

  /** The key of `id`, if the ring holds it. */
  key(id: string): AuditChainKey | undefined {
    return this.keys.find((key) => key.id === id);
  }

  /** Position of `id` in the ring (0 = oldest), or -1 when the ring does not hold it. */
  rank(id: string): number {
    return this.keys.findIndex((key) => key.id === id);
  }

  /**
   * The key to extend a chain whose head was made under `headKeyId`: the current key, or the
   * head's when that one is later in the ring (another instance already moved on to it).
   * Undefined when the ring does not hold the head's key.
   */
  appendKey(headKeyId: string): AuditChainKey | undefined {
    const head = this.rank(headKeyId);
    if (head < 0) return undefined;
    return head > this.rank(this.current.id) ? this.keys[head] : this.current;
  }
}

/**
 * Parses `id:secret,id:secret,…` (a secret may not hold a comma) into entries, in order. Throws
 * {@link AuditKeyError} naming the entry, never a secret.
 */
export function parseAuditKeyEntries(text: string): AuditKeyEntry[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part, index): AuditKeyEntry => {
      const colon = part.indexOf(':');
      if (colon <= 0) throw new AuditKeyError(`entry ${index + 1} must be id:secret`);
      return { id: part.slice(0, colon), secret: part.slice(colon + 1) };
    });
}

/** Compares two hex digests in constant time. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The JSON value hashed for a record. Timestamps are ISO 8601 to the millisecond in UTC, which
 * PostgreSQL `timestamptz` (microseconds) stores and gives back exactly.
 */
export function hashedContent(record: ChainedContent): JsonValue {
  const format = record.format ?? AUDIT_HASH_FORMAT;
  return {
    format,
    seq: record.seq,
    recordedAt: record.recordedAt.toISOString(),
    kind: record.kind,
    outcome: record.outcome,
    eventId: record.eventId,
    eventType: record.eventType,
    sender: record.sender,
    recipient: record.recipient,
    agreement: record.agreement ? { id: record.agreement.id, version: record.agreement.version } : null,
    flowId: record.flowId,
    refusingRule: record.refusingRule,
    legalBasis: record.legalBasis ?? null,
    consentReference: record.consentReference,
    removedElements: [...record.removedElements],
    actor: record.actor,
    ...(format === AUDIT_HASH_FORMAT
      ? {
          personIdentifiers: record.personIdentifiers.map((identifier) => ({
            system: identifier.system,
            value: identifier.value,
          })),
        }
      : { personKeys: [...(record.personKeys ?? [])] }),
    reason: record.reason,
  };
}
