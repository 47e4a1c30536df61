import { Module } from '@nestjs/common';

/**
 * The adapter for the PDS-style GP registration service.
 * It consumes its partner's inbox; the partner protocol and event mapping come with the adapters issue.
 */
@Module({})
export class GpRegistrationAdapterModule {}
