import { Module } from '@nestjs/common';

/**
 * The adapter for a secondary-care mental-health provider's FHIR R4 records system.
 * It consumes its partner's inbox; the partner protocol and event mapping come with the adapters issue.
 */
@Module({})
export class SecondaryCareAdapterModule {}
