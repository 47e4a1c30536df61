import { ConfigError } from '@cstr/platform';
import { loadPartnersFile } from '@cstr/policy';

/** What the adapter needs of its provider's entry in the partners file. */
export interface ProviderPartnerSettings {
  readonly partnerId: string;
  readonly name: string;
  readonly ods?: string;
  /** The provider's FHIR R4 base URL (`fhirBaseUrl`). */
  readonly fhirBaseUrl: string;
  /** False when the server has no rest-hook Subscriptions (the adapter must poll). */
  readonly subscriptions: boolean;
}

/** The partner kinds whose FHIR R4 records system the adapter serves: MHTR providers and drug and alcohol services. */
export const PROVIDER_PARTNER_KINDS: readonly string[] = ['mh-provider', 'drug-alcohol-service'];

/**
 * Reads the treatment provider `partnerId` (an mh-provider or a drug-alcohol-service) from the
 * partners file; stops the boot (ConfigError naming the key) when it is missing, not a provider,
 * or has no `fhirBaseUrl`.
 */
export function loadProviderPartnerSettings(
  partnersFile: string,
  partnerId: string,
  sandboxBaseUrl?: string,
): ProviderPartnerSettings {
  const partner = loadPartnersFile(partnersFile, { sandboxBaseUrl }).find((candidate) => candidate.id === partnerId);
  if (!partner || !PROVIDER_PARTNER_KINDS.includes(partner.kind)) {
    throw new ConfigError([
      {
        key: 'PARTNER_ID',
        problem: `${partnerId} is not a ${PROVIDER_PARTNER_KINDS.join(' or ')} partner of ${partnersFile}`,
      },
    ]);
  }
  const fhirBaseUrl = partner.adapter?.fhirBaseUrl;
  if (typeof fhirBaseUrl !== 'string' || !/^https?:\/\//.test(fhirBaseUrl)) {
    throw new ConfigError([
      { key: 'PARTNERS_FILE', problem: `partner ${partnerId} needs fhirBaseUrl (an http(s) URL)` },
    ]);
  }
  return {
    partnerId,
    name: partner.name,
    ods: partner.ods,
    fhirBaseUrl,
    subscriptions: partner.adapter?.subscriptions !== false,
  };
}
