import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cstr/audit';
import { PersonIndex } from '@cstr/identity';
import { APP_CONFIG, loadRetentionConfig, projectPath, type RetentionConfig } from '@cstr/platform';
import { AuthModule } from '../auth/auth.module';
import type { HubConfig } from '../hub.config';
import { ErasureController } from './erasure.controller';
import { PersonErasureService } from './person-erasure.service';
import { RetentionPurge } from './retention-purge';
import { RetentionScheduler } from './retention.scheduler';

/** DI token of the checked {@link RetentionConfig} (`config/retention.yaml`). */
export const RETENTION_CONFIG = Symbol('RETENTION_CONFIG');

/**
 * Retention, erasure and rectification: `config/retention.yaml` checked at start (a bad file stops
 * the hub, naming every bad key), the scheduled purge, and the admin's erasure routes.
 */
@Module({
  imports: [AuthModule],
  controllers: [ErasureController],
  providers: [
    {
      provide: RETENTION_CONFIG,
      inject: [APP_CONFIG],
      useFactory: (config: HubConfig) => loadRetentionConfig(projectPath(config.RETENTION_FILE)),
    },
    {
      provide: RetentionPurge,
      inject: [DataSource, AuditLog, PersonIndex, RETENTION_CONFIG, APP_CONFIG],
      useFactory: (
        dataSource: DataSource,
        audit: AuditLog,
        index: PersonIndex,
        retention: RetentionConfig,
        config: HubConfig,
      ) => new RetentionPurge(dataSource, audit, index, retention, { batchSize: config.RETENTION_PURGE_BATCH }),
    },
    {
      provide: PersonErasureService,
      inject: [DataSource, AuditLog, PersonIndex],
      useFactory: (dataSource: DataSource, audit: AuditLog, index: PersonIndex) =>
        new PersonErasureService(dataSource, audit, index),
    },
    RetentionScheduler,
  ],
})
export class RetentionModule {}
