/**
 * The shape of an audit record (SPEC §6): what the hub decided about one event for one
 * recipient, or who read audit data. Records are append-only and hash-chained.
 */

/** What a record is about. */
export const AUDIT_KINDS = [
  'decision',
  'read',
  'refusal-at-ingress',
  'dead-letter',
  'kept-by-hub',
  'operator-action',
] as const;
/**
 * - `decision`: the agreement evaluation of one event for one recipient (delivered or refused);
 * - `read`: somebody read audit data (every read of the audit is itself audited);
 * - `refusal-at-ingress`: an event refused before any recipient was considered (invalid, unknown sender…);
 * - `dead-letter`: an event the hub gave up on;
 * - `kept-by-hub`: an event no partner may receive, applied to the hub's own state only (consents, scores);
 * - `operator-action`: something an operator did to the flows (e.g. replayed a dead letter).
 */
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** How it ended. */
export const AUDIT_OUTCOMES = ['delivered', 'refused', 'read', 'dead-lettered', 'kept', 'performed'] as const;
/** How a recorded act ended. */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** A person identifier as FHIR writes it (`Identifier.system` + `Identifier.value`). */
export interface AuditPersonIdentifier {
  readonly system: string;
  readonly value: string;
}

/**
 * The legal basis of a disclosure, as the agreement states it (SPEC §5 `legalBasis`), e.g.
 * `{ article6: "6(1)(e)", article9: "9(2)(h)", statute: "Criminal Justice Act 2003 s207" }`.
 */
export type AuditLegalBasis = Readonly<Record<string, string>>;

/** The agreement (and its version) a decision was taken under. */
export interface AuditAgreementRef {
  readonly id: string;
  readonly version: number;
}

/** What the hub gives {@link AuditLog.append}: one record, not yet numbered or chained. */
export interface AuditRecordInput {
  readonly kind: AuditKind;
  readonly outcome: AuditOutcome;
  /** When it happened; default: the moment the record is appended. Stored to the millisecond. */
  readonly recordedAt?: Date;
  /** The event's id (MessageHeader.id / envelope event id). */
  readonly eventId?: string;
  /** The event type of the catalogue (SPEC §3). */
  readonly eventType?: string;
  /** Partner id of the sender (`HUB_PARTNER_ID` for events the hub originates). */
  readonly sender?: string;
  /** Partner id of the recipient the decision was about. */
  readonly recipient?: string;
  readonly agreement?: AuditAgreementRef;
  /** The agreement flow that allowed the delivery. */
  readonly flowId?: string;
  /** The rule that refused it (e.g. `default-deny`, `consent-withdrawn`, `not-connected`). */
  readonly refusingRule?: string;
  readonly legalBasis?: AuditLegalBasis;
  /** Reference to the consent relied on (e.g. `Consent/123`), when the flow requires consent. */
  readonly consentReference?: string;
  /** FHIRPath-like paths of the elements and resources removed from the delivered copy. */
  readonly removedElements?: readonly string[];
  /** Who read (user or role id), for `read` records. */
  readonly actor?: string;
  /** The person's identifiers, so a person's timeline can find the record. */
  readonly personIdentifiers?: readonly AuditPersonIdentifier[];
  /** Plain-English reason or description (what was read, why it was refused). */
  readonly reason?: string;
}

/** How a record's identifiers were changed after it was appended. */
export type AuditIdentifiersChangeKind = 'erased' | 'rectified';

/** A change of a record's identifiers, with the MAC that vouches for it (verified with the chain). */
export interface AuditIdentifiersChange {
  readonly kind: AuditIdentifiersChangeKind;
  readonly at: Date;
  /** The audit key the MAC was made under. */
  readonly keyId: string;
  readonly mac: string;
}

/** A stored audit record: the input as normalised, with its place in the chain. */
export interface AuditRecord {
  /** Position in the chain, 1, 2, 3… without gaps. */
  readonly seq: number;
  readonly recordedAt: Date;
  readonly kind: AuditKind;
  readonly outcome: AuditOutcome;
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly sender: string | null;
  readonly recipient: string | null;
  readonly agreement: AuditAgreementRef | null;
  readonly flowId: string | null;
  readonly refusingRule: string | null;
  readonly legalBasis: AuditLegalBasis | null;
  readonly consentReference: string | null;
  readonly removedElements: readonly string[];
  readonly actor: string | null;
  /**
   * The person's identifiers, kept beside the chain (format 2): empty once erased, the corrected
   * ones once rectified.
   */
  readonly personIdentifiers: readonly AuditPersonIdentifier[];
  readonly reason: string | null;
  /** The hashed layout: absent or 1, identifiers hashed as they are; 2, their keyed hashes ({@link personKeys}). */
  readonly format?: 1 | 2;
  /** Format 2: the keyed hash of each identifier as appended, in order; what the chain commits to. */
  readonly personKeys?: readonly string[];
  /** How and when the identifiers were changed after the record was appended (erased or rectified). */
  readonly identifiersChange?: AuditIdentifiersChange | null;
  /** Hash of the record before (64 zeros for the first). */
  readonly prevHash: string;
  /** Id of the key the record's hash was made under (`k1` for records made before keys had ids). */
  readonly keyId: string;
  /** HMAC-SHA256 over `prevHash` and the record's canonical JSON, hex. */
  readonly hash: string;
}

/** Why {@link AuditLog.verify} stopped at a record. */
export type ChainBreakReason =
  /** The record's content (or seq) is not what was hashed: edited, swapped, or forged without the key. */
  | 'hash-mismatch'
  /** The identifiers beside a format 2 record match neither its keyed hashes nor a change the hub made. */
  | 'identifiers-mismatch'
  /** The record does not point at the hash of the record before it. */
  | 'prev-hash-mismatch'
  /** A number is missing before this record: a record was deleted (or renumbered). */
  | 'sequence-gap'
  /** The chain head says more records exist than the table holds: the newest were deleted. */
  | 'missing-tail'
  /** The chain head itself was altered without the key. */
  | 'head-mismatch'
  /** The record names a key the ring does not hold, or a key the chain had already moved on from. */
  | 'unknown-key'
  /** The chain ends before the seq the latest checkpoint saw it reach (or is gone): its newest records were deleted. */
  | 'truncated'
  /** The chain's record at the seq the latest checkpoint saw is not the one it saw: the chain was rewound and rewritten. */
  | 'rewound'
  /** A latest checkpoint cannot be read, or its signature does not verify under the key it names. */
  | 'checkpoint-invalid';

/** The first broken place of the chain. */
export interface ChainBreak {
  /**
   * The first record that fails (for `missing-tail` and `truncated`, the first missing number;
   * for `checkpoint-invalid`, the number in the checkpoint's name).
   */
  readonly seq: number;
  /** The chain it is in, when not `main` (each ingress partition of the hub appends to a chain of its own). */
  readonly chain?: string;
  readonly reason: ChainBreakReason;
  /** What was expected and found, in plain English. */
  readonly detail: string;
}

/** The result of {@link AuditLog.verify}. */
export interface ChainVerification {
  readonly ok: boolean;
  /** Records checked (up to and including the first broken one). */
  readonly checked: number;
  /** The last seq of the head of chain `main` when verification started. */
  readonly headSeq: number;
  readonly firstBroken?: ChainBreak;
  /**
   * Every chain checked, when there is more than `main`: its id, its head's last seq, the records
   * checked and the seq the latest checkpoint saw it reach (absent when no checkpoint saw it yet).
   */
  readonly chains?: readonly {
    readonly chain: string;
    readonly headSeq: number;
    readonly checked: number;
    readonly checkpointSeq?: number;
  }[];
  /**
   * The latest checkpoint chain `main` was checked against: the seq it saw `main` reach (0 when
   * it saw no record of `main`), when it was taken and its key; every other chain is checked
   * against the latest checkpoint of every chain (see `chains`). None when no store is configured
   * or none is written yet.
   */
  readonly checkpoint?: { readonly seq: number; readonly at: string; readonly keyId: string };
}

/** Options of {@link AuditLog.verify}. */
export interface VerifyOptions {
  /** Records read per query (the table is never loaded at once). Default 5000. */
  readonly pageSize?: number;
}

/** A person to search for: an identifier with its system, or a bare identifier value. */
export type AuditPersonFilter = AuditPersonIdentifier | string;

/** Filters of {@link AuditLog.search}; all optional, all combined with AND. */
export interface AuditSearchFilter {
  readonly person?: AuditPersonFilter;
  /** Partner id as sender or recipient. */
  readonly partner?: string;
  readonly eventType?: string;
  readonly outcome?: AuditOutcome;
  readonly kind?: AuditKind;
  /** Inclusive lower bound of `recordedAt` (Date or ISO 8601 text). */
  readonly from?: Date | string;
  /** Exclusive upper bound of `recordedAt`. */
  readonly to?: Date | string;
}

/** Order of search results. */
export type AuditSearchOrder = 'newest-first' | 'oldest-first';

/** A page request: at most `limit` records after the cursor `after` of the previous page. */
export interface AuditPageRequest {
  /** 1..1000. */
  readonly limit: number;
  /** The `next` cursor of the previous page. */
  readonly after?: string;
  /** Default newest first. */
  readonly order?: AuditSearchOrder;
}

/** One page of search results; `next` is absent on the last page. */
export interface AuditPage {
  readonly records: AuditRecord[];
  readonly next?: string;
}

/** Counts of one flow sender → recipient → event type over a period. */
export interface AuditFlowCount {
  readonly sender: string;
  readonly recipient: string;
  readonly eventType: string;
  readonly delivered: number;
  readonly refused: number;
  /** Events no partner could receive, applied to the hub's own state (recipient: the hub). */
  readonly kept: number;
}

/** A period; `from` inclusive, `to` exclusive. Either bound may be left open. */
export interface AuditPeriod {
  readonly from?: Date | string;
  readonly to?: Date | string;
}

/** What was read, for {@link AuditLog.recordRead}. */
export interface AuditReadDescription {
  /** Plain-English description, e.g. the request (`GET /audit?person=…`). */
  readonly description: string;
  /** The person whose records were read, when the read was about one person. */
  readonly personIdentifiers?: readonly AuditPersonIdentifier[];
}
