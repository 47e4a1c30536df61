import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { PartnerAdapterConfig } from '@cstr/platform';

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
}
