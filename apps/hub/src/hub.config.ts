import { BaseAppConfig } from '@cstr/platform';

/** The hub's keys (agreements, partners and HTTP API keys arrive with the hub issue). */
export class HubConfig extends BaseAppConfig {
  override HTTP_PORT: number = 3000;
}
