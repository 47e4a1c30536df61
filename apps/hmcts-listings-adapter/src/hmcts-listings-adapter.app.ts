import { partnerAdapter } from '@cstr/platform';
import { HmctsListingsAdapterModule } from './hmcts-listings-adapter.module';

/** How the hmcts-listings-adapter is put together (one instance per partner). */
export const hmctsListingsAdapterApp = partnerAdapter('hmcts-listings-adapter', HmctsListingsAdapterModule);
