import { invalidParams, matchesSearch, searchParamsOf, unsupportedParams, type StoredResource } from './fhir-search';

const appointment = (lastUpdated: string, extra: Record<string, unknown> = {}): StoredResource => ({
  resourceType: 'Appointment',
  id: 'a1',
  meta: { versionId: '1', lastUpdated },
  status: 'noshow',
  participant: [{ actor: { reference: 'Patient/p1' } }],
  ...extra,
});

const matches = (resource: StoredResource, query: string) => matchesSearch(resource, searchParamsOf(query));

describe('matchesSearch', () => {
  it('compares _lastUpdated over the precision of the value given', () => {
    const resource = appointment('2027-02-03T09:30:00.500Z');
    expect(matches(resource, '_lastUpdated=eq2027-02-03')).toBe(true);
    expect(matches(resource, '_lastUpdated=2027-02-03T09:30')).toBe(true);
    expect(matches(resource, '_lastUpdated=gt2027-02-03')).toBe(false);
    expect(matches(resource, '_lastUpdated=gt2027-02-03T09:30:00.499Z')).toBe(true);
    expect(matches(resource, '_lastUpdated=gt2027-02-03T09:30:00.500Z')).toBe(false);
    expect(matches(resource, '_lastUpdated=ge2027-02-03T09:30:00.500Z')).toBe(true);
    expect(matches(resource, '_lastUpdated=lt2027-02-03T10:30:00%2B01:00')).toBe(false);
    expect(matches(resource, '_lastUpdated=le2027-02-03T10:30:00%2B01:00')).toBe(true);
    expect(matches(resource, '_lastUpdated=ne2027-02-02')).toBe(true);
    expect(matches(resource, '_lastUpdated=ge2027-02-01&_lastUpdated=lt2027-02-03')).toBe(false);
  });

  it('matches patient references of participants, statuses as OR lists, and identifiers with or without system', () => {
    const resource = appointment('2027-02-03T09:30:00Z', {
      identifier: [{ system: 'https://example.org/appt', value: 'A-1' }],
    });
    expect(matches(resource, 'patient=p1')).toBe(true);
    expect(matches(resource, 'patient=Patient/p2')).toBe(false);
    expect(matches(resource, 'status=booked,noshow')).toBe(true);
    expect(matches(resource, 'status=booked')).toBe(false);
    expect(matches(resource, 'identifier=A-1')).toBe(true);
    expect(matches(resource, 'identifier=https://example.org/appt|A-1')).toBe(true);
    expect(matches(resource, 'identifier=https://other.org|A-1')).toBe(false);
  });
});

describe('parameter checks', () => {
  it('names unsupported parameters and bad values', () => {
    expect(unsupportedParams(searchParamsOf('date=2027&status=x')).map((issue) => issue.expression)).toEqual([
      ['date'],
    ]);
    expect(
      invalidParams(searchParamsOf('_lastUpdated=gtsoon&_count=-1&_sort=status')).map((issue) => issue.expression),
    ).toEqual([['_lastUpdated'], ['_count'], ['_sort']]);
  });
});
