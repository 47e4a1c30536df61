import { deleteDueRows, dueBefore, type RetentionPeriod } from '@cstr/platform';
import type { DataSource } from 'typeorm';

/** The retention class of the raw payload archive (`config/retention.yaml`). */
export const RAW_PAYLOAD_RETENTION_CLASS = 'partner-payload-archives';

/** Options of {@link RawPayloadPurge}. */
export interface RawPayloadPurgeOptions {
  /** Payloads claimed at a time. */
  readonly batchSize: number;
  /** Batches one run takes at most (the rest waits for the next run). Default 20. */
  readonly maxBatches?: number;
  readonly now?: () => Date;
}

/** What one run deleted. */
export interface RawPayloadPurgeOutcome {
  readonly deleted: number;
  /** Payloads received before this moment were due. */
  readonly dueBefore: Date;
}

/**
 * The court adapter's purge of its raw payload archive (`hmcts_raw_payload`), which the hub's
 * purge cannot reach: payloads received longer ago than the `partner-payload-archives` period,
 * whatever became of them, are deleted in batches, one transaction each, claimed with
 * `FOR UPDATE SKIP LOCKED` so that adapter instances purging at once share the work.
 */
export class RawPayloadPurge {
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    private readonly keep: RetentionPeriod,
    private readonly options: RawPayloadPurgeOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** One run: batch after batch until one comes back short, or `maxBatches`. */
  async run(): Promise<RawPayloadPurgeOutcome> {
    const before = dueBefore(this.keep, this.now());
    const { batchSize, maxBatches = 20 } = this.options;
    let deleted = 0;
    for (let batch = 0; batch < maxBatches; batch += 1) {
      const count = await this.dataSource.transaction('READ COMMITTED', (tx) =>
        deleteDueRows(tx, 'hmcts_raw_payload', 'id', 'received_at < $1', before, batchSize),
      );
      deleted += count;
      if (count < batchSize) break;
    }
    return { deleted, dueBefore: before };
  }
}
