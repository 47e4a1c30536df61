import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { FhirResource } from 'fhir/r4';
import { safeErrorText } from '@cstr/contracts';
import { PROVIDER_RESOURCE_TYPES } from '@cstr/fhir';
import { APP_CONFIG } from '@cstr/platform';
import { ProviderFhirClient } from '../provider/provider-fhir.client';
import { PROVIDER_PARTNER_SETTINGS } from '../provider/provider-partner.token';
import type { ProviderPartnerSettings } from '../provider/provider-partner-settings';
import type { SecondaryCareAdapterConfig } from '../secondary-care-adapter.config';
import { ProviderChangeIntake } from './provider-change-intake';

const PAGE_SIZE = 100;

/**
 * For a provider whose server has no Subscriptions (`subscriptions: false`): every
 * POLL_INTERVAL_MS, asks for each followed resource type what changed since the cursor
 * (`_lastUpdated=gt<cursor>`, oldest first) and takes each in. The cursor (in
 * `provider_poll_cursor`) moves past a resource only once it is taken in, so nothing is skipped;
 * the server's `lastUpdated` strictly increases, so nothing is missed.
 */
@Injectable()
export class ProviderPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ProviderPoller.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly fhir: ProviderFhirClient,
    private readonly intake: ProviderChangeIntake,
    private readonly dataSource: DataSource,
    @Inject(PROVIDER_PARTNER_SETTINGS) private readonly partner: ProviderPartnerSettings,
    @Inject(APP_CONFIG) private readonly config: SecondaryCareAdapterConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.partner.subscriptions) return;
    this.timer = setInterval(() => {
      this.running = this.running
        .then(() => this.pollOnce())
        .catch((error: unknown) => this.logger.warn(`Poll failed: ${safeErrorText(error)}`));
    }, this.config.POLL_INTERVAL_MS);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round over every followed resource type; stops a type at the first resource it cannot take in. */
  async pollOnce(): Promise<void> {
    for (const resourceType of PROVIDER_RESOURCE_TYPES) {
      const cursor = await this.cursorOf(resourceType);
      const page = await this.fhir.search<FhirResource>(resourceType, {
        ...(cursor ? { _lastUpdated: `gt${cursor}` } : {}),
        _sort: '_lastUpdated',
        _count: String(PAGE_SIZE),
      });
      if (page.kind !== 'ok') {
        this.logger.warn(`Polling ${resourceType}: ${page.reason}`);
        continue;
      }
      for (const resource of page.resource) {
        const result = await this.intake.ingestResource(resource);
        if (result.kind === 'unavailable') break;
        if (resource.meta?.lastUpdated) await this.saveCursor(resourceType, resource.meta.lastUpdated);
      }
    }
  }

  private async cursorOf(resourceType: string): Promise<string | undefined> {
    const rows = (await this.dataSource.query(
      'SELECT last_updated FROM provider_poll_cursor WHERE resource_type = $1',
      [resourceType],
    )) as { last_updated: string }[];
    return rows[0]?.last_updated;
  }

  private async saveCursor(resourceType: string, lastUpdated: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO provider_poll_cursor (resource_type, last_updated) VALUES ($1, $2)
       ON CONFLICT (resource_type) DO UPDATE SET last_updated = EXCLUDED.last_updated`,
      [resourceType, lastUpdated],
    );
  }
}
