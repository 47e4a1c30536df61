import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { safeErrorText } from '@cstr/contracts';
import { APP_CONFIG, PeriodicTask } from '@cstr/platform';
import type { HubConfig } from '../hub.config';
import { RetentionPurge, type ClassPurgeOutcome } from './retention-purge';

/** The first run waits this long after start (or one interval, when shorter): boot stays light. */
const FIRST_RUN_DELAY_MS = 60_000;

/**
 * Runs the retention purge every `RETENTION_PURGE_INTERVAL_MS` (0: never), the first time a
 * minute after start, so a hub restarted more often than the interval still purges. Every hub
 * instance runs it: rows are claimed with SKIP LOCKED, so two purges at once share the work.
 * Logs counts per class only.
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionScheduler.name);
  private readonly task: PeriodicTask;

  constructor(
    @Inject(RetentionPurge) private readonly purge: RetentionPurge,
    @Inject(APP_CONFIG) private readonly config: HubConfig,
  ) {
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

  /** One run over every class; a failure is logged (class by class) and the next run tries again. */
  async runOnce(): Promise<ClassPurgeOutcome[]> {
    try {
      const outcomes = await this.purge.run();
      for (const outcome of outcomes)
        if (outcome.deleted > 0) this.logger.log(`Retention purge: ${outcome.dataClass} ${outcome.deleted}`);
      return outcomes;
    } catch (error) {
      this.logger.warn(`Retention purge not finished: ${safeErrorText(error)}`);
      return [];
    }
  }
}
