import { Module } from '@nestjs/common';
import { AgreementsModule } from './agreements/agreements.module';
import { AuditCheckpointModule } from './core/audit-checkpoint.scheduler';
import { HubCoreModule } from './core/hub-core.module';
import { HubHttpModule } from './http/hub-http.module';
import { IngressModule } from './ingress/ingress.module';
import { PathwayModule } from './pathway/pathway.module';
import { ReportingModule } from './reporting/reporting.module';
import { RetentionModule } from './retention/retention.module';
import { ConsoleModule } from './console/console.module';
import { SubjectAccessModule } from './subject-access/subject-access.module';

/**
 * The hub: the single policy point. It consumes `hub.ingress`; validation, identity, agreements,
 * delivery and audit arrive with the contracts and hub issues.
 */
@Module({
  imports: [
    HubCoreModule,
    AgreementsModule,
    AuditCheckpointModule,
    IngressModule,
    HubHttpModule,
    PathwayModule,
    ReportingModule,
    RetentionModule,
    ConsoleModule,
    SubjectAccessModule,
  ],
})
export class HubModule {}
