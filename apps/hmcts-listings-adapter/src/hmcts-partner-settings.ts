import { ConfigError } from '@cstr/platform';
import { loadPartnersFile } from '@cstr/policy';

/** What the adapter needs of its partner's entry in the partners file. */
export interface HmctsPartnerSettings {
  readonly partnerId: string;
  /** The court's name, e.g. `Croydon Magistrates' Court`. */
  readonly name: string;
  /** The court code (`B01CY00`): only hearings at this court are accepted from this partner. */
  readonly courtCode: string;
}

/** DI token of the {@link HmctsPartnerSettings}. */
export const HMCTS_PARTNER_SETTINGS = Symbol('HMCTS_PARTNER_SETTINGS');

/**
 * Reads the hmcts partner `partnerId` from the partners file; stops the boot (ConfigError naming
 * the key) when it is missing, not an hmcts partner, or has no court code.
 */
export function loadHmctsPartnerSettings(partnersFile: string, partnerId: string): HmctsPartnerSettings {
  const partner = loadPartnersFile(partnersFile).find((candidate) => candidate.id === partnerId);
  if (!partner || partner.kind !== 'hmcts') {
    throw new ConfigError([{ key: 'PARTNER_ID', problem: `${partnerId} is not an hmcts partner of ${partnersFile}` }]);
  }
  if (!partner.courtCode)
    throw new ConfigError([{ key: 'PARTNERS_FILE', problem: `partner ${partnerId} needs a courtCode` }]);
  return { partnerId, name: partner.name, courtCode: partner.courtCode };
}
