import { Module } from '@nestjs/common';
import { BundleValidation } from './bundle-validation';
import { IngressController } from './ingress.controller';
import { IngressObservers } from './ingress-observer';
import { IngressRouter } from './ingress-router';
import { IngressPipeline } from './ingress.pipeline';
import { PartitionBalancer } from './partition-balancer';

/** The ingress router (`hub.ingress` → partitions), the pipeline and its partition handlers. Needs {@link HubCoreModule}. */
@Module({
  controllers: [IngressController],
  providers: [IngressPipeline, IngressObservers, IngressRouter, PartitionBalancer, BundleValidation],
  exports: [IngressPipeline, IngressObservers, IngressRouter, BundleValidation],
})
export class IngressModule {}
