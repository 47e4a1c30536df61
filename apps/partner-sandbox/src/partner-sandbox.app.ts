import { AppDefinition } from '@cstr/platform';
import { PartnerSandboxConfig } from './partner-sandbox.config';
import { PartnerSandboxModule } from './partner-sandbox.module';

/** How the partner sandbox is put together: HTTP only, no queue. */
export const partnerSandboxApp: AppDefinition<PartnerSandboxConfig> = {
  name: 'partner-sandbox',
  configClass: PartnerSandboxConfig,
  module: PartnerSandboxModule,
};
