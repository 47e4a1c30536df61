/**
 * The verification of the chain, record by record in seq order, apart from the database: the
 * same walk checks a table of a million rows page by page, or a list in a test.
 */
import { AuditChainKey, GENESIS_HASH, sameDigest } from './audit-chain';
import type { AuditRecord, ChainBreak } from './audit-record.types';

/** The chain head as stored: the last seq and hash, and their MAC (null for the empty chain). */
export interface ChainHead {
  readonly lastSeq: number;
  readonly lastHash: string;
  readonly headMac: string | null;
}

/** Walks the chain from record 1; feed records in seq order to {@link next}, then call {@link end}. */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  /** Records checked so far (the broken one included). */
  checked = 0;

  constructor(private readonly key: AuditChainKey) {}

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
    if (subMillisecond || !sameDigest(record.hash, this.key.recordHash(this.prevHash, record))) {
      return {
        seq: record.seq,
        reason: 'hash-mismatch',
        detail: `Record ${record.seq} is not what was written (edited, moved or forged).`,
      };
    }
    this.prevHash = record.hash;
    this.expectedSeq += 1;
    return undefined;
  }

  /** After the last record: the break when the chain head does not match where the walk ended. */
  end(head: ChainHead): ChainBreak | undefined {
    const lastSeq = this.expectedSeq - 1;
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
    const macOk =
      head.lastSeq === 0
        ? head.headMac === null
        : head.headMac !== null && sameDigest(head.headMac, this.key.headMac(head.lastSeq, head.lastHash));
    return macOk
      ? undefined
      : { seq: head.lastSeq, reason: 'head-mismatch', detail: 'The chain head was changed without the key.' };
  }
}
