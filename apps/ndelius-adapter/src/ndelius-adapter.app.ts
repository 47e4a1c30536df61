import { partnerAdapter, type AppDefinition, type PartnerAdapterConfig } from '@cstr/platform';
import { NdeliusAdapterConfig } from './ndelius-adapter.config';
import { NdeliusAdapterModule } from './ndelius-adapter.module';

/**
 * How the ndelius-adapter is put together (one instance per partner). Its config class adds its own keys;
 * typed as every adapter's definition so tools can boot all adapters alike.
 */
export const ndeliusAdapterApp: AppDefinition<PartnerAdapterConfig> = {
  ...partnerAdapter('ndelius-adapter', NdeliusAdapterModule),
  configClass: NdeliusAdapterConfig,
};
