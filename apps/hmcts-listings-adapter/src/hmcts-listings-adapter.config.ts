import { IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';
import { PartnerAdapterConfig } from '@cstr/platform';

/** Keys of the hmcts-listings-adapter. */
export class HmctsListingsAdapterConfig extends PartnerAdapterConfig {
  /** The partners file (relative to the working directory): the `courtCode` and name of PARTNER_ID. */
  @IsString()
  @IsNotEmpty()
  PARTNERS_FILE: string = 'config/partners.yaml';

  /** Largest request body accepted (a 5,000-hearing Libra list is about 5 MB). */
  @Matches(/^\d+(kb|mb)$/, { message: 'must be a size such as 20mb or 512kb' })
  HMCTS_BODY_LIMIT: string = '20mb';

  /** How long each class of data is kept (README "Retention"), relative to the project root: the raw payload archive's period. A bad file stops the adapter. */
  @IsString()
  @IsNotEmpty()
  RETENTION_FILE: string = 'config/retention.yaml';

  /** How often the adapter purges the raw payloads due under the retention file, in milliseconds; 0 turns the purge off. */
  @IsInt()
  @Min(0)
  @Max(604_800_000)
  RETENTION_PURGE_INTERVAL_MS: number = 3_600_000;

  /** Raw payloads one purge batch claims (`FOR UPDATE SKIP LOCKED`); a run deletes at most 20 batches. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  RETENTION_PURGE_BATCH: number = 500;
}
