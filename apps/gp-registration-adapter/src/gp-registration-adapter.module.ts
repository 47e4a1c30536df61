import { resolve } from 'node:path';
import { Module } from '@nestjs/common';
import { APP_CONFIG, IngressPublisher } from '@cstr/platform';
import { GpInboxController } from './checks/gp-inbox.controller';
import { GpRegistrationService } from './checks/gp-registration.service';
import type { GpRegistrationAdapterConfig } from './gp-registration-adapter.config';
import { GP_PARTNER_SETTINGS, loadGpPartnerSettings } from './gp-partner-settings';
import { NotificationsController } from './notifications/notifications.controller';
import { PdsClient } from './pds/pds.client';

/**
 * The adapter for the PDS-style GP registration service: PDS reads when the hub delivers a
 * sentence or a PSR request (→ `gp.registration.checked`), and change-of-GP signals
 * (`POST /notifications` → `gp.registration.checked` + `gp.registration.changed`).
 */
@Module({
  controllers: [GpInboxController, NotificationsController],
  providers: [
    {
      provide: GP_PARTNER_SETTINGS,
      inject: [APP_CONFIG],
      useFactory: (config: GpRegistrationAdapterConfig) =>
        loadGpPartnerSettings(resolve(config.PARTNERS_FILE), config.PARTNER_ID, config.SANDBOX_BASE_URL),
    },
    IngressPublisher,
    PdsClient,
    GpRegistrationService,
  ],
})
export class GpRegistrationAdapterModule {}
