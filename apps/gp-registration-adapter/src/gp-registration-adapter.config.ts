import { IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
import { ConfigKey, PartnerAdapterConfig } from '@cstr/platform';

/** Keys of the gp-registration-adapter. */
export class GpRegistrationAdapterConfig extends PartnerAdapterConfig {
  /** The partners file (relative to the working directory): `pdsBaseUrl`, name and ODS code of PARTNER_ID. */
  @IsString()
  @IsNotEmpty()
  PARTNERS_FILE: string = 'config/partners.yaml';

  /** How long one PDS read may take before it counts as the partner being down. */
  @IsInt()
  @Min(100)
  @Max(120_000)
  PDS_TIMEOUT_MS: number = 10_000;

  /** How long each class of data is kept (README "Retention"), relative to the project root: the known GP registrations' period. A bad file stops the adapter. */
  @IsString()
  @IsNotEmpty()
  RETENTION_FILE: string = 'config/retention.yaml';

  /** How often the adapter purges the known GP registrations due under the retention file, in milliseconds; 0 turns the purge off. */
  @IsInt()
  @Min(0)
  @Max(604_800_000)
  RETENTION_PURGE_INTERVAL_MS: number = 3_600_000;

  /** Known GP registrations one purge batch claims (`FOR UPDATE SKIP LOCKED`); a run deletes at most 20 batches. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  RETENTION_PURGE_BATCH: number = 500;

  /** The PEM private key (RSA) signing the client assertion of `outboundClientId` (private-key JWT, RS512); escaped line breaks (\n) allowed. Required in production. */
  @ConfigKey()
  @IsOptional()
  @IsString()
  PARTNER_CLIENT_PRIVATE_KEY?: string;
}
