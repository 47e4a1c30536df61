import { Module } from '@nestjs/common';

/**
 * The hub: the single policy point. It consumes `hub.ingress`; validation, identity, agreements,
 * delivery and audit arrive with the contracts and hub issues.
 */
@Module({})
export class HubModule {}
