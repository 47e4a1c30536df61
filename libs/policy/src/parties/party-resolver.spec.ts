import type { Bundle, Reference } from 'fhir/r4';
import { PARTNERS } from '../../test/policy-test-kit';
import { partyWarnings } from './party-warnings';
import { partnersNamedBy, resolveParty } from './party-resolver';
import { HUB_PARTY } from '../partners/partner';

const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';
const PROBATION = 'https://cstr-hub.org.uk/fhir/Id/probation-provider-code';
const COURT = 'https://cstr-hub.org.uk/fhir/Id/court-code';
const PARTNER = 'https://cstr-hub.org.uk/fhir/Id/partner';

/** A Bundle holding the given entries (a message header is not needed to resolve references). */
function bundleOf(...entries: { fullUrl: string; resource: Record<string, unknown> }[]): Bundle {
  return { resourceType: 'Bundle', type: 'message', entry: entries } as unknown as Bundle;
}

const empty = bundleOf();
const resolve = (reference: Reference, bundle: Bundle = empty, prefer?: ('mh-provider' | 'ld')[]) =>
  resolveParty(bundle, reference, PARTNERS, prefer ? { prefer } : {});

describe('resolveParty', () => {
  it('resolves a logical reference by ODS code, preferring the treatment service when a trust runs several', () => {
    expect(resolve({ identifier: { system: ODS, value: 'RV5' } }).partners).toEqual([
      'sl-liaison-diversion',
      'slam-mhtr',
    ]);
    expect(resolve({ identifier: { system: ODS, value: 'rv5 ' } }, empty, ['mh-provider']).partners).toEqual([
      'slam-mhtr',
    ]);
  });

  it('resolves a probation region to its delivery units, and a unit to itself', () => {
    expect(resolve({ identifier: { system: PROBATION, value: 'N07' } }).partners).toEqual([
      'nps-london-croydon',
      'nps-london-lambeth',
    ]);
    expect(resolve({ identifier: { system: PROBATION, value: 'N07CY' } }).partners).toEqual(['nps-london-croydon']);
  });

  it('resolves a court code exactly, never by prefix', () => {
    expect(resolve({ identifier: { system: COURT, value: 'B01CY00' } }).partners).toEqual(['croydon-mc']);
    expect(resolve({ identifier: { system: COURT, value: 'B01' } }).unresolved).toBeDefined();
  });

  it('resolves the partner endpoint, as an identifier or as the reference itself', () => {
    expect(
      resolve({ identifier: { system: 'urn:ietf:rfc:3986', value: 'urn:cstr-hub:partner:slam-mhtr' } }).partners,
    ).toEqual(['slam-mhtr']);
    expect(resolve({ reference: 'urn:cstr-hub:partner:nps-london-lambeth' }).partners).toEqual(['nps-london-lambeth']);
  });

  it('resolves a literal reference to an Organization entry by any identifier it carries, in any order', () => {
    const bundle = bundleOf(
      { fullUrl: 'urn:uuid:a1', resource: { resourceType: 'Patient', id: 'p' } },
      {
        fullUrl: 'urn:uuid:org',
        resource: {
          resourceType: 'Organization',
          id: 'org',
          identifier: [
            { system: 'https://example.org/local', value: 'X1' },
            { system: PROBATION, value: 'N07LA' },
          ],
        },
      },
    );
    expect(resolve({ reference: 'urn:uuid:org' }, bundle).partners).toEqual(['nps-london-lambeth']);
    expect(resolve({ reference: 'Organization/org' }, bundle).partners).toEqual(['nps-london-lambeth']);
  });

  it('resolves a PractitionerRole to its organisation', () => {
    const bundle = bundleOf(
      {
        fullUrl: 'urn:uuid:org',
        resource: { resourceType: 'Organization', identifier: [{ system: ODS, value: 'NVN' }] },
      },
      {
        fullUrl: 'urn:uuid:role',
        resource: { resourceType: 'PractitionerRole', organization: { reference: 'urn:uuid:org' } },
      },
    );
    expect(resolve({ reference: 'urn:uuid:role' }, bundle).partners).toEqual(['st-andrews-mhtr']);
  });

  it('takes a partner id as naming exactly that partner, even beside a code shared with others', () => {
    const reference = { identifier: { system: PARTNER, value: 'slam-mhtr' } };
    expect(resolve(reference).partners).toEqual(['slam-mhtr']);
    const bundle = bundleOf({
      fullUrl: 'urn:uuid:org',
      resource: {
        resourceType: 'Organization',
        identifier: [
          { system: ODS, value: 'RV5' },
          { system: PARTNER, value: 'sl-liaison-diversion' },
        ],
      },
    });
    expect(resolve({ reference: 'urn:uuid:org' }, bundle).partners).toEqual(['sl-liaison-diversion']);
  });

  it('names a GP practice by its ODS code, not a partner', () => {
    expect(resolve({ identifier: { system: ODS, value: 'H85013' } })).toEqual({ partners: [], gpPractice: 'H85013' });
  });

  it('says what it could not resolve: an unknown code, a missing entry, a display name only', () => {
    expect(resolve({ identifier: { system: ODS, value: 'ZZZ99' } }).unresolved).toContain('ZZZ99');
    expect(resolve({ reference: 'urn:uuid:not-in-the-bundle' }).unresolved).toBe('urn:uuid:not-in-the-bundle');
    expect(resolve({ display: 'Croydon probation' }).unresolved).toBe('a display name only');
    expect(resolve({ identifier: { system: 'https://example.org/unknown', value: 'N07' } }).unresolved).toBeDefined();
  });

  it('does not take a person for a party, nor warn about one', () => {
    expect(resolve({ reference: 'Practitioner/abc' })).toEqual({ partners: [] });
    expect(resolve({ reference: 'Patient/1' })).toEqual({ partners: [] });
    expect(resolve({})).toEqual({ partners: [] });
  });
});

describe('partnersNamedBy', () => {
  it('takes no code shorter than a region or trust code as naming every partner it starts', () => {
    expect(partnersNamedBy({ system: ODS, value: 'R' }, PARTNERS)).toEqual([]);
    expect(partnersNamedBy({ system: PROBATION, value: 'N0' }, PARTNERS)).toEqual([]);
    expect(partnersNamedBy({ system: PROBATION, value: 'N07' }, PARTNERS)).toEqual([
      'nps-london-croydon',
      'nps-london-lambeth',
    ]);
  });

  it('never matches a code under another system', () => {
    expect(partnersNamedBy({ system: COURT, value: 'N07CY' }, PARTNERS)).toEqual([]);
    expect(partnersNamedBy({ system: ODS, value: '' }, PARTNERS)).toEqual([]);
    expect(partnersNamedBy({ system: PARTNER, value: 'no-such-partner' }, PARTNERS)).toEqual([]);
  });
});

describe('partyWarnings', () => {
  it('warns about a request performer it cannot resolve, naming how it was named', () => {
    const bundle = bundleOf({
      fullUrl: 'urn:uuid:sr',
      resource: { resourceType: 'ServiceRequest', performer: [{ identifier: { system: ODS, value: 'QQQ11' } }] },
    });
    const issues = partyWarnings(bundle, HUB_PARTY, PARTNERS);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'warning', expression: ['Bundle.entry[0].resource.performer[0]'] });
    expect(issues[0].diagnostics).toContain('QQQ11');
  });

  it('says nothing of what resolves', () => {
    const bundle = bundleOf({
      fullUrl: 'urn:uuid:task',
      resource: { resourceType: 'Task', owner: { identifier: { system: ODS, value: 'RV5' } } },
    });
    expect(partyWarnings(bundle, HUB_PARTY, PARTNERS)).toEqual([]);
  });
});
