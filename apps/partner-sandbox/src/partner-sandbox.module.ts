import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@cstr/platform';
import { DeliusApi } from './delius/delius-api';
import { DeliusController } from './delius/delius.controller';
import { FhirController } from './fhir/fhir.controller';
import { FhirStore } from './fhir/fhir-store';
import { SubscriptionNotifier } from './fhir/subscription-notifier';
import { CommonPlatformController } from './hmcts/common-platform.controller';
import { LdController } from './ld/ld.controller';
import { OAuthController } from './oauth/oauth.controller';
import { SandboxTokenIssuer } from './oauth/sandbox-token-issuer';
import { StandInTokenGuard } from './oauth/stand-in-token.guard';
import type { PartnerSandboxConfig } from './partner-sandbox.config';
import { PdsController } from './pds/pds.controller';
import { PdsPatients } from './pds/pds-patients';
import { AdapterPusher } from './shared/adapter-pusher';
import { FaultControl } from './shared/fault-control';
import { PartnerFixtures } from './shared/partner-fixtures';
import { ReceivedController } from './shared/received.controller';
import { ReceivedLog } from './shared/received-log';
import { SandboxPartners } from './shared/sandbox-partners';
import { SANDBOX_SETTINGS, sandboxSettings } from './shared/sandbox-settings';
import { SnsCertificateController } from './sns/sns-certificate.controller';
import { SnsSigner } from './sns/sns-signer';

/**
 * Stand-ins for the five partner systems (Common Platform + Libra, L&D case system, Delius API,
 * a provider's FHIR R4 server, a PDS-style service), one per configured partner, each recording
 * what it received and sent; a token issuer whose tokens the partner APIs require and the push
 * stand-ins send; an SNS signing certificate. See the README for the HTTP interface.
 */
@Module({
  controllers: [
    ReceivedController,
    CommonPlatformController,
    LdController,
    DeliusController,
    FhirController,
    PdsController,
    OAuthController,
    SnsCertificateController,
  ],
  providers: [
    {
      provide: SANDBOX_SETTINGS,
      inject: [APP_CONFIG],
      useFactory: (config: PartnerSandboxConfig) => sandboxSettings(config),
    },
    SandboxPartners,
    ReceivedLog,
    PartnerFixtures,
    AdapterPusher,
    FaultControl,
    DeliusApi,
    FhirStore,
    SubscriptionNotifier,
    PdsPatients,
    SandboxTokenIssuer,
    StandInTokenGuard,
    SnsSigner,
  ],
})
export class PartnerSandboxModule {}
