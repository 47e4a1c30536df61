import { HUB_INGRESS_QUEUE } from '@cstr/contracts';
import { AppDefinition } from '@cstr/platform';
import { HubConfig } from './hub.config';
import { HubModule } from './hub.module';

/** How the hub is put together: it consumes `hub.ingress`. */
export const hubApp: AppDefinition<HubConfig> = { name: 'hub', configClass: HubConfig, module: HubModule, queue: () => HUB_INGRESS_QUEUE };
