import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ConfigKey, PartnerAdapterConfig } from '@cstr/platform';

/** Keys of the ndelius-adapter: the partners file it reads its Delius settings from, and time limits. */
export class NdeliusAdapterConfig extends PartnerAdapterConfig {
  /** The partners file (relative to the working directory): `deliusApiUrl` and `detailUrlAllowList` of PARTNER_ID. */
  @IsString()
  PARTNERS_FILE: string = 'config/partners.yaml';

  /** How long one Delius API call may take before it counts as the partner being down. */
  @IsInt()
  @Min(100)
  @Max(120_000)
  DELIUS_TIMEOUT_MS: number = 10_000;

  /** The client secret of `outboundClientId` at the partner's token endpoint (OAuth2 client credentials). Required in production. */
  @ConfigKey()
  @IsOptional()
  @IsString()
  PARTNER_CLIENT_SECRET?: string;
}
