import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { partnerAdapter, type AppDefinition, type PartnerAdapterConfig } from '@cstr/platform';
import { HMCTS_LISTINGS_MIGRATIONS } from './archive/raw-payload.migration';
import { HmctsListingsAdapterConfig } from './hmcts-listings-adapter.config';
import { HmctsListingsAdapterModule } from './hmcts-listings-adapter.module';

/**
 * Every body is read as raw bytes (whatever its media type), so the payload is archived exactly
 * as sent before it is parsed. Registered before Nest's own JSON parser, which then skips it.
 */
export function configureListingsHttp(app: INestApplication, config: HmctsListingsAdapterConfig): void {
  (app as NestExpressApplication).useBodyParser('raw', { type: () => true, limit: config.HMCTS_BODY_LIMIT });
}

/**
 * How the hmcts-listings-adapter is put together (one instance per partner). Typed as every
 * adapter is; `configClass` makes the loaded config a {@link HmctsListingsAdapterConfig}.
 */
export const hmctsListingsAdapterApp: AppDefinition<PartnerAdapterConfig> = {
  ...partnerAdapter('hmcts-listings-adapter', HmctsListingsAdapterModule),
  configClass: HmctsListingsAdapterConfig,
  migrations: HMCTS_LISTINGS_MIGRATIONS,
  configureHttp: (app, config) => configureListingsHttp(app, config as HmctsListingsAdapterConfig),
};
