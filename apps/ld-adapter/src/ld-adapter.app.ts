import { partnerAdapter, type AppDefinition, type PartnerAdapterConfig } from '@cstr/platform';
import { LdAdapterConfig } from './ld-adapter.config';
import { LdAdapterModule } from './ld-adapter.module';

/**
 * How the ld-adapter is put together (one instance per partner). Typed as every adapter is;
 * `configClass` makes the loaded config an {@link LdAdapterConfig}.
 */
export const ldAdapterApp: AppDefinition<PartnerAdapterConfig> = {
  ...partnerAdapter('ld-adapter', LdAdapterModule),
  configClass: LdAdapterConfig,
};
