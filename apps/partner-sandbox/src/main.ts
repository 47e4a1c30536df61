import 'reflect-metadata';
import { runApp } from '@cstr/platform';
import { PartnerSandboxConfig } from './partner-sandbox.config';
import { PartnerSandboxModule } from './partner-sandbox.module';

runApp({ name: 'partner-sandbox', configClass: PartnerSandboxConfig, module: PartnerSandboxModule });
