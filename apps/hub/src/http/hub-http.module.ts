import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DeadLettersModule } from '../dead-letters/dead-letters.module';
import { AgreementsController } from './agreements.controller';
import { AuditController } from './audit.controller';
import { MetricsController } from './metrics.controller';
import { ProcessMessageController } from './process-message.controller';
import { ProcessMessageService } from './process-message.service';
import { PublishedDocumentsController } from './published-documents.controller';
import { ValidateController } from './validate.controller';
import { ValidateService } from './validate.service';

/**
 * The hub's HTTP API (SPEC §7) but `/health` (platform): `$process-message`, audit, agreements,
 * dead letters, metrics, the AsyncAPI document and the CodeSystems. Every endpoint authenticates
 * (HTTP Basic) and checks roles; every error body is an OperationOutcome.
 */
@Module({
  imports: [AuthModule, DeadLettersModule],
  controllers: [
    ProcessMessageController,
    ValidateController,
    AuditController,
    AgreementsController,
    PublishedDocumentsController,
    MetricsController,
  ],
  providers: [ProcessMessageService, ValidateService],
})
export class HubHttpModule {}
