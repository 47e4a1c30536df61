import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { IngressModule } from '../ingress/ingress.module';
import { ReportFactStore } from './report-fact.store';
import { ReportFactsObserver } from './report-facts.observer';
import { ReportsController } from './reports.controller';

/**
 * Reporting: keeps the minimum dataset's facts of every accepted event (an ingress observer) and
 * serves `GET /reports/minimum-dataset`.
 */
@Module({
  imports: [AuthModule, IngressModule],
  controllers: [ReportsController],
  providers: [ReportFactStore, ReportFactsObserver],
})
export class ReportingModule {}
