import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { partnerAdapter, type AppDefinition, type PartnerAdapterConfig } from '@cstr/platform';
import { GP_REGISTRATION_MIGRATIONS } from './checks/known-registration.migration';
import { GpRegistrationAdapterConfig } from './gp-registration-adapter.config';
import { GpRegistrationAdapterModule } from './gp-registration-adapter.module';

/**
 * Change-of-GP signals arrive as `application/cloudevents+json`: JSON of any `application/*+json`
 * type is parsed (registered before Nest's own JSON parser, which then steps aside).
 */
export function configureGpHttp(app: INestApplication): void {
  (app as NestExpressApplication).useBodyParser('json', {
    type: ['application/json', 'application/*+json'],
    limit: '1mb',
  });
}

/**
 * How the gp-registration-adapter is put together (one instance per partner). Typed as every
 * adapter is; `configClass` makes the loaded config a {@link GpRegistrationAdapterConfig}.
 */
export const gpRegistrationAdapterApp: AppDefinition<PartnerAdapterConfig> = {
  ...partnerAdapter('gp-registration-adapter', GpRegistrationAdapterModule),
  configClass: GpRegistrationAdapterConfig,
  migrations: GP_REGISTRATION_MIGRATIONS,
  configureHttp: configureGpHttp,
};
