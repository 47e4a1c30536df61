import { Global, Logger, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog, FileCheckpointStore } from '@cstr/audit';
import { HUB_PARTNER_ID, isEventType } from '@cstr/contracts';
import { PersonIndex } from '@cstr/identity';
import { APP_CONFIG, projectPath } from '@cstr/platform';
import type { HubConfig } from '../hub.config';
import { auditKeyRing } from './audit-keys.validator';
import { AuditVerifyScheduler } from './audit-verify.scheduler';
import { HubMetrics } from './hub-metrics';
import { HubPolicy } from './hub-policy';

/** DI token of the {@link IngressMetrics} the pipeline reports to (a {@link HubMetrics}). */
export const INGRESS_METRICS = Symbol('INGRESS_METRICS');

/**
 * What every part of the hub shares (global): the policy (partners and agreements, checked at
 * boot — a bad file stops the hub with the file, line and reason), the audit log, the person
 * index and the metrics. Needs the platform's `APP_CONFIG` (a {@link HubConfig}) and `DataSource`.
 */
@Global()
@Module({
  providers: [
    {
      provide: HubPolicy,
      inject: [APP_CONFIG],
      useFactory: (config: HubConfig) =>
        HubPolicy.load(projectPath(config.PARTNERS_FILE), projectPath(config.AGREEMENTS_DIR)),
    },
    {
      provide: AuditLog,
      inject: [DataSource, APP_CONFIG, HubMetrics],
      useFactory: async (dataSource: DataSource, config: HubConfig, metrics: HubMetrics) => {
        const logger = new Logger('AuditLog');
        return new AuditLog(dataSource, {
          key: auditKeyRing(config),
          checkpoints: await openCheckpointStore(config, dataSource),
          onAlert: (alert) => {
            // Seqs, key ids and the checkpoint folder only: no personal data, no secret.
            logger.error(`Audit alert ${alert.reason}: ${alert.detail}`);
            metrics.auditAlert(alert.reason);
          },
        });
      },
    },
    { provide: PersonIndex, inject: [DataSource], useFactory: (dataSource: DataSource) => new PersonIndex(dataSource) },
    {
      provide: HubMetrics,
      inject: [HubPolicy],
      useFactory: (policy: HubPolicy) =>
        new HubMetrics(isEventType, (partner) => partner === HUB_PARTNER_ID || policy.partner(partner) !== undefined),
    },
    { provide: INGRESS_METRICS, useExisting: HubMetrics },
    AuditVerifyScheduler,
  ],
  exports: [HubPolicy, AuditLog, PersonIndex, HubMetrics, INGRESS_METRICS],
})
export class HubCoreModule {}

/**
 * The folder of audit checkpoints: `AUDIT_CHECKPOINT_DIR` (required in production, where a
 * missing folder stops the hub), else `.stack/audit-checkpoints/<schema>`, created when missing.
 */
async function openCheckpointStore(config: HubConfig, dataSource: DataSource): Promise<FileCheckpointStore> {
  if (config.AUDIT_CHECKPOINT_DIR !== '')
    return FileCheckpointStore.open(projectPath(config.AUDIT_CHECKPOINT_DIR), {
      create: config.NODE_ENV !== 'production',
    });
  const schema = (dataSource.options as { schema?: string }).schema ?? 'public';
  return FileCheckpointStore.open(projectPath(`.stack/audit-checkpoints/${schema}`), { create: true });
}
