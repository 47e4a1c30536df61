import { resolve } from 'node:path';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  APP_CONFIG,
  BearerTokenVerifier,
  INBOUND_AUTHENTICATOR,
  InboxAcknowledgements,
  InboxMetricsController,
  IngressPublisher,
  loadRetentionConfig,
  projectPath,
  readInboundTokenSettings,
} from '@cstr/platform';
import { loadPartnersFile } from '@cstr/policy';
import { RawPayloadPurgeScheduler } from './archive/raw-payload-purge.scheduler';
import { RAW_PAYLOAD_RETENTION_CLASS, RawPayloadPurge } from './archive/raw-payload.purge';
import type { HmctsListingsAdapterConfig } from './hmcts-listings-adapter.config';
import { HMCTS_PARTNER_SETTINGS, loadHmctsPartnerSettings } from './hmcts-partner-settings';
import { ListingIntakeService } from './listings/listing-intake.service';
import { ListingsController } from './listings/listings.controller';
import { CourtInboxController } from './inbox/court-inbox.controller';

/**
 * The adapter for HMCTS court listings and results: Common Platform pushes hearings, results and
 * deletions, Libra sends daily lists; each payload is archived, mapped to court events and
 * published to the hub; archived payloads are purged after their retention period. What the agreements deliver to a court (probation's review reports, consent,
 * missed deadlines) is acknowledged: Common Platform takes no writes from the adapter.
 */
@Module({
  controllers: [ListingsController, CourtInboxController, InboxMetricsController],
  providers: [
    { provide: InboxAcknowledgements, useFactory: () => new InboxAcknowledgements('court', 'Common Platform') },
    {
      // The partner system's calls: OAuth2 bearer tokens from its issuer, for this adapter, issued to its own client.
      provide: INBOUND_AUTHENTICATOR,
      inject: [APP_CONFIG],
      useFactory: (config: HmctsListingsAdapterConfig) =>
        new BearerTokenVerifier(
          readInboundTokenSettings(
            config.PARTNER_ID,
            loadPartnersFile(resolve(config.PARTNERS_FILE), { sandboxBaseUrl: config.SANDBOX_BASE_URL }).find(
              (partner) => partner.id === config.PARTNER_ID,
            )?.adapter,
          ),
        ),
    },
    {
      provide: HMCTS_PARTNER_SETTINGS,
      inject: [APP_CONFIG],
      useFactory: (config: HmctsListingsAdapterConfig) =>
        loadHmctsPartnerSettings(resolve(config.PARTNERS_FILE), config.PARTNER_ID),
    },
    IngressPublisher,
    ListingIntakeService,
    {
      // The archive's period from config/retention.yaml: a bad file stops the adapter, naming every bad key.
      provide: RawPayloadPurge,
      inject: [DataSource, APP_CONFIG],
      useFactory: (dataSource: DataSource, config: HmctsListingsAdapterConfig) =>
        new RawPayloadPurge(
          dataSource,
          loadRetentionConfig(projectPath(config.RETENTION_FILE)).classes[RAW_PAYLOAD_RETENTION_CLASS].keep,
          { batchSize: config.RETENTION_PURGE_BATCH },
        ),
    },
    RawPayloadPurgeScheduler,
  ],
})
export class HmctsListingsAdapterModule {}
