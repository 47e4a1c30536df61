import { ConfigError } from '@cstr/platform';
import { loadPartnersFile } from '@cstr/policy';

/** What the adapter needs of its partner's entry in the partners file. */
export interface GpPartnerSettings {
  readonly partnerId: string;
  readonly name: string;
  readonly ods?: string;
  /** The PDS-style service: `GET {pdsBaseUrl}/Patient/{nhsNumber}`; also the only prefix a `dataref` may have. */
  readonly pdsBaseUrl: string;
}

/** DI token of the {@link GpPartnerSettings}. */
export const GP_PARTNER_SETTINGS = Symbol('GP_PARTNER_SETTINGS');

/** Reads the gp partner `partnerId`; stops the boot (ConfigError naming the key) when it is missing or has no `pdsBaseUrl`. */
export function loadGpPartnerSettings(
  partnersFile: string,
  partnerId: string,
  sandboxBaseUrl?: string,
): GpPartnerSettings {
  const partner = loadPartnersFile(partnersFile, { sandboxBaseUrl }).find((candidate) => candidate.id === partnerId);
  if (!partner || partner.kind !== 'gp')
    throw new ConfigError([{ key: 'PARTNER_ID', problem: `${partnerId} is not a gp partner of ${partnersFile}` }]);
  const pdsBaseUrl = partner.adapter?.pdsBaseUrl;
  if (typeof pdsBaseUrl !== 'string' || !/^https?:\/\/\S+$/.test(pdsBaseUrl)) {
    throw new ConfigError([
      { key: 'PARTNERS_FILE', problem: `partner ${partnerId} needs pdsBaseUrl (an http(s) URL)` },
    ]);
  }
  return { partnerId, name: partner.name, ods: partner.ods, pdsBaseUrl: pdsBaseUrl.replace(/\/+$/, '') };
}
