import { IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min, ValidateBy } from 'class-validator';
import { BaseAppConfig } from '@cstr/platform';

/** True when `value` is a JSON object whose every value is an http(s) URL. */
function isAdapterUrlMap(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
    return Object.values(parsed).every((url) => typeof url === 'string' && /^https?:\/\/[^\s]+$/.test(url));
  } catch {
    return false;
  }
}

/** The sandbox's keys. `.env.example` lists every key. */
export class PartnerSandboxConfig extends BaseAppConfig {
  override HTTP_PORT: number = 3200;

  /** The partners file (SPEC §2): the sandbox serves a stand-in per partner; relative paths from the project root. */
  @IsString()
  @IsNotEmpty()
  PARTNERS_FILE: string = 'config/partners.yaml';

  /** Where the stand-ins push to: a JSON object, partner id → the adapter's base URL. */
  @ValidateBy({
    name: 'isAdapterUrlMap',
    validator: {
      validate: isAdapterUrlMap,
      defaultMessage: () => 'must be a JSON object of partner id → http(s) base URL',
    },
  })
  SANDBOX_ADAPTER_URLS: string = '{}';

  /** The realistic partner payloads the stand-ins send and seed from (relative to the project root). */
  @IsString()
  @IsNotEmpty()
  SANDBOX_FIXTURES_DIR: string = 'libs/fhir/test/fixtures/partner';

  /** The Delius stand-in's known cases and contact types (relative to the project root). */
  @IsString()
  @IsNotEmpty()
  SANDBOX_DELIUS_CASES_FILE: string = 'apps/partner-sandbox/data/delius-cases.json';

  /** The most records each stand-in keeps (received log, FHIR resources, contacts); the oldest go first. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  SANDBOX_MAX_RECORDS: number = 1000;

  /** How long a push to an adapter or a subscriber may take, in milliseconds. */
  @IsInt()
  @Min(1)
  @Max(600_000)
  SANDBOX_PUSH_TIMEOUT_MS: number = 10_000;

  /**
   * The sandbox's own base URL as adapters reach it (in detailUrls, PDS datarefs, FHIR fullUrls);
   * unset: taken from each request's Host header.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+[^/\s]$/, { message: 'must be an http(s) URL without a trailing slash' })
  SANDBOX_PUBLIC_URL?: string;
}
