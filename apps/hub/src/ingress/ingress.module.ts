import { Module } from '@nestjs/common';
import { IngressController } from './ingress.controller';
import { IngressObservers } from './ingress-observer';
import { IngressRouter } from './ingress-router';
import { IngressPipeline } from './ingress.pipeline';
import { PartitionBalancer } from './partition-balancer';

/** The ingress router (`hub.ingress` → partitions), the pipeline and its partition handlers. Needs {@link HubCoreModule}. */
@Module({
  controllers: [IngressController],
  providers: [IngressPipeline, IngressObservers, IngressRouter, PartitionBalancer],
  exports: [IngressPipeline, IngressObservers, IngressRouter],
})
export class IngressModule {}
