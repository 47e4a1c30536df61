import { partnerAdapter } from '@cstr/platform';
import { LdAdapterModule } from './ld-adapter.module';

/** How the ld-adapter is put together (one instance per partner). */
export const ldAdapterApp = partnerAdapter('ld-adapter', LdAdapterModule);
