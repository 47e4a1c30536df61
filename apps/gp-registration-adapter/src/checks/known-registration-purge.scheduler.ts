import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { safeErrorText } from '@cstr/contracts';
import { APP_CONFIG, InboxAcknowledgements } from '@cstr/platform';
import type { GpRegistrationAdapterConfig } from '../gp-registration-adapter.config';
import {
  KNOWN_REGISTRATION_RETENTION_CLASS,
  KnownRegistrationPurge,
  type KnownRegistrationPurgeOutcome,
} from './known-registration.purge';

/** The first run waits this long after start (or one interval, when shorter): boot stays light. */
const FIRST_RUN_DELAY_MS = 60_000;

/**
 * Runs the purge of known GP registrations every `RETENTION_PURGE_INTERVAL_MS` (0: never), the
 * first time a minute after start, as the hub and the court adapter run theirs. The adapter keeps
 * no audit log: each run that deleted something is logged (count and cut-off, never an NHS number)
 * and counted in `cstr_gp_known_registrations_purged_total` at `GET /metrics`.
 */
@Injectable()
export class KnownRegistrationPurgeScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KnownRegistrationPurgeScheduler.name);
  private readonly purgedTotal: Counter;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    @Inject(KnownRegistrationPurge) private readonly purge: KnownRegistrationPurge,
    @Inject(APP_CONFIG) private readonly config: GpRegistrationAdapterConfig,
    @Inject(InboxAcknowledgements) metrics: InboxAcknowledgements,
  ) {
    this.purgedTotal = new Counter({
      name: 'cstr_gp_known_registrations_purged_total',
      help: `GP practices known per NHS number deleted by the retention purge (${KNOWN_REGISTRATION_RETENTION_CLASS}).`,
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    const interval = this.config.RETENTION_PURGE_INTERVAL_MS;
    if (interval > 0) this.schedule(Math.min(interval, FIRST_RUN_DELAY_MS));
  }

  /** Waits for a run in progress, so the database closes after it. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One run; a failure is logged and the next run tries again. */
  async runOnce(): Promise<KnownRegistrationPurgeOutcome | undefined> {
    try {
      const outcome = await this.purge.run();
      this.purgedTotal.inc(outcome.deleted);
      if (outcome.deleted > 0)
        this.logger.log(
          `Retention purge of ${KNOWN_REGISTRATION_RETENTION_CLASS}: ${outcome.deleted} known GP registrations deleted, last read before ${outcome.dueBefore.toISOString()}.`,
        );
      return outcome;
    } catch (error) {
      this.logger.warn(
        `Retention purge of ${KNOWN_REGISTRATION_RETENTION_CLASS} not finished: ${safeErrorText(error)}`,
      );
      return undefined;
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const run = this.runOnce();
      this.running = run;
      void run.finally(() => this.schedule(this.config.RETENTION_PURGE_INTERVAL_MS));
    }, delayMs);
    this.timer.unref();
  }
}
