import { IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';
import { PartnerAdapterConfig } from '@cstr/platform';

/** Keys of the ld-adapter. */
export class LdAdapterConfig extends PartnerAdapterConfig {
  /** The partners file (relative to the working directory): `ldSystemUrl`, ODS code and covered courts of PARTNER_ID. */
  @IsString()
  @IsNotEmpty()
  PARTNERS_FILE: string = 'config/partners.yaml';

  /** How long one call to the L&D case system may take before it counts as the partner being down. */
  @IsInt()
  @Min(100)
  @Max(120_000)
  LD_TIMEOUT_MS: number = 10_000;
}
