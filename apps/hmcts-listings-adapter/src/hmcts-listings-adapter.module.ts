import { resolve } from 'node:path';
import { Module } from '@nestjs/common';
import { APP_CONFIG, IngressPublisher } from '@cstr/platform';
import type { HmctsListingsAdapterConfig } from './hmcts-listings-adapter.config';
import { HMCTS_PARTNER_SETTINGS, loadHmctsPartnerSettings } from './hmcts-partner-settings';
import { ListingIntakeService } from './listings/listing-intake.service';
import { ListingsController } from './listings/listings.controller';

/**
 * The adapter for HMCTS court listings and results: Common Platform pushes hearings, results and
 * deletions, Libra sends daily lists; each payload is archived, mapped to court events and
 * published to the hub. Court events go only from courts to the hub, so its inbox has no handlers.
 */
@Module({
  controllers: [ListingsController],
  providers: [
    {
      provide: HMCTS_PARTNER_SETTINGS,
      inject: [APP_CONFIG],
      useFactory: (config: HmctsListingsAdapterConfig) =>
        loadHmctsPartnerSettings(resolve(config.PARTNERS_FILE), config.PARTNER_ID),
    },
    IngressPublisher,
    ListingIntakeService,
  ],
})
export class HmctsListingsAdapterModule {}
