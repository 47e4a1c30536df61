import type { SandboxSettings } from '../shared/sandbox-settings';
import { FhirStore } from './fhir-store';

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

describe('FhirStore', () => {
  it('stamps strictly increasing lastUpdated, even for writes in the same millisecond', () => {
    const store = new FhirStore(settings(100));
    const stamps = Array.from(
      { length: 20 },
      () => store.create('p', { resourceType: 'Flag', status: 'active' }).meta.lastUpdated,
    );
    for (let i = 1; i < stamps.length; i++) expect(Date.parse(stamps[i])).toBeGreaterThan(Date.parse(stamps[i - 1]));
  });

  it('keeps at most maxRecords resources per partner, dropping the least recently written', () => {
    const store = new FhirStore(settings(2));
    const first = store.create('p', { resourceType: 'Flag', status: 'active' });
    const second = store.create('p', { resourceType: 'Flag', status: 'active' });
    store.update('p', 'Flag', first.id, { resourceType: 'Flag', id: first.id, status: 'inactive' });
    store.create('p', { resourceType: 'Flag', status: 'active' });
    expect(store.read('p', 'Flag', second.id)).toBeUndefined();
    expect(store.read('p', 'Flag', first.id)?.meta.versionId).toBe('2');
    expect(store.search('q', 'Flag', [])).toEqual([]);
  });

  it('gives the identifiers of a resource and of the Patients it references', () => {
    const store = new FhirStore(settings(10));
    const patient = store.create('p', {
      resourceType: 'Patient',
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000123' }],
    });
    const values = store.identifierValuesAbout('p', {
      resourceType: 'Task',
      identifier: [{ value: 'ref-1' }],
      for: { reference: `Patient/${patient.id}` },
    });
    expect(values).toEqual(['ref-1', '9990000123']);
  });
});
