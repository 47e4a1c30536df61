import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { CapabilityStatement, Subscription } from 'fhir/r4';
import { PROVIDER_RESOURCE_TYPES } from '@cstr/fhir';
import { APP_CONFIG } from '@cstr/platform';
import { ProviderFhirClient } from '../provider/provider-fhir.client';
import { PROVIDER_PARTNER_SETTINGS } from '../provider/provider-partner.token';
import type { ProviderPartnerSettings } from '../provider/provider-partner-settings';
import type { SecondaryCareAdapterConfig } from '../secondary-care-adapter.config';
import { SubscriptionSecrets } from './subscription-secrets';

/**
 * At boot, makes sure the provider's server has one active rest-hook Subscription per resource type
 * the hub follows, pointing at this adapter's `POST /fhir-notifications` (`ADAPTER_PUBLIC_URL`).
 * Skipped (logged) when the partner has `subscriptions: false`, the server does not list
 * Subscription in its CapabilityStatement, or no public URL is configured. A failure is logged,
 * never fatal: the adapter still serves its inbox. Each Subscription carries a random secret in
 * `channel.header` (kept in the database): notifications without it are refused. One of ours
 * whose secret the adapter does not know (its database was reset) is updated with a new secret.
 */
@Injectable()
export class SubscriptionRegistrar implements OnApplicationBootstrap {
  private readonly logger = new Logger(SubscriptionRegistrar.name);

  constructor(
    private readonly fhir: ProviderFhirClient,
    @Inject(PROVIDER_PARTNER_SETTINGS) private readonly partner: ProviderPartnerSettings,
    @Inject(APP_CONFIG) private readonly config: SecondaryCareAdapterConfig,
    private readonly secrets: SubscriptionSecrets,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const registered = await this.register();
    this.logger.log(`Subscriptions: ${registered}`);
  }

  /** Registers what is missing; says what it did. */
  async register(): Promise<string> {
    if (!this.partner.subscriptions) return 'off for this partner (subscriptions: false)';
    if (!this.config.ADAPTER_PUBLIC_URL) return 'ADAPTER_PUBLIC_URL not set: none registered';
    const metadata = await this.fhir.capabilityStatement();
    if (metadata.kind !== 'ok') return `metadata unavailable (${metadata.reason}): none registered`;
    const supported = (metadata.resource as CapabilityStatement).rest?.[0]?.resource?.some(
      (resource) => resource.type === 'Subscription',
    );
    if (!supported) return 'not supported by the server: none registered';
    const endpoint = `${this.config.ADAPTER_PUBLIC_URL.replace(/\/+$/, '')}/fhir-notifications`;
    const existing = await this.fhir.search<Subscription>('Subscription', { status: 'active' });
    if (existing.kind !== 'ok') return `existing subscriptions unreadable (${existing.reason}): none registered`;
    const known = await this.secrets.known();
    const created: string[] = [];
    for (const criteria of PROVIDER_RESOURCE_TYPES) {
      const ours = existing.resource.filter(
        (subscription) => subscription.criteria === criteria && subscription.channel?.endpoint === endpoint,
      );
      if (ours.some((subscription) => subscription.id !== undefined && known.has(subscription.id))) continue;
      const { secret, header } = SubscriptionSecrets.create();
      const channel: Subscription['channel'] = {
        type: 'rest-hook',
        endpoint,
        payload: 'application/fhir+json',
        header: [header],
      };
      const stale = ours.find((subscription) => subscription.id !== undefined);
      const result = stale
        ? await this.fhir.update({ ...stale, id: stale.id as string, status: 'requested', channel })
        : await this.fhir.create<Subscription>({
            resourceType: 'Subscription',
            status: 'requested',
            reason: 'CSTR hub: treatment events',
            criteria,
            channel,
          });
      if (result.kind !== 'ok') return `creating the ${criteria} subscription failed (${result.reason})`;
      if (!result.resource.id) return `the server gave the ${criteria} subscription no id`;
      await this.secrets.remember(result.resource.id, criteria, endpoint, secret);
      created.push(criteria);
    }
    return created.length > 0 ? `created for ${created.join(', ')}` : 'already in place';
  }
}
