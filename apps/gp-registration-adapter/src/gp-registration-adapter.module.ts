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
  authorizedFetch,
  loadRetentionConfig,
  partnerTokenSource,
  projectPath,
  readInboundTokenSettings,
} from '@cstr/platform';
import { loadPartnersFile } from '@cstr/policy';
import { GpInboxController } from './checks/gp-inbox.controller';
import { GpRegistrationService } from './checks/gp-registration.service';
import { KnownRegistrationPurgeScheduler } from './checks/known-registration-purge.scheduler';
import { KNOWN_REGISTRATION_RETENTION_CLASS, KnownRegistrationPurge } from './checks/known-registration.purge';
import type { GpRegistrationAdapterConfig } from './gp-registration-adapter.config';
import { GP_PARTNER_SETTINGS, loadGpPartnerSettings, type GpPartnerSettings } from './gp-partner-settings';
import { NotificationsController } from './notifications/notifications.controller';
import { PDS_FETCH, PdsClient } from './pds/pds.client';

/**
 * The adapter for the PDS-style GP registration service: PDS reads when the hub delivers a
 * sentence or a PSR request (→ `gp.registration.checked`), and change-of-GP signals
 * (`POST /notifications` → `gp.registration.checked` + `gp.registration.changed`). The practice
 * last seen per NHS number is purged after its retention period.
 */
@Module({
  controllers: [GpInboxController, NotificationsController, InboxMetricsController],
  providers: [
    { provide: InboxAcknowledgements, useFactory: () => new InboxAcknowledgements('gp', 'PDS') },
    {
      // The partner system's calls: OAuth2 bearer tokens from its issuer, for this adapter, issued to its own client.
      provide: INBOUND_AUTHENTICATOR,
      inject: [APP_CONFIG],
      useFactory: (config: GpRegistrationAdapterConfig) =>
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
      provide: GP_PARTNER_SETTINGS,
      inject: [APP_CONFIG],
      useFactory: (config: GpRegistrationAdapterConfig) =>
        loadGpPartnerSettings(resolve(config.PARTNERS_FILE), config.PARTNER_ID, config.SANDBOX_BASE_URL),
    },
    {
      // PDS is application-restricted: tokens from a private-key JWT client assertion (RS512), as NHS England's API platform takes them.
      provide: PDS_FETCH,
      inject: [APP_CONFIG, GP_PARTNER_SETTINGS],
      useFactory: (config: GpRegistrationAdapterConfig, partner: GpPartnerSettings) =>
        authorizedFetch(
          partnerTokenSource(
            partner.partnerId,
            loadPartnersFile(resolve(config.PARTNERS_FILE), { sandboxBaseUrl: config.SANDBOX_BASE_URL }).find(
              (candidate) => candidate.id === config.PARTNER_ID,
            )?.adapter,
            { privateKey: config.PARTNER_CLIENT_PRIVATE_KEY },
            config.NODE_ENV,
            { timeoutMs: config.PDS_TIMEOUT_MS },
          ),
        ),
    },
    IngressPublisher,
    PdsClient,
    GpRegistrationService,
    {
      // The period from config/retention.yaml: a bad file stops the adapter, naming every bad key.
      provide: KnownRegistrationPurge,
      inject: [DataSource, APP_CONFIG],
      useFactory: (dataSource: DataSource, config: GpRegistrationAdapterConfig) =>
        new KnownRegistrationPurge(
          dataSource,
          loadRetentionConfig(projectPath(config.RETENTION_FILE)).classes[KNOWN_REGISTRATION_RETENTION_CLASS].keep,
          { batchSize: config.RETENTION_PURGE_BATCH },
        ),
    },
    KnownRegistrationPurgeScheduler,
  ],
})
export class GpRegistrationAdapterModule {}
