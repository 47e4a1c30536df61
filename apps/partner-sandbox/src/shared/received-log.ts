import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { identifierKey, identifierKeys } from './identifier-keys';
import type { SandboxKind } from './sandbox-kind';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox-settings';

/** What a stand-in saw: a request an adapter made to it, or a push it made to an adapter or subscriber. */
export interface ReceivedRecord {
  readonly id: string;
  readonly kind: SandboxKind;
  readonly partnerId: string;
  /** `received`: an adapter called the stand-in; `sent`: the stand-in pushed to an adapter or subscriber. */
  readonly direction: 'received' | 'sent';
  readonly at: string;
  readonly method: string;
  /** Received: the stand-in's path; sent: the URL pushed to. */
  readonly url: string;
  /** Received: the status the stand-in answered; sent: the status the adapter answered (null when unreachable). */
  readonly status: number | null;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Why a push failed (network error, timeout). */
  readonly error?: string;
}

/** A record before the log stamps it. */
export type NewRecord = Omit<ReceivedRecord, 'id' | 'at'>;

interface StoredRecord {
  readonly record: ReceivedRecord;
  readonly keys: ReadonlySet<string>;
  /** Arrival order across stand-ins. */
  readonly sequence: number;
}

/**
 * Everything each stand-in received and sent, newest last, in memory and bounded: each stand-in
 * (kind + partner) keeps its latest `maxRecords`.
 */
@Injectable()
export class ReceivedLog {
  private readonly byStandIn = new Map<string, StoredRecord[]>();
  private sequence = 0;

  constructor(@Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings) {}

  /** Records what arrived or left; `identifiers` adds person identifiers not in the body (e.g. a CRN in the path). */
  add(entry: NewRecord, identifiers: readonly string[] = []): ReceivedRecord {
    const record: ReceivedRecord = { id: randomUUID(), at: new Date().toISOString(), ...entry };
    const key = `${entry.kind}/${entry.partnerId}`;
    const list = this.byStandIn.get(key) ?? [];
    list.push({ record, keys: identifierKeys(entry.body, identifiers), sequence: ++this.sequence });
    if (list.length > this.settings.maxRecords) list.splice(0, list.length - this.settings.maxRecords);
    this.byStandIn.set(key, list);
    return record;
  }

  /** The records of a stand-in kind, newest last, optionally of one partner and mentioning one person identifier. */
  list(kind: SandboxKind, filter: { partnerId?: string; identifier?: string } = {}): ReceivedRecord[] {
    const wanted = filter.identifier ? identifierKey(filter.identifier) : undefined;
    return [...this.byStandIn.entries()]
      .filter(([key]) => key.startsWith(`${kind}/`) && (!filter.partnerId || key === `${kind}/${filter.partnerId}`))
      .flatMap(([, list]) => list)
      .filter((stored) => !wanted || stored.keys.has(wanted))
      .sort((a, b) => a.sequence - b.sequence)
      .map((stored) => stored.record);
  }

  /** Forgets the records of a kind (of one partner, when given); returns how many. */
  clear(kind: SandboxKind, partnerId?: string): number {
    let removed = 0;
    for (const [key, list] of [...this.byStandIn.entries()]) {
      if (key.startsWith(`${kind}/`) && (!partnerId || key === `${kind}/${partnerId}`)) {
        removed += list.length;
        this.byStandIn.delete(key);
      }
    }
    return removed;
  }
}
