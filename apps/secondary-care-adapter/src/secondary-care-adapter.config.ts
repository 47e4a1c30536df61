import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ConfigKey, PartnerAdapterConfig } from '@cstr/platform';

/** Keys of the secondary-care-adapter: where its provider's settings are, and time limits. */
export class SecondaryCareAdapterConfig extends PartnerAdapterConfig {
  /** The partners file (relative to the working directory): `fhirBaseUrl` and `subscriptions` of PARTNER_ID. */
  @IsString()
  PARTNERS_FILE: string = 'config/partners.yaml';

  /** How long one call to the provider's FHIR server may take before it counts as the partner being down. */
  @IsInt()
  @Min(100)
  @Max(120_000)
  FHIR_TIMEOUT_MS: number = 10_000;

  /** This adapter's base URL as the provider's server reaches it: rest-hook Subscriptions notify `{ADAPTER_PUBLIC_URL}/fhir-notifications`. */
  @ConfigKey()
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' })
  ADAPTER_PUBLIC_URL?: string;

  /** Servers without Subscriptions: how often to poll `_lastUpdated=gt<cursor>` for changes, in milliseconds. */
  @IsInt()
  @Min(100)
  POLL_INTERVAL_MS: number = 30_000;

  /** The client secret of `outboundClientId` at the partner's token endpoint (OAuth2 client credentials). Required in production. */
  @ConfigKey()
  @IsOptional()
  @IsString()
  PARTNER_CLIENT_SECRET?: string;
}
