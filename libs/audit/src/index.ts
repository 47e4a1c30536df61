/**
 * libs/audit — The append-only, hash-chained audit of every disclosure and refusal (SPEC §6):
 * records in PostgreSQL, chain verification, search, flow counts, export as UKCore-AuditEvent.
 */
export * from './audit-record.types';
export * from './disclosure-words';
export * from './audit-schema.migration';
export * from './audit-privileges';
export {
  AuditLog,
  AuditChainHeadError,
  AuditRecordIntegrityError,
  AUDIT_ALERT_REASONS,
  type AuditAlert,
  type AuditAlertReason,
  type CheckpointOutcome,
  type AuditLogOptions,
  type AppendOptions,
  type AuditSearchResult,
  type AuditFlowsResult,
  type AuditRecordRow,
} from './audit-log';
export {
  AuditChainKey,
  AuditKeyRing,
  parseAuditKeyEntries,
  AuditKeyError,
  AUDIT_KEY_ID_PATTERN,
  FIRST_AUDIT_KEY_ID,
  type AuditKeyEntry,
  AUDIT_HASH_FORMAT,
  AUDIT_CHAINS_CHECKPOINT_FORMAT,
  AUDIT_RECORD_FORMAT,
  type AuditRecordFormat,
  type IdentifiersChangeContent,
  GENESIS_HASH,
  MIN_AUDIT_KEY_BYTES,
  hashedContent,
  type ChainedContent,
} from './audit-chain';
export { ChainVerifier, recordContentBreak, type ChainHead } from './chain-verifier';
export {
  FileCheckpointStore,
  CheckpointStoreError,
  checkChainsCheckpoint,
  checkCheckpoint,
  chainsCheckpointName,
  checkpointLayout,
  checkpointName,
  checkpointNumber,
  recordsCovered,
  signChainsCheckpoint,
  signCheckpoint,
  type AuditChainsCheckpoint,
  type AuditCheckpoint,
  type AuditCheckpointStore,
  type CheckedChainsCheckpoint,
  type CheckedCheckpoint,
  type CheckpointedHead,
  type CheckpointLayout,
  type StoredCheckpoint,
} from './audit-checkpoint';
export { canonicalJson, NotCanonicalJsonError, type JsonValue } from './canonical-json';
export {
  checkAuditRecordInput,
  InvalidAuditRecordError,
  type AuditRecordCheck,
  type CheckedAuditRecord,
} from './audit-record.validation';
export { MAX_PAGE_LIMIT } from './audit-query';
export { toAuditEvent, UK_CORE_AUDIT_EVENT_PROFILE, HUB_USER_SYSTEM } from './audit-event.mapper';
