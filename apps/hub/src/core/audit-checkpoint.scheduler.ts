import {
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AuditLog, MAIN_AUDIT_CHAIN, type CheckpointOutcome } from '@cstr/audit';
import { safeErrorText } from '@cstr/contracts';
import { APP_CONFIG, PeriodicTask } from '@cstr/platform';
import type { HubConfig } from '../hub.config';
import { HubMetrics } from './hub-metrics';

/**
 * Writes a signed checkpoint of the head of every audit chain (`main` and each ingress
 * partition's) outside the database (`AuditLog.checkpoint`): at start, every
 * `AUDIT_CHECKPOINT_INTERVAL_MS` when a head moved, and once more at graceful shutdown, after the
 * transport and the HTTP server have stopped (so the last appends are covered) and before the
 * database pool closes. Every instance does it; an instance that finds a checkpoint of the same
 * heads already written leaves it.
 */
@Injectable()
export class AuditCheckpointScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditCheckpointScheduler.name);
  private readonly task: PeriodicTask;

  constructor(
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(HubMetrics) private readonly metrics: HubMetrics,
    @Inject(APP_CONFIG) private readonly config: HubConfig,
  ) {
    this.task = new PeriodicTask(() => this.runOnce(), config.AUDIT_CHECKPOINT_INTERVAL_MS);
  }

  onApplicationBootstrap(): void {
    const { ring, current } = this.audit.keyIds;
    this.logger.log(
      `Audit key ${current} (ring ${ring.join(', ')}); partition key ${this.config.PARTITION_KEY_ID}; checkpoints every ${this.config.AUDIT_CHECKPOINT_INTERVAL_MS} ms`,
    );
    this.task.start(0);
  }

  /** The last checkpoint, once the transport has stopped; the database closes after this (platform module). */
  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
    await this.runOnce();
  }

  /** Writes a checkpoint when a head moved; failures are alerts (logged and counted), never thrown. */
  async runOnce(): Promise<CheckpointOutcome | undefined> {
    try {
      const outcome = await this.audit.checkpoint();
      const { checkpoint } = outcome;
      const main = checkpoint?.heads.find((head) => head.chain === MAIN_AUDIT_CHAIN)?.seq ?? 0;
      if (checkpoint) this.metrics.auditCheckpoint(main, checkpoint.at);
      if (outcome.written)
        this.logger.debug(
          `Audit checkpoint written: ${outcome.checkpoint.heads.length} chain(s), chain ${MAIN_AUDIT_CHAIN} at seq ${main}`,
        );
      return outcome;
    } catch (error) {
      // The database is unreachable: nothing to sign; the next run tries again.
      this.logger.warn(`Audit checkpoint not taken: ${safeErrorText(error)}`);
      return undefined;
    }
  }
}

/**
 * The audit checkpoints. Not global, so that Nest calls its shutdown hook before the platform's
 * (global modules come last), which closes the database.
 */
@Module({ providers: [AuditCheckpointScheduler], exports: [AuditCheckpointScheduler] })
export class AuditCheckpointModule {}
