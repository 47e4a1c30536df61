import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AuditLog, MAIN_AUDIT_CHAIN, type ChainVerification } from '@cstr/audit';
import { safeErrorText } from '@cstr/contracts';
import { APP_CONFIG, PeriodicTask } from '@cstr/platform';
import type { HubConfig } from '../hub.config';
import { HubMetrics } from './hub-metrics';

/**
 * Verifies the whole audit chain (`AuditLog.verify`, as `GET /audit/verify` does) at start and
 * every `AUDIT_VERIFY_INTERVAL_MS` (0: never), and reports the result as
 * `cstr_hub_audit_verify_ok` and `cstr_hub_audit_verify_timestamp_seconds`, so that an alert
 * fires on a break nobody asked about. Not a read of audit data by a person: no read record.
 */
@Injectable()
export class AuditVerifyScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditVerifyScheduler.name);
  private readonly task: PeriodicTask;

  constructor(
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(HubMetrics) private readonly metrics: HubMetrics,
    @Inject(APP_CONFIG) private readonly config: Pick<HubConfig, 'AUDIT_VERIFY_INTERVAL_MS'>,
  ) {
    this.task = new PeriodicTask(() => this.runOnce(), config.AUDIT_VERIFY_INTERVAL_MS);
  }

  onApplicationBootstrap(): void {
    if (this.config.AUDIT_VERIFY_INTERVAL_MS > 0) this.task.start(0);
  }

  /** Cancels the next run; a verification in progress is not waited for (it may read the whole chain). */
  onApplicationShutdown(): void {
    void this.task.stop();
  }

  /** Verifies once; a break is logged (seq and reason only) and reported, never thrown. */
  async runOnce(): Promise<ChainVerification | undefined> {
    try {
      const verification = await this.audit.verify();
      this.metrics.auditVerified(verification.ok, new Date());
      if (!verification.ok)
        this.logger.error(
          `Audit chain does not verify: first broken record seq ${verification.firstBroken?.seq ?? '?'} of chain ${verification.firstBroken?.chain ?? MAIN_AUDIT_CHAIN} (${verification.firstBroken?.reason ?? 'unknown'})`,
        );
      return verification;
    } catch (error) {
      // The database is unreachable: no verdict; the timestamp stays old, which an alert watches.
      this.logger.warn(`Audit chain not verified: ${safeErrorText(error)}`);
      return undefined;
    }
  }
}
