import { Module } from '@nestjs/common';
import { IngressController } from './ingress.controller';
import { IngressObservers } from './ingress-observer';
import { IngressPipeline } from './ingress.pipeline';

/** The ingress pipeline and its `hub.ingress` handlers. Needs {@link HubCoreModule}. */
@Module({
  controllers: [IngressController],
  providers: [IngressPipeline, IngressObservers],
  exports: [IngressPipeline, IngressObservers],
})
export class IngressModule {}
