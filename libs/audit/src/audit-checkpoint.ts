/**
 * Signed checkpoints of the chain heads, kept outside the database. Somebody who can write the
 * database (a superuser) can delete the newest records of a chain and move its head back; the
 * head's MAC stops the hub from appending to a head moved without the key, but a head copied back
 * from an earlier state carries a valid MAC. A checkpoint written where the database cannot reach
 * shows both: a chain is shorter than the checkpoint (truncated), or the record at the seq the
 * checkpoint saw has another hash (rewound).
 *
 * Two layouts. A checkpoint of every chain ({@link AuditChainsCheckpoint}, format 2): the time,
 * the key id, each chain's id, last seq and hash, and one MAC over them all, named by the number
 * of records it covers (`audit-checkpoint-chains-<records>.json`) — what the hub writes. A
 * checkpoint of chain `main` alone ({@link AuditCheckpoint}, format 1, `audit-checkpoint-<seq>.json`)
 * is what it wrote before chains: those are still read, and `main` is checked against the one
 * that saw it furthest.
 *
 * A store only keeps texts, once each: a folder ({@link FileCheckpointStore}) or an object store
 * with conditional writes (create-only, e.g. `If-None-Match: *`) and a sorted listing.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AUDIT_CHAINS_CHECKPOINT_FORMAT,
  AUDIT_HASH_FORMAT,
  AUDIT_KEY_ID_PATTERN,
  sameDigest,
  type AuditChainKey,
  type AuditKeyRing,
} from './audit-chain';
import { AUDIT_CHAIN_ID_PATTERN, AUDIT_CHAIN_SEQ_SPAN } from './audit-schema.migration';

/** A checkpoint of chain `main`'s head alone (format 1), as the hub wrote them before chains: read, no longer written. */
export interface AuditCheckpoint {
  /** The layout of the checkpoint text (the chain's hash format). */
  readonly format: number;
  /** The head's last seq. */
  readonly seq: number;
  /** The hash of the record at `seq`. */
  readonly hash: string;
  /** When the checkpoint was taken, ISO 8601 UTC. */
  readonly at: string;
  /** The key the MAC is made under. */
  readonly keyId: string;
  /** HMAC-SHA256 of the fields above under that key, hex. */
  readonly mac: string;
}

/** One chain's head as a checkpoint saw it. */
export interface CheckpointedHead {
  /** The chain's id (`main`, `hub.ingress.p0`…). */
  readonly chain: string;
  /** The head's last seq. */
  readonly seq: number;
  /** The hash of the record at `seq`. */
  readonly hash: string;
}

/** A checkpoint of the head of every chain that holds a record, taken at one moment, under one MAC. */
export interface AuditChainsCheckpoint {
  /** {@link AUDIT_CHAINS_CHECKPOINT_FORMAT}. */
  readonly format: number;
  /** When the checkpoint was taken, ISO 8601 UTC. */
  readonly at: string;
  /** The key the MAC is made under. */
  readonly keyId: string;
  /** Every chain's head, by seq (so `main` first). */
  readonly heads: readonly CheckpointedHead[];
  /** HMAC-SHA256 of the fields above under that key, hex ({@link AuditChainKey.chainsCheckpointMac}). */
  readonly mac: string;
}

/** A checkpoint as a store holds it: its name (which sorts as the checkpoints were taken) and its text. */
export interface StoredCheckpoint {
  readonly name: string;
  readonly text: string;
}

/** The two layouts a store holds: `main` (format 1, chain `main` alone) and `chains` (format 2, every chain). */
export type CheckpointLayout = 'main' | 'chains';

/**
 * Where checkpoints are kept: written once, never overwritten, listed by name. A folder on another
 * disk or host, a write-once mount, or an object store with object lock implements it.
 */
export interface AuditCheckpointStore {
  /** What to name in logs and errors (a folder, a bucket); no secret. */
  readonly description: string;
  /**
   * Stores `text` under `name` once, durably (on disk before it resolves). `exists` when the
   * store already holds that name: it is left as it is.
   */
  put(name: string, text: string): Promise<'written' | 'exists'>;
  /**
   * The last checkpoint of `layout` by name ({@link checkpointLayout} tells a name's layout),
   * or undefined when there is none.
   */
  latest(layout: CheckpointLayout): Promise<StoredCheckpoint | undefined>;
}

const NAMES: Record<CheckpointLayout, RegExp> = {
  main: /^audit-checkpoint-(\d{16})\.json$/,
  chains: /^audit-checkpoint-chains-(\d{16})\.json$/,
};

/** The layout of a checkpoint's name, or undefined when it is not a checkpoint's name. */
export function checkpointLayout(name: string): CheckpointLayout | undefined {
  return NAMES.main.test(name) ? 'main' : NAMES.chains.test(name) ? 'chains' : undefined;
}

/** The name of the (format 1) checkpoint of chain `main` at `seq`: names sort as seqs do. */
export function checkpointName(seq: number): string {
  return `audit-checkpoint-${String(seq).padStart(16, '0')}.json`;
}

/**
 * The name of a checkpoint of every chain that covers `records` records in all: chains only
 * grow, so names sort as the checkpoints were taken, and two instances that checkpoint the same
 * heads give the same name (the second finds it written).
 */
export function chainsCheckpointName(records: number): string {
  return `audit-checkpoint-chains-${String(records).padStart(16, '0')}.json`;
}

/** The number in a checkpoint's name (the seq of chain `main`, or the records covered), or undefined. */
export function checkpointNumber(name: string): number | undefined {
  const match = NAMES.main.exec(name) ?? NAMES.chains.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** The records `heads` cover: each chain numbers its records from its base (audit-schema.migration.ts). */
export function recordsCovered(heads: readonly CheckpointedHead[]): number {
  return heads.reduce(
    (sum, head) => sum + head.seq - Math.floor((head.seq - 1) / AUDIT_CHAIN_SEQ_SPAN) * AUDIT_CHAIN_SEQ_SPAN,
    0,
  );
}

/** Signs a checkpoint of chain `main`'s head (`seq`, `hash`) at `at` under `key`, in format 1 (tests, tools). */
export function signCheckpoint(key: AuditChainKey, seq: number, hash: string, at: Date): AuditCheckpoint {
  const time = at.toISOString();
  return { format: AUDIT_HASH_FORMAT, seq, hash, at: time, keyId: key.id, mac: key.checkpointMac(seq, hash, time) };
}

/** Signs a checkpoint of every chain's head in `heads` at `at` under `key`; heads are put in seq order. */
export function signChainsCheckpoint(
  key: AuditChainKey,
  heads: readonly CheckpointedHead[],
  at: Date,
): AuditChainsCheckpoint {
  const time = at.toISOString();
  const sorted = [...heads].sort((a, b) => a.seq - b.seq).map(({ chain, seq, hash }) => ({ chain, seq, hash }));
  return {
    format: AUDIT_CHAINS_CHECKPOINT_FORMAT,
    at: time,
    keyId: key.id,
    heads: sorted,
    mac: key.chainsCheckpointMac(time, sorted),
  };
}

/** A checkpoint read back and checked, or why it cannot be trusted. */
export type CheckedCheckpoint =
  { readonly ok: true; readonly checkpoint: AuditCheckpoint } | { readonly ok: false; readonly reason: string };

/** A checkpoint of every chain read back and checked, or why it cannot be trusted. */
export type CheckedChainsCheckpoint =
  { readonly ok: true; readonly checkpoint: AuditChainsCheckpoint } | { readonly ok: false; readonly reason: string };

/** Parses a stored checkpoint of chain `main` (format 1) and checks its MAC under the key it names. */
export function checkCheckpoint(stored: StoredCheckpoint, keys: AuditKeyRing): CheckedCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(stored.text);
  } catch {
    return { ok: false, reason: `The checkpoint ${stored.name} is not JSON.` };
  }
  const checkpoint = value as Partial<AuditCheckpoint> | null;
  if (
    typeof checkpoint !== 'object' ||
    checkpoint === null ||
    checkpoint.format !== AUDIT_HASH_FORMAT ||
    !Number.isSafeInteger(checkpoint.seq) ||
    (checkpoint.seq ?? 0) < 1 ||
    typeof checkpoint.hash !== 'string' ||
    typeof checkpoint.at !== 'string' ||
    typeof checkpoint.keyId !== 'string' ||
    !AUDIT_KEY_ID_PATTERN.test(checkpoint.keyId) ||
    typeof checkpoint.mac !== 'string'
  )
    return { ok: false, reason: `The checkpoint ${stored.name} is not a checkpoint of format ${AUDIT_HASH_FORMAT}.` };
  const seq = checkpoint.seq as number;
  if (stored.name !== checkpointName(seq))
    return { ok: false, reason: `The checkpoint ${stored.name} holds seq ${seq}, not the seq of its name.` };
  const key = keys.key(checkpoint.keyId);
  if (!key) return { ok: false, reason: `The checkpoint ${stored.name} names a key the ring does not hold.` };
  if (!sameDigest(checkpoint.mac, key.checkpointMac(seq, checkpoint.hash, checkpoint.at)))
    return { ok: false, reason: `The checkpoint ${stored.name} is not signed by the key it names.` };
  return { ok: true, checkpoint: checkpoint as AuditCheckpoint };
}

const HASH = /^[0-9a-f]{64}$/;

/** Whether `value` is one chain's head: a chain id, a seq from 1, a hex hash. */
function isCheckpointedHead(value: unknown): value is CheckpointedHead {
  const head = value as Partial<CheckpointedHead> | null;
  return (
    typeof head === 'object' &&
    head !== null &&
    typeof head.chain === 'string' &&
    AUDIT_CHAIN_ID_PATTERN.test(head.chain) &&
    Number.isSafeInteger(head.seq) &&
    (head.seq ?? 0) >= 1 &&
    typeof head.hash === 'string' &&
    HASH.test(head.hash)
  );
}

/**
 * Parses a stored checkpoint of every chain (format 2) and checks it: one head per chain, in seq
 * order, as many records as its name says, and its MAC under the key it names.
 */
export function checkChainsCheckpoint(stored: StoredCheckpoint, keys: AuditKeyRing): CheckedChainsCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(stored.text);
  } catch {
    return { ok: false, reason: `The checkpoint ${stored.name} is not JSON.` };
  }
  const checkpoint = value as Partial<AuditChainsCheckpoint> | null;
  const heads: unknown = checkpoint?.heads;
  if (
    typeof checkpoint !== 'object' ||
    checkpoint === null ||
    checkpoint.format !== AUDIT_CHAINS_CHECKPOINT_FORMAT ||
    typeof checkpoint.at !== 'string' ||
    typeof checkpoint.keyId !== 'string' ||
    !AUDIT_KEY_ID_PATTERN.test(checkpoint.keyId) ||
    typeof checkpoint.mac !== 'string' ||
    !Array.isArray(heads) ||
    heads.length === 0 ||
    !heads.every(isCheckpointedHead)
  )
    return {
      ok: false,
      reason: `The checkpoint ${stored.name} is not a checkpoint of format ${AUDIT_CHAINS_CHECKPOINT_FORMAT}.`,
    };
  const chains = new Set(heads.map((head) => head.chain));
  const ordered = heads.every((head, index) => index === 0 || heads[index - 1].seq < head.seq);
  if (chains.size !== heads.length || !ordered)
    return { ok: false, reason: `The checkpoint ${stored.name} does not list each chain once, in seq order.` };
  const records = recordsCovered(heads);
  if (stored.name !== chainsCheckpointName(records))
    return {
      ok: false,
      reason: `The checkpoint ${stored.name} covers ${records} records, not the number of its name.`,
    };
  const key = keys.key(checkpoint.keyId);
  if (!key) return { ok: false, reason: `The checkpoint ${stored.name} names a key the ring does not hold.` };
  if (!sameDigest(checkpoint.mac, key.chainsCheckpointMac(checkpoint.at, heads)))
    return { ok: false, reason: `The checkpoint ${stored.name} is not signed by the key it names.` };
  const { at, keyId, mac } = checkpoint;
  const kept = heads.map(({ chain, seq, hash }) => ({ chain, seq, hash }));
  return { ok: true, checkpoint: { format: AUDIT_CHAINS_CHECKPOINT_FORMAT, at, keyId, heads: kept, mac } };
}

/** The checkpoint folder is missing (production) or is not a folder. */
export class CheckpointStoreError extends Error {
  readonly code = 'audit-checkpoint-store';
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointStoreError';
  }
}

/**
 * Checkpoints as files of a folder, one per name (`audit-checkpoint-chains-<records>.json`, and
 * `audit-checkpoint-<seq>.json` from before chains; read-only). Each
 * is written to a temporary file, flushed to disk, then hard-linked to its name — which fails
 * rather than replace a file of that name — and the folder is flushed too. Make the folder
 * append-only to the hub's user (or a mount of another host) so that the database's superuser
 * cannot rewrite it.
 */
export class FileCheckpointStore implements AuditCheckpointStore {
  readonly description: string;

  private constructor(private readonly dir: string) {
    this.description = `folder ${dir}`;
  }

  /** Opens the folder `dir`; `create`: make it when missing (development), else a missing folder throws. */
  static async open(dir: string, options: { readonly create: boolean }): Promise<FileCheckpointStore> {
    if (options.create) await mkdir(dir, { recursive: true, mode: 0o750 });
    const found = await stat(dir).catch(() => undefined);
    if (!found?.isDirectory()) throw new CheckpointStoreError(`The audit checkpoint folder ${dir} does not exist.`);
    return new FileCheckpointStore(dir);
  }

  async put(name: string, text: string): Promise<'written' | 'exists'> {
    if (checkpointLayout(name) === undefined) throw new CheckpointStoreError(`Not a checkpoint name: ${name}`);
    const target = join(this.dir, name);
    const temporary = join(this.dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const file = await open(temporary, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o440);
    try {
      await file.writeFile(text, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    let result: 'written' | 'exists' = 'written';
    try {
      await link(temporary, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      result = 'exists';
    } finally {
      await unlink(temporary);
    }
    if (result === 'written') await syncFolder(this.dir);
    return result;
  }

  async latest(layout: CheckpointLayout): Promise<StoredCheckpoint | undefined> {
    const names = (await readdir(this.dir)).filter((name) => NAMES[layout].test(name)).sort();
    const name = names[names.length - 1];
    return name === undefined ? undefined : { name, text: await readFile(join(this.dir, name), 'utf8') };
  }
}

async function syncFolder(dir: string): Promise<void> {
  const folder = await open(dir, constants.O_RDONLY);
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
