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

/**
 * Reads the mh-provider partner `partnerId` from the partners file; stops the boot (ConfigError
 * naming the key) when it is missing, not a provider, or has no `fhirBaseUrl`.
 */
export function loadProviderPartnerSettings(
  partnersFile: string,
  partnerId: string,
  sandboxBaseUrl?: string,
): ProviderPartnerSettings {
  const partner = loadPartnersFile(partnersFile, { sandboxBaseUrl }).find((candidate) => candidate.id === partnerId);
  if (!partner || partner.kind !== 'mh-provider') {
    throw new ConfigError([
      { key: 'PARTNER_ID', problem: `${partnerId} is not an mh-provider partner of ${partnersFile}` },
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
