import { IsNotEmpty, IsString, Matches } from 'class-validator';
import { PartnerAdapterConfig, WithRetentionKeys } from '@cstr/platform';

/** Keys of the hmcts-listings-adapter, with the retention keys of its raw payload archive purge. */
export class HmctsListingsAdapterConfig extends WithRetentionKeys(PartnerAdapterConfig) {
  /** The partners file (relative to the working directory): the `courtCode` and name of PARTNER_ID. */
  @IsString()
  @IsNotEmpty()
  PARTNERS_FILE: string = 'config/partners.yaml';

  /** Largest request body accepted (a 5,000-hearing Libra list is about 5 MB). */
  @Matches(/^\d+(kb|mb)$/, { message: 'must be a size such as 20mb or 512kb' })
  HMCTS_BODY_LIMIT: string = '20mb';
}
