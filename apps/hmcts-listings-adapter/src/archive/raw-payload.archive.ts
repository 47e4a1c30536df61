import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { OperationOutcome } from '@cstr/contracts';

/**
 * What became of an archived payload: `received` (not processed yet, or processing failed),
 * `published` (events queued), `ignored` (nothing for the pathway), `recorded` (kept, no event
 * to send), `unparseable` (not JSON), `invalid` (JSON the mappers or the event contract refuse),
 * `refused` (a court other than this partner's).
 */
export type RawPayloadStatus =
  'received' | 'published' | 'ignored' | 'recorded' | 'unparseable' | 'invalid' | 'refused';

/** A payload as it arrived over HTTP. */
export interface RawPayload {
  readonly method: string;
  readonly route: string;
  readonly contentType?: string;
  readonly body: Buffer;
  readonly receivedAt: Date;
}

/** The SHA-256 of a payload's bytes, hex. */
export function payloadSha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Writes payloads to `hmcts_raw_payload` and records what became of them. */
export class RawPayloadArchive {
  /** Archives a payload (status `received`) through `manager`; returns its archive id. */
  async archive(manager: EntityManager, payload: RawPayload): Promise<string> {
    const rows = (await manager.query(
      `INSERT INTO hmcts_raw_payload (received_at, method, route, content_type, size_bytes, sha256, body, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'received') RETURNING id`,
      [
        payload.receivedAt,
        payload.method,
        payload.route,
        payload.contentType ?? null,
        payload.body.length,
        payloadSha256(payload.body),
        payload.body,
      ],
    )) as { id: string }[];
    return String(rows[0].id);
  }

  /** Records what became of an archived payload. */
  async settle(
    manager: EntityManager,
    id: string,
    status: RawPayloadStatus,
    eventCount: number,
    outcome?: OperationOutcome,
  ): Promise<void> {
    await manager.query('UPDATE hmcts_raw_payload SET status = $2, event_count = $3, outcome = $4 WHERE id = $1', [
      id,
      status,
      eventCount,
      outcome ? JSON.stringify(outcome) : null,
    ]);
  }
}
