import 'reflect-metadata';
import { join } from 'node:path';
import { ConfigError } from '@cstr/platform';
import { loadLdPartnerSettings } from './ld-partner-settings';

const PARTNERS_FILE = join(__dirname, '../../../config/partners.yaml');

describe('loadLdPartnerSettings', () => {
  it('reads ldSystemUrl and resolves the covered courts to their court codes', () => {
    const settings = loadLdPartnerSettings(PARTNERS_FILE, 'sl-liaison-diversion');
    expect(settings.ldSystemUrl).toMatch(/^http:\/\/.+\/sandbox\/ld\/sl-liaison-diversion$/);
    expect(settings.courts).toEqual([
      { code: 'B01CY00', name: "Croydon Magistrates' Court" },
      { code: 'B01CG00', name: "Camberwell Green Magistrates' Court" },
    ]);
  });

  it('stops the boot for a partner that is not an L&D service', () => {
    expect(() => loadLdPartnerSettings(PARTNERS_FILE, 'croydon-mc')).toThrow(ConfigError);
  });
});
