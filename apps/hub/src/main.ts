import 'reflect-metadata';
import { HUB_INGRESS_QUEUE } from '@cstr/contracts';
import { runApp } from '@cstr/platform';
import { HubConfig } from './hub.config';
import { HubModule } from './hub.module';

runApp({ name: 'hub', configClass: HubConfig, module: HubModule, queue: () => HUB_INGRESS_QUEUE });
