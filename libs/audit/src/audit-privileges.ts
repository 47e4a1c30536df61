/**
 * What the app's runtime database role may do on the audit's tables (granted by the schema's
 * owner after the migrations; see `createAppDataSource({ runtimePrivileges })`): append and read
 * records, update the identifiers beside the chain (erasure, rectification: the append-only
 * trigger refuses an UPDATE of any other column), move a chain's head and make the head of a new
 * chain (its first append) — never change what the
 * chain covers, delete a record, delete the head, truncate, alter either table or disable their
 * triggers (it owns neither).
 */
export const AUDIT_RUNTIME_PRIVILEGES = {
  audit_record: ['SELECT', 'INSERT', 'UPDATE'],
  audit_chain_head: ['SELECT', 'INSERT', 'UPDATE'],
} as const satisfies Readonly<Record<string, readonly ('SELECT' | 'INSERT' | 'UPDATE' | 'DELETE')[]>>;
