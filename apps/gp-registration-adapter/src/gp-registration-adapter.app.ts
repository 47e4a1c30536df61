import { partnerAdapter } from '@cstr/platform';
import { GpRegistrationAdapterModule } from './gp-registration-adapter.module';

/** How the gp-registration-adapter is put together (one instance per partner). */
export const gpRegistrationAdapterApp = partnerAdapter('gp-registration-adapter', GpRegistrationAdapterModule);
