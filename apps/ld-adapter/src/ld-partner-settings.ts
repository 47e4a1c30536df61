import { ConfigError } from '@cstr/platform';
import { loadPartnersFile } from '@cstr/policy';

/** A court this L&D service covers. */
export interface CoveredCourt {
  readonly code: string;
  readonly name: string;
}

/** What the adapter needs of its partner's entry in the partners file. */
export interface LdPartnerSettings {
  readonly partnerId: string;
  readonly name: string;
  readonly ods?: string;
  /** The L&D case system's base URL: alerts go to `{ldSystemUrl}/alerts`. */
  readonly ldSystemUrl: string;
  /** The courts of `coverage.courts`, with their court codes. */
  readonly courts: readonly CoveredCourt[];
}

/** DI token of the {@link LdPartnerSettings}. */
export const LD_PARTNER_SETTINGS = Symbol('LD_PARTNER_SETTINGS');

/**
 * Reads the ld partner `partnerId` from the partners file; stops the boot (ConfigError naming the
 * key) when it is missing, not an L&D partner, or has no `ldSystemUrl`.
 */
export function loadLdPartnerSettings(
  partnersFile: string,
  partnerId: string,
  sandboxBaseUrl?: string,
): LdPartnerSettings {
  const partners = loadPartnersFile(partnersFile, { sandboxBaseUrl });
  const partner = partners.find((candidate) => candidate.id === partnerId);
  if (!partner || partner.kind !== 'ld') {
    throw new ConfigError([{ key: 'PARTNER_ID', problem: `${partnerId} is not an ld partner of ${partnersFile}` }]);
  }
  const ldSystemUrl = partner.adapter?.ldSystemUrl;
  if (typeof ldSystemUrl !== 'string' || !/^https?:\/\/\S+$/.test(ldSystemUrl)) {
    throw new ConfigError([
      { key: 'PARTNERS_FILE', problem: `partner ${partnerId} needs ldSystemUrl (an http(s) URL)` },
    ]);
  }
  const courts = (partner.coverage?.courts ?? []).flatMap((courtId) => {
    const court = partners.find((candidate) => candidate.id === courtId);
    return court?.courtCode ? [{ code: court.courtCode, name: court.name }] : [];
  });
  return { partnerId, name: partner.name, ods: partner.ods, ldSystemUrl: ldSystemUrl.replace(/\/+$/, ''), courts };
}
