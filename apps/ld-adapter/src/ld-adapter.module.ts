import { Module } from '@nestjs/common';

/**
 * The adapter for the Liaison & Diversion case system.
 * It consumes its partner's inbox; the partner protocol and event mapping come with the adapters issue.
 */
@Module({})
export class LdAdapterModule {}
