import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { safeErrorText } from '@cstr/contracts';
import { APP_CONFIG, InboxAcknowledgements, PeriodicTask } from '@cstr/platform';
import type { HmctsListingsAdapterConfig } from '../hmcts-listings-adapter.config';
import { RAW_PAYLOAD_RETENTION_CLASS, RawPayloadPurge, type RawPayloadPurgeOutcome } from './raw-payload.purge';

/** The first run waits this long after start (or one interval, when shorter): boot stays light. */
const FIRST_RUN_DELAY_MS = 60_000;

/**
 * Runs the raw payload purge every `RETENTION_PURGE_INTERVAL_MS` (0: never), the first time a
 * minute after start, as the hub runs its own. The adapter keeps no audit log: each run that
 * deleted something is logged (count and cut-off, no personal data) and counted in
 * `cstr_court_raw_payloads_purged_total` at `GET /metrics`.
 */
@Injectable()
export class RawPayloadPurgeScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RawPayloadPurgeScheduler.name);
  private readonly purgedTotal: Counter;
  private readonly task: PeriodicTask;

  constructor(
    @Inject(RawPayloadPurge) private readonly purge: RawPayloadPurge,
    @Inject(APP_CONFIG) private readonly config: HmctsListingsAdapterConfig,
    @Inject(InboxAcknowledgements) metrics: InboxAcknowledgements,
  ) {
    this.purgedTotal = new Counter({
      name: 'cstr_court_raw_payloads_purged_total',
      help: `Raw court payloads deleted from the archive by the retention purge (${RAW_PAYLOAD_RETENTION_CLASS}).`,
      registers: [metrics.registry],
    });
    this.task = new PeriodicTask(() => this.runOnce(), config.RETENTION_PURGE_INTERVAL_MS);
  }

  onApplicationBootstrap(): void {
    const interval = this.config.RETENTION_PURGE_INTERVAL_MS;
    if (interval > 0) this.task.start(Math.min(interval, FIRST_RUN_DELAY_MS));
  }

  /** Waits for a run in progress, so the database closes after it. */
  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One run; a failure is logged and the next run tries again. */
  async runOnce(): Promise<RawPayloadPurgeOutcome | undefined> {
    try {
      const outcome = await this.purge.run();
      this.purgedTotal.inc(outcome.deleted);
      if (outcome.deleted > 0)
        this.logger.log(
          `Retention purge of ${RAW_PAYLOAD_RETENTION_CLASS}: ${outcome.deleted} raw payloads deleted, received before ${outcome.dueBefore.toISOString()}.`,
        );
      return outcome;
    } catch (error) {
      this.logger.warn(`Retention purge of ${RAW_PAYLOAD_RETENTION_CLASS} not finished: ${safeErrorText(error)}`);
      return undefined;
    }
  }
}
