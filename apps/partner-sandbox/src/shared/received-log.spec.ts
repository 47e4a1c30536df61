import { ReceivedLog } from './received-log';
import type { SandboxSettings } from './sandbox-settings';

const settings = (maxRecords: number): SandboxSettings => ({
  partners: [],
  adapterUrls: {},
  fixturesDir: '',
  deliusCasesFile: '',
  maxRecords,
  pushTimeoutMs: 1000,
  tokenIssuer: 'urn:test',
  tokenLifetimeSeconds: 300,
  clientSecrets: {},
  clientKeys: {},
});

describe('ReceivedLog', () => {
  it('keeps the latest records of each stand-in only, newest last', () => {
    const log = new ReceivedLog(settings(2));
    for (const n of [1, 2, 3])
      log.add({ kind: 'ld', partnerId: 'a', direction: 'received', method: 'POST', url: `/${n}`, status: 201 });
    log.add({ kind: 'ld', partnerId: 'b', direction: 'received', method: 'POST', url: '/b', status: 201 });
    expect(log.list('ld').map((record) => record.url)).toEqual(['/2', '/3', '/b']);
    expect(log.list('ld', { partnerId: 'a' }).map((record) => record.url)).toEqual(['/2', '/3']);
  });

  it('finds records by an identifier in the body or given beside it, and clears per partner', () => {
    const log = new ReceivedLog(settings(10));
    log.add(
      { kind: 'delius', partnerId: 'a', direction: 'received', method: 'GET', url: '/case/X412563', status: 200 },
      ['X412563'],
    );
    log.add({
      kind: 'delius',
      partnerId: 'b',
      direction: 'sent',
      method: 'POST',
      url: 'http://x',
      status: 202,
      body: { person: { nhsNumber: '9990000123' } },
    });
    expect(log.list('delius', { identifier: 'x412563' }).map((record) => record.partnerId)).toEqual(['a']);
    expect(log.list('delius', { identifier: '999 000 0123' }).map((record) => record.partnerId)).toEqual(['b']);
    expect(log.list('fhir')).toEqual([]);
    expect(log.clear('delius', 'a')).toBe(1);
    expect(log.list('delius').map((record) => record.partnerId)).toEqual(['b']);
  });
});
