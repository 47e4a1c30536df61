import 'reflect-metadata';
import { join } from 'node:path';
import { loadAgreementsDir, loadPartnersFile } from '@cstr/policy';
import { projectPath } from '@cstr/platform';
import { registerEntries, registerHtml } from './agreement-register';

const partners = loadPartnersFile(projectPath('config/partners.yaml'));
const agreements = loadAgreementsDir(join(projectPath('config'), 'agreements'), partners);

describe('the public register of agreements', () => {
  const entries = registerEntries(agreements, partners, '2026-11-30');

  it('lists the agreements in force only, with purpose, parties by name, legal basis and period', () => {
    expect(entries.map((entry) => entry.id)).not.toContain('st-andrews-female-pathway');
    const mhtr = entries.find((entry) => entry.id === 'cstr-south-london-mhtr');
    expect(mhtr).toMatchObject({
      title: 'South London CSTR - treatment requirements between probation and providers',
      period: { start: '2026-04-01', end: '2027-03-31' },
    });
    expect(mhtr?.legalBasis).toEqual(expect.arrayContaining(['UK GDPR Article 6(1)(e)', 'UK GDPR Article 9(2)(h)']));
    expect(mhtr?.parties).toEqual(expect.arrayContaining([partners.find((p) => p.id === 'slam-mhtr')?.name]));
    expect(mhtr?.purposes.length).toBeGreaterThan(0);
    expect(registerEntries(agreements, partners, '2027-04-01')).toEqual([]);
  });

  it('carries no allow-list, file, adapter setting or user', () => {
    const text = JSON.stringify(entries) + registerHtml(entries, '2026-11-30');
    expect(text).not.toMatch(/birthDate|\.yaml|secret|url|ig-lead|proposedBy/i);
  });

  it('escapes what it prints', () => {
    const html = registerHtml([{ ...entries[0], title: '<script>alert(1)</script>' }], '2026-11-30');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
  });
});
