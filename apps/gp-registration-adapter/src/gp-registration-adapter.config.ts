import { IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
import { ConfigKey, PartnerAdapterConfig, WithRetentionKeys } from '@cstr/platform';

/** Keys of the gp-registration-adapter; the retention keys serve its purge of known GP registrations. */
export class GpRegistrationAdapterConfig extends WithRetentionKeys(PartnerAdapterConfig) {
  /** The partners file (relative to the working directory): `pdsBaseUrl`, name and ODS code of PARTNER_ID. */
  @IsString()
  @IsNotEmpty()
  PARTNERS_FILE: string = 'config/partners.yaml';

  /** How long one PDS read may take before it counts as the partner being down. */
  @IsInt()
  @Min(100)
  @Max(120_000)
  PDS_TIMEOUT_MS: number = 10_000;

  /** The PEM private key (RSA) signing the client assertion of `outboundClientId` (private-key JWT, RS512); escaped line breaks (\n) allowed. Required in production. */
  @ConfigKey()
  @IsOptional()
  @IsString()
  PARTNER_CLIENT_PRIVATE_KEY?: string;
}
