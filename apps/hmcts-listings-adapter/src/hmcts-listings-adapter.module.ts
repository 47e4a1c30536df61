import { Module } from '@nestjs/common';

/**
 * The adapter for HMCTS court listings and results (Common Platform, Libra).
 * It consumes its partner's inbox; the partner protocol and event mapping come with the adapters issue.
 */
@Module({})
export class HmctsListingsAdapterModule {}
