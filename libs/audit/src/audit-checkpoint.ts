/**
 * Signed checkpoints of the chain head, kept outside the database. Somebody who can write the
 * database (a superuser) can delete the newest records and move the head back; the head's MAC
 * stops the hub from appending to a head moved without the key, but a head copied back from an
 * earlier state carries a valid MAC. A checkpoint (seq, hash, time, key id, MAC) written where the
 * database cannot reach shows both: the chain is shorter than the checkpoint (truncated), or the
 * record at its seq has another hash (rewound).
 *
 * A store only keeps texts, once each: a folder ({@link FileCheckpointStore}) or an object store
 * with conditional writes (create-only, e.g. `If-None-Match: *`) and a sorted listing.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AUDIT_HASH_FORMAT,
  AUDIT_KEY_ID_PATTERN,
  sameDigest,
  type AuditChainKey,
  type AuditKeyRing,
} from './audit-chain';

/** A checkpoint of the chain head. */
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

/** A checkpoint as a store holds it: its name (which sorts by seq) and its text. */
export interface StoredCheckpoint {
  readonly name: string;
  readonly text: string;
}

/**
 * Where checkpoints are kept: written once, never overwritten, listed by seq. A folder on another
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
  /** The checkpoint of the highest seq (the last name), or undefined when there is none. */
  latest(): Promise<StoredCheckpoint | undefined>;
}

const NAME = /^audit-checkpoint-(\d{16})\.json$/;

/** The name of the checkpoint of `seq`: names sort as seqs do. */
export function checkpointName(seq: number): string {
  return `audit-checkpoint-${String(seq).padStart(16, '0')}.json`;
}

/** Signs a checkpoint of the head (`seq`, `hash`) at `at` under `key`. */
export function signCheckpoint(key: AuditChainKey, seq: number, hash: string, at: Date): AuditCheckpoint {
  const time = at.toISOString();
  return { format: AUDIT_HASH_FORMAT, seq, hash, at: time, keyId: key.id, mac: key.checkpointMac(seq, hash, time) };
}

/** A checkpoint read back and checked, or why it cannot be trusted. */
export type CheckedCheckpoint =
  { readonly ok: true; readonly checkpoint: AuditCheckpoint } | { readonly ok: false; readonly reason: string };

/** Parses a stored checkpoint and checks its MAC under the key it names. */
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

/** The checkpoint folder is missing (production) or is not a folder. */
export class CheckpointStoreError extends Error {
  readonly code = 'audit-checkpoint-store';
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointStoreError';
  }
}

/**
 * Checkpoints as files of a folder, one per seq (`audit-checkpoint-<seq>.json`, read-only). Each
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
    if (!NAME.test(name)) throw new CheckpointStoreError(`Not a checkpoint name: ${name}`);
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

  async latest(): Promise<StoredCheckpoint | undefined> {
    const names = (await readdir(this.dir)).filter((name) => NAME.test(name)).sort();
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
