import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Outbox } from '@cstr/messaging';
import {
  APP_CONFIG,
  INBOUND_AUTHENTICATOR,
  InboxAcknowledgements,
  InboxMetricsController,
  IngressPublisher,
  partnerTokenSource,
} from '@cstr/platform';
import { loadPartnersFile } from '@cstr/policy';
import { FhirNotificationsController } from './changes/fhir-notifications.controller';
import { ProviderChangeIntake } from './changes/provider-change-intake';
import { providerMappingContext } from './changes/provider-mapping-context';
import { ProviderPoller } from './changes/provider-poller';
import { SubscriptionRegistrar } from './changes/subscription-registrar';
import { SubscriptionSecrets } from './changes/subscription-secrets';
import { ProviderInboxController } from './inbox/provider-inbox.controller';
import { ProviderFhirClient } from './provider/provider-fhir.client';
import { PROVIDER_PARTNER_SETTINGS } from './provider/provider-partner.token';
import { loadProviderPartnerSettings, type ProviderPartnerSettings } from './provider/provider-partner-settings';
import type { SecondaryCareAdapterConfig } from './secondary-care-adapter.config';

/**
 * The adapter for a secondary-care mental-health provider's FHIR R4 records system: the partner's
 * inbox written to the provider's server with conditional creates (fhir-kit-client), and the
 * provider's changes taken back through rest-hook Subscriptions (`POST /fhir-notifications`), or by
 * polling `_lastUpdated` where the server has none.
 */
@Module({
  controllers: [ProviderInboxController, FhirNotificationsController, InboxMetricsController],
  providers: [
    {
      provide: InboxAcknowledgements,
      useFactory: () => new InboxAcknowledgements('provider', "the provider's FHIR server"),
    },
    {
      provide: PROVIDER_PARTNER_SETTINGS,
      inject: [APP_CONFIG],
      useFactory: (config: SecondaryCareAdapterConfig) =>
        loadProviderPartnerSettings(config.PARTNERS_FILE, config.PARTNER_ID, config.SANDBOX_BASE_URL),
    },
    {
      provide: ProviderFhirClient,
      inject: [APP_CONFIG, PROVIDER_PARTNER_SETTINGS],
      useFactory: (config: SecondaryCareAdapterConfig, partner: ProviderPartnerSettings) =>
        // The provider's server takes OAuth2 client-credentials tokens (SMART backend services as the model).
        new ProviderFhirClient(
          partner.fhirBaseUrl,
          config.FHIR_TIMEOUT_MS,
          partnerTokenSource(
            partner.partnerId,
            loadPartnersFile(config.PARTNERS_FILE, { sandboxBaseUrl: config.SANDBOX_BASE_URL }).find(
              (candidate) => candidate.id === partner.partnerId,
            )?.adapter,
            { secret: config.PARTNER_CLIENT_SECRET },
            config.NODE_ENV,
            { timeoutMs: config.FHIR_TIMEOUT_MS },
          ),
        ),
    },
    {
      provide: SubscriptionSecrets,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => new SubscriptionSecrets(dataSource),
    },
    // POST /fhir-notifications: only with the secret header of one of the adapter's Subscriptions.
    { provide: INBOUND_AUTHENTICATOR, useExisting: SubscriptionSecrets },
    {
      provide: IngressPublisher,
      inject: [APP_CONFIG, Outbox],
      useFactory: (config: SecondaryCareAdapterConfig, outbox: Outbox) => new IngressPublisher(config, outbox),
    },
    {
      provide: ProviderChangeIntake,
      inject: [ProviderFhirClient, DataSource, IngressPublisher, PROVIDER_PARTNER_SETTINGS],
      useFactory: (
        fhir: ProviderFhirClient,
        dataSource: DataSource,
        publisher: IngressPublisher,
        partner: ProviderPartnerSettings,
      ) => new ProviderChangeIntake(fhir, dataSource, publisher, () => providerMappingContext(partner)),
    },
    SubscriptionRegistrar,
    ProviderPoller,
  ],
})
export class SecondaryCareAdapterModule {}
