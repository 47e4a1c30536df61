import { partnerAdapter } from '@cstr/platform';
import { NdeliusAdapterModule } from './ndelius-adapter.module';

/** How the ndelius-adapter is put together (one instance per partner). */
export const ndeliusAdapterApp = partnerAdapter('ndelius-adapter', NdeliusAdapterModule);
