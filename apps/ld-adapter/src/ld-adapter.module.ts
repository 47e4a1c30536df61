import { resolve } from 'node:path';
import { Module } from '@nestjs/common';
import {
  APP_CONFIG,
  BearerTokenVerifier,
  INBOUND_AUTHENTICATOR,
  InboxAcknowledgements,
  InboxMetricsController,
  IngressPublisher,
  readInboundTokenSettings,
} from '@cstr/platform';
import { loadPartnersFile } from '@cstr/policy';
import { LdAlertsClient } from './alerts/ld-alerts.client';
import { LdInboxController } from './alerts/ld-inbox.controller';
import type { LdAdapterConfig } from './ld-adapter.config';
import { LD_PARTNER_SETTINGS, loadLdPartnerSettings } from './ld-partner-settings';
import { ScreeningIntakeService } from './screenings/screening-intake.service';
import { ScreeningsController } from './screenings/screenings.controller';

/**
 * The adapter for the Liaison & Diversion case system: screenings in (`POST /screenings` →
 * `ld.screening.completed` + `consent.recorded`), "listed today" alerts out (inbox
 * `pathway.candidate.identified` and `court.hearing.listed` → `POST {ldSystemUrl}/alerts`).
 */
@Module({
  controllers: [ScreeningsController, LdInboxController, InboxMetricsController],
  providers: [
    { provide: InboxAcknowledgements, useFactory: () => new InboxAcknowledgements('ld', 'the L&D case system') },
    {
      // The partner system's calls: OAuth2 bearer tokens from its issuer, for this adapter, issued to its own client.
      provide: INBOUND_AUTHENTICATOR,
      inject: [APP_CONFIG],
      useFactory: (config: LdAdapterConfig) =>
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
      provide: LD_PARTNER_SETTINGS,
      inject: [APP_CONFIG],
      useFactory: (config: LdAdapterConfig) =>
        loadLdPartnerSettings(resolve(config.PARTNERS_FILE), config.PARTNER_ID, config.SANDBOX_BASE_URL),
    },
    IngressPublisher,
    ScreeningIntakeService,
    LdAlertsClient,
  ],
})
export class LdAdapterModule {}
