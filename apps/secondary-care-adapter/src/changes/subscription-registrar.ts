import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { CapabilityStatement, Subscription } from 'fhir/r4';
import { PROVIDER_RESOURCE_TYPES } from '@cstr/fhir';
import { APP_CONFIG } from '@cstr/platform';
import { ProviderFhirClient } from '../provider/provider-fhir.client';
import { PROVIDER_PARTNER_SETTINGS } from '../provider/provider-partner.token';
import type { ProviderPartnerSettings } from '../provider/provider-partner-settings';
import type { SecondaryCareAdapterConfig } from '../secondary-care-adapter.config';

/**
 * At boot, makes sure the provider's server has one active rest-hook Subscription per resource type
 * the hub follows, pointing at this adapter's `POST /fhir-notifications` (`ADAPTER_PUBLIC_URL`).
 * Skipped (logged) when the partner has `subscriptions: false`, the server does not list
 * Subscription in its CapabilityStatement, or no public URL is configured. A failure is logged,
 * never fatal: the adapter still serves its inbox.
 */
@Injectable()
export class SubscriptionRegistrar implements OnApplicationBootstrap {
  private readonly logger = new Logger(SubscriptionRegistrar.name);

  constructor(
    private readonly fhir: ProviderFhirClient,
    @Inject(PROVIDER_PARTNER_SETTINGS) private readonly partner: ProviderPartnerSettings,
    @Inject(APP_CONFIG) private readonly config: SecondaryCareAdapterConfig,
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
    const created: string[] = [];
    for (const criteria of PROVIDER_RESOURCE_TYPES) {
      if (
        existing.resource.some(
          (subscription) => subscription.criteria === criteria && subscription.channel?.endpoint === endpoint,
        )
      )
        continue;
      const subscription: Subscription = {
        resourceType: 'Subscription',
        status: 'requested',
        reason: 'CSTR hub: treatment events',
        criteria,
        channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json' },
      };
      const result = await this.fhir.create(subscription);
      if (result.kind !== 'ok') return `creating the ${criteria} subscription failed (${result.reason})`;
      created.push(criteria);
    }
    return created.length > 0 ? `created for ${created.join(', ')}` : 'already in place';
  }
}
