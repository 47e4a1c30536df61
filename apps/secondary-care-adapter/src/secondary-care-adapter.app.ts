import { partnerAdapter } from '@cstr/platform';
import { SecondaryCareAdapterModule } from './secondary-care-adapter.module';

/** How the secondary-care-adapter is put together (one instance per partner). */
export const secondaryCareAdapterApp = partnerAdapter('secondary-care-adapter', SecondaryCareAdapterModule);
