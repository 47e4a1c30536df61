import { Module } from '@nestjs/common';

/**
 * The adapter for n-Delius, the probation case management system.
 * It consumes its partner's inbox; the partner protocol and event mapping come with the adapters issue.
 */
@Module({})
export class NdeliusAdapterModule {}
