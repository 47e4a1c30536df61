import { Module } from '@nestjs/common';
import { APP_CONFIG, projectPath } from '@cstr/platform';
import { AuthModule } from '../auth/auth.module';
import type { HubConfig } from '../hub.config';
import { IngressModule } from '../ingress/ingress.module';
import { loadPathwayConfig, PATHWAY_CONFIG } from './pathway.config';
import { PathwayObserver } from './pathway.observer';
import { PathwayScheduler } from './pathway.scheduler';
import { TimelineController } from './timeline.controller';
import { TimelineService } from './timeline.service';

/**
 * The pathway (SPEC §8): deadlines opened and closed by accepted events (an ingress observer),
 * the scheduler that sends `pathway.deadline.missed` and `pathway.candidate.identified`, and
 * `GET /people/{identifier}/timeline`. `config/pathway.yaml` is checked at boot.
 */
@Module({
  imports: [IngressModule, AuthModule],
  controllers: [TimelineController],
  providers: [
    {
      provide: PATHWAY_CONFIG,
      inject: [APP_CONFIG],
      useFactory: (config: HubConfig) => loadPathwayConfig(projectPath(config.PATHWAY_FILE)),
    },
    PathwayObserver,
    PathwayScheduler,
    TimelineService,
  ],
  exports: [PathwayScheduler, TimelineService],
})
export class PathwayModule {}
