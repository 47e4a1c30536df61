/**
 * The hash chain: each record's hash is an HMAC-SHA256, under a key from configuration, of the
 * hash of the record before and the record's own canonical JSON (its seq included). Editing,
 * reordering or deleting records, or inserting one without the key, breaks the chain where it
 * happened. The chain head (last seq and hash) carries its own HMAC, so deleting the newest
 * records is seen too.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson, type JsonValue } from './canonical-json';
import type { AuditRecord } from './audit-record.types';

/** `prev_hash` of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** Version of the hashed layout; part of every hashed text, so a new layout cannot be confused with this one. */
export const AUDIT_HASH_FORMAT = 1;

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

/** The fields of a record that are hashed: everything but the chain links themselves. */
export type ChainedContent = Omit<AuditRecord, 'prevHash' | 'hash'>;

/** The secret key of the chain, checked once. */
export class AuditChainKey {
  private readonly key: Buffer;

  /** `key`: at least {@link MIN_AUDIT_KEY_BYTES} bytes (a string is taken as UTF-8). */
  constructor(key: string | Buffer) {
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    if (bytes.length < MIN_AUDIT_KEY_BYTES)
      throw new AuditKeyError(`needs at least ${MIN_AUDIT_KEY_BYTES} bytes, got ${bytes.length}`);
    this.key = bytes;
  }

  /** The hash of `record` chained after `prevHash` (hex). */
  recordHash(prevHash: string, record: ChainedContent): string {
    return this.mac(`${prevHash}\n${canonicalJson(hashedContent(record))}`);
  }

  /** The MAC of the chain head (last seq and its hash). */
  headMac(lastSeq: number, lastHash: string): string {
    return this.mac(`head\n${AUDIT_HASH_FORMAT}\n${lastSeq}\n${lastHash}`);
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text, 'utf8').digest('hex');
  }
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
  return {
    format: AUDIT_HASH_FORMAT,
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
    personIdentifiers: record.personIdentifiers.map((identifier) => ({
      system: identifier.system,
      value: identifier.value,
    })),
    reason: record.reason,
  };
}
