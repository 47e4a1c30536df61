import { Module } from '@nestjs/common';
import { IngressController } from './ingress.controller';
import { IngressPipeline } from './ingress.pipeline';

/** The ingress pipeline and its `hub.ingress` handlers. Needs {@link HubCoreModule}. */
@Module({
  controllers: [IngressController],
  providers: [IngressPipeline],
  exports: [IngressPipeline],
})
export class IngressModule {}
