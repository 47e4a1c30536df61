/**
 * The verification of the chain, record by record in seq order, apart from the database: the
 * same walk checks a table of a million rows page by page, or a list in a test.
 */
import {
  AUDIT_RECORD_FORMAT,
  AuditChainKey,
  AuditKeyRing,
  FIRST_AUDIT_KEY_ID,
  GENESIS_HASH,
  sameDigest,
} from './audit-chain';
import type { AuditCheckpoint } from './audit-checkpoint';
import type { AuditRecord, ChainBreak } from './audit-record.types';

/** The chain head as stored: the last seq and hash, and their MAC (null for the empty chain). */
export interface ChainHead {
  readonly lastSeq: number;
  readonly lastHash: string;
  readonly headMac: string | null;
  /** The key the MAC is made under (default `k1`). */
  readonly keyId?: string;
}

/** Walks a chain from its first record; feed records in seq order to {@link next}, then call {@link end}. */
export class ChainVerifier {
  private expectedSeq: number;
  private prevHash = GENESIS_HASH;
  private keyRank = 0;
  private readonly keys: AuditKeyRing;
  /** Records checked so far (the broken one included). */
  checked = 0;

  /**
   * `keys`: the ring (or one key); `checkpoint`: where the latest checkpoint, already checked
   * ({@link checkChainsCheckpoint}), saw this chain's head — the chain must reach it and agree
   * with it there; `firstSeq`: the seq of the chain's first record (1 for chain `main`, the
   * chain's base + 1 for another).
   */
  constructor(
    keys: AuditKeyRing | AuditChainKey,
    private readonly checkpoint?: Pick<AuditCheckpoint, 'seq' | 'hash' | 'at'>,
    private readonly firstSeq = 1,
  ) {
    this.keys = keys instanceof AuditChainKey ? new AuditKeyRing([keys]) : keys;
    this.expectedSeq = firstSeq;
  }

  /**
   * Checks the next record; returns the break when it does not continue the chain.
   * `subMillisecond`: its stored timestamp has digits beyond the millisecond, which the hash
   * cannot have covered (the app writes milliseconds) — set by the reader that can see them.
   */
  next(record: AuditRecord, subMillisecond = false): ChainBreak | undefined {
    this.checked += 1;
    const expected = this.expectedSeq;
    if (record.seq !== expected) {
      const missing =
        record.seq === expected + 1 ? `Record ${expected} is` : `Records ${expected} to ${record.seq - 1} are`;
      return record.seq > expected
        ? {
            seq: expected,
            reason: 'sequence-gap',
            detail: `${missing} missing; the next record found is ${record.seq}.`,
          }
        : {
            seq: record.seq,
            reason: 'sequence-gap',
            detail: `Record ${record.seq} is out of sequence: record ${expected} was expected.`,
          };
    }
    if (!sameDigest(record.prevHash, this.prevHash)) {
      return {
        seq: record.seq,
        reason: 'prev-hash-mismatch',
        detail: `Record ${record.seq} does not point at the hash of record ${record.seq - 1}.`,
      };
    }
    const rank = this.keys.rank(record.keyId);
    if (rank < 0 || rank < this.keyRank) {
      return {
        seq: record.seq,
        reason: 'unknown-key',
        detail:
          rank < 0
            ? `Record ${record.seq} names a key the ring does not hold (forged, or the ring is missing a key).`
            : `Record ${record.seq} names a key the chain had already moved on from.`,
      };
    }
    const key = this.keys.key(record.keyId) as AuditChainKey;
    const broken = subMillisecond ? 'hash-mismatch' : recordContentBreak(this.keys, key, record, this.prevHash);
    if (broken) {
      return {
        seq: record.seq,
        reason: broken,
        detail:
          broken === 'hash-mismatch'
            ? `Record ${record.seq} is not what was written (edited, moved or forged).`
            : `The person identifiers beside record ${record.seq} are not the ones appended, nor a change the hub made (edited without the key).`,
      };
    }
    if (this.checkpoint && record.seq === this.checkpoint.seq && !sameDigest(record.hash, this.checkpoint.hash)) {
      return {
        seq: record.seq,
        reason: 'rewound',
        detail: `Record ${record.seq} is not the record the checkpoint of ${this.checkpoint.at} saw: the chain was cut back and written again (records before it may have been replaced too).`,
      };
    }
    this.keyRank = rank;
    this.prevHash = record.hash;
    this.expectedSeq += 1;
    return undefined;
  }

  /** After the last record: the break when the chain head does not match where the walk ended. */
  end(head: ChainHead): ChainBreak | undefined {
    const lastSeq = this.expectedSeq - 1;
    if (this.checkpoint && lastSeq < this.checkpoint.seq) {
      const { at, seq } = this.checkpoint;
      const upTo = this.firstSeq === 1 ? '' : `, up to ${seq}`;
      const ends = lastSeq < this.firstSeq ? 'the chain has none' : `the chain ends at ${lastSeq}`;
      return {
        seq: lastSeq + 1,
        reason: 'truncated',
        detail: `The checkpoint of ${at} saw ${seq - this.firstSeq + 1} records${upTo}; ${ends}.`,
      };
    }
    if (lastSeq < head.lastSeq) {
      return {
        seq: lastSeq + 1,
        reason: 'missing-tail',
        detail: `The chain head says ${head.lastSeq} records exist; the last one found is ${lastSeq}.`,
      };
    }
    if (lastSeq > head.lastSeq || !sameDigest(head.lastHash, this.prevHash)) {
      return {
        seq: head.lastSeq,
        reason: 'head-mismatch',
        detail: `The chain head (seq ${head.lastSeq}) does not match the last record (seq ${lastSeq}).`,
      };
    }
    const headKey = this.keys.key(head.keyId ?? FIRST_AUDIT_KEY_ID);
    const macOk =
      head.lastSeq === this.firstSeq - 1
        ? head.headMac === null
        : head.headMac !== null &&
          headKey !== undefined &&
          this.keys.rank(headKey.id) >= this.keyRank &&
          sameDigest(head.headMac, headKey.headMac(head.lastSeq, head.lastHash));
    return macOk
      ? undefined
      : { seq: head.lastSeq, reason: 'head-mismatch', detail: 'The chain head was changed without the key.' };
  }
}

/**
 * What is wrong with one record's content, if anything, `prevHash` being the hash it follows. A
 * format 1 record hashes its identifiers, so once they changed only the change's MAC (over the
 * rest of the content and the hash) vouches for it; a format 2 record's hash always verifies, and
 * its identifiers either match its keyed hashes or carry a valid change MAC.
 */
export function recordContentBreak(
  keys: AuditKeyRing,
  key: AuditChainKey,
  record: AuditRecord,
  prevHash: string,
): 'hash-mismatch' | 'identifiers-mismatch' | undefined {
  const change = record.identifiersChange;
  const format2 = record.format === AUDIT_RECORD_FORMAT;
  if ((format2 || !change) && !sameDigest(record.hash, key.recordHash(prevHash, record))) return 'hash-mismatch';
  if (change) {
    const changeKey = keys.key(change.keyId);
    const content = { kind: change.kind, at: change.at, personIdentifiers: record.personIdentifiers };
    const valid = changeKey !== undefined && sameDigest(change.mac, changeKey.identifiersMac(record, content));
    return valid ? undefined : format2 ? 'identifiers-mismatch' : 'hash-mismatch';
  }
  if (!format2) return undefined;
  const computed = record.personIdentifiers.map((identifier) => key.personKey(identifier));
  const committed = record.personKeys ?? [];
  const same =
    computed.length === committed.length && computed.every((each, index) => sameDigest(each, committed[index]));
  return same ? undefined : 'identifiers-mismatch';
}
