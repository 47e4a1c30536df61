import { deleteDueRows, dueBefore, type RetentionPeriod } from '@cstr/platform';
import type { DataSource } from 'typeorm';

/** The retention class of the practices known per NHS number (`config/retention.yaml`). */
export const KNOWN_REGISTRATION_RETENTION_CLASS = 'known-gp-registrations';

/** Options of {@link KnownRegistrationPurge}. */
export interface KnownRegistrationPurgeOptions {
  /** Rows claimed at a time. */
  readonly batchSize: number;
  /** Batches one run takes at most (the rest waits for the next run). Default 20. */
  readonly maxBatches?: number;
  readonly now?: () => Date;
}

/** What one run deleted. */
export interface KnownRegistrationPurgeOutcome {
  readonly deleted: number;
  /** Rows last updated before this moment were due. */
  readonly dueBefore: Date;
}

/**
 * The GP registration adapter's purge of `gp_known_registration`, which the hub's purge cannot
 * reach: practices last read from PDS longer ago than the `known-gp-registrations` period are
 * deleted in batches, one transaction each, claimed with `FOR UPDATE SKIP LOCKED` so that adapter
 * instances purging at once share the work and a row being updated by a PDS read is left for the
 * next run.
 */
export class KnownRegistrationPurge {
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    private readonly keep: RetentionPeriod,
    private readonly options: KnownRegistrationPurgeOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** One run: batch after batch until one comes back short, or `maxBatches`. */
  async run(): Promise<KnownRegistrationPurgeOutcome> {
    const before = dueBefore(this.keep, this.now());
    const { batchSize, maxBatches = 20 } = this.options;
    let deleted = 0;
    for (let batch = 0; batch < maxBatches; batch += 1) {
      const count = await this.dataSource.transaction('READ COMMITTED', (tx) =>
        deleteDueRows(tx, 'gp_known_registration', 'nhs_number', 'updated_at < $1', before, batchSize),
      );
      deleted += count;
      if (count < batchSize) break;
    }
    return { deleted, dueBefore: before };
  }
}
