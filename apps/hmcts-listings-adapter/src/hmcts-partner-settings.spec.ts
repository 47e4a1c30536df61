import 'reflect-metadata';
import { join } from 'node:path';
import { ConfigError } from '@cstr/platform';
import { loadHmctsPartnerSettings } from './hmcts-partner-settings';

const PARTNERS_FILE = join(__dirname, '../../../config/partners.yaml');

describe('loadHmctsPartnerSettings', () => {
  it("reads the court's name and court code", () => {
    expect(loadHmctsPartnerSettings(PARTNERS_FILE, 'croydon-mc')).toEqual({
      partnerId: 'croydon-mc',
      name: "Croydon Magistrates' Court",
      courtCode: 'B01CY00',
    });
  });

  it('stops the boot for a partner that is not a court', () => {
    expect(() => loadHmctsPartnerSettings(PARTNERS_FILE, 'nps-london-croydon')).toThrow(ConfigError);
    expect(() => loadHmctsPartnerSettings(PARTNERS_FILE, 'no-such-partner')).toThrow(/PARTNER_ID/);
  });
});
