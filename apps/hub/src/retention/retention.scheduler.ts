import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { safeErrorText } from '@cstr/contracts';
import { APP_CONFIG } from '@cstr/platform';
import type { HubConfig } from '../hub.config';
import { RetentionPurge, type ClassPurgeOutcome } from './retention-purge';

/**
 * Runs the retention purge every `RETENTION_PURGE_INTERVAL_MS` (0: never), the first time one
 * interval after start. Every hub instance runs it: rows are claimed with SKIP LOCKED, so two
 * purges at once share the work. Logs counts per class only.
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    @Inject(RetentionPurge) private readonly purge: RetentionPurge,
    @Inject(APP_CONFIG) private readonly config: HubConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.RETENTION_PURGE_INTERVAL_MS > 0) this.schedule();
  }

  /** Waits for a run in progress, so the database closes after it. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
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

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const run = this.runOnce();
      this.running = run;
      void run.finally(() => this.schedule());
    }, this.config.RETENTION_PURGE_INTERVAL_MS);
    this.timer.unref();
  }
}
