import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { partnerAdapter, type AppDefinition, type PartnerAdapterConfig } from '@cstr/platform';
import { SECONDARY_CARE_MIGRATIONS } from './persistence/provider-sync.migration';
import { SecondaryCareAdapterConfig } from './secondary-care-adapter.config';
import { SecondaryCareAdapterModule } from './secondary-care-adapter.module';

/** Rest-hook notifications come as `application/fhir+json`: parse it like JSON. */
export function configureSecondaryCareHttp(app: INestApplication): void {
  (app as NestExpressApplication).useBodyParser('json', {
    type: ['application/json', 'application/*+json'],
    limit: '1mb',
  });
}

/**
 * How the secondary-care-adapter is put together (one instance per partner). Its config class adds its own keys;
 * typed as every adapter's definition so tools can boot all adapters alike.
 */
export const secondaryCareAdapterApp: AppDefinition<PartnerAdapterConfig> = {
  ...partnerAdapter('secondary-care-adapter', SecondaryCareAdapterModule),
  configClass: SecondaryCareAdapterConfig,
  migrations: SECONDARY_CARE_MIGRATIONS,
  configureHttp: configureSecondaryCareHttp,
};
