import { BaseAppConfig } from '@cstr/platform';

/** The sandbox's keys. */
export class PartnerSandboxConfig extends BaseAppConfig {
  override HTTP_PORT: number = 3200;
}
