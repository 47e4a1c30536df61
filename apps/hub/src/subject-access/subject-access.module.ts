import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { SubjectAccessController } from './subject-access.controller';
import { SubjectAccessService } from './subject-access.service';

/**
 * The subject access export (UK GDPR Art. 15): `GET /people/{identifier}/subject-access`, for IG
 * leads. Reads the audit, the person index and the person's consents; needs {@link HubCoreModule}.
 */
@Module({
  imports: [AuthModule],
  controllers: [SubjectAccessController],
  providers: [SubjectAccessService],
})
export class SubjectAccessModule {}
