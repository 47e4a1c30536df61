import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Outbox } from '@cstr/messaging';
import {
  APP_CONFIG,
  INBOUND_AUTHENTICATOR,
  InboxAcknowledgements,
  InboxMetricsController,
  IngressPublisher,
  SnsSignatureVerifier,
  authorizedFetch,
  partnerTokenSource,
} from '@cstr/platform';
import { DeliusApiClient } from './delius/delius-api.client';
import { DELIUS_PARTNER_SETTINGS } from './delius/delius-partner.token';
import { loadDeliusPartnerSettings, type DeliusPartnerSettings } from './delius/delius-partner-settings';
import { DetailUrlAllowList } from './delius/detail-url-allow-list';
import { DomainEventIntake, mappingContextFor } from './domain-events/domain-event-intake';
import { DomainEventsController } from './domain-events/domain-events.controller';
import { DeliusInboxController } from './inbox/delius-inbox.controller';
import { DeliusInboxMetrics } from './inbox/delius-inbox.metrics';
import type { NdeliusAdapterConfig } from './ndelius-adapter.config';

/**
 * The adapter for n-Delius, the probation case management system: HMPPS domain events in
 * (`POST /domain-events`, details fetched from allow-listed URLs only), and the partner's inbox
 * written to Delius as contacts and alerts (or acknowledged, counted at `GET /metrics`).
 */
@Module({
  controllers: [DomainEventsController, DeliusInboxController, InboxMetricsController],
  providers: [
    { provide: DeliusInboxMetrics, useFactory: () => new DeliusInboxMetrics() },
    // GET /metrics serves the inbox's acknowledgements.
    { provide: InboxAcknowledgements, useExisting: DeliusInboxMetrics },
    {
      provide: DELIUS_PARTNER_SETTINGS,
      inject: [APP_CONFIG],
      useFactory: (config: NdeliusAdapterConfig) =>
        loadDeliusPartnerSettings(config.PARTNERS_FILE, config.PARTNER_ID, config.SANDBOX_BASE_URL),
    },
    {
      provide: DeliusApiClient,
      inject: [APP_CONFIG, DELIUS_PARTNER_SETTINGS],
      useFactory: (config: NdeliusAdapterConfig, partner: DeliusPartnerSettings) => {
        // The Delius API takes HMPPS Auth client-credentials tokens: cached, refreshed, one retry on a 401.
        const tokens = partnerTokenSource(
          partner.partnerId,
          partner.adapterSettings,
          { secret: config.PARTNER_CLIENT_SECRET },
          config.NODE_ENV,
          { timeoutMs: config.DELIUS_TIMEOUT_MS },
        );
        return new DeliusApiClient({
          baseUrl: partner.deliusApiUrl,
          timeoutMs: config.DELIUS_TIMEOUT_MS,
          fetch: authorizedFetch(tokens),
        });
      },
    },
    {
      // POST /domain-events: only SNS notifications whose signature verifies (certificate from an allow-listed URL).
      provide: INBOUND_AUTHENTICATOR,
      inject: [APP_CONFIG, DELIUS_PARTNER_SETTINGS],
      useFactory: (config: NdeliusAdapterConfig, partner: DeliusPartnerSettings) =>
        new SnsSignatureVerifier({
          certUrlAllowList: partner.snsCertUrlAllowList,
          timeoutMs: config.DELIUS_TIMEOUT_MS,
        }),
    },
    {
      provide: IngressPublisher,
      inject: [APP_CONFIG, Outbox],
      useFactory: (config: NdeliusAdapterConfig, outbox: Outbox) => new IngressPublisher(config, outbox),
    },
    {
      provide: DomainEventIntake,
      inject: [DeliusApiClient, DELIUS_PARTNER_SETTINGS, IngressPublisher, DataSource],
      useFactory: (
        delius: DeliusApiClient,
        partner: DeliusPartnerSettings,
        publisher: IngressPublisher,
        dataSource: DataSource,
      ) =>
        new DomainEventIntake(
          delius,
          new DetailUrlAllowList(partner.detailUrlAllowList),
          () => mappingContextFor(partner),
          dataSource,
          publisher,
        ),
    },
  ],
})
export class NdeliusAdapterModule {}
