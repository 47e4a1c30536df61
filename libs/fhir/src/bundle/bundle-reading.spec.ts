import type { Bundle } from 'fhir/r4';
import { COURT_CODE_SYSTEM, ODS_ORGANIZATION_CODE_SYSTEM, PARTNER_ID_SYSTEM } from '../builders/hub-identifiers';
import {
  courtCodesOf,
  isGpPractice,
  partnerIdOf,
  patientOf,
  resolveReference,
  resourcesOfType,
} from './bundle-reading';

const bundle = {
  resourceType: 'Bundle',
  type: 'message',
  entry: [
    {
      fullUrl: 'urn:uuid:header',
      resource: { resourceType: 'MessageHeader', eventUri: 'x', source: { endpoint: 'e' } },
    },
    { fullUrl: 'urn:uuid:patient', resource: { resourceType: 'Patient', id: 'p1' } },
    {
      fullUrl: 'urn:uuid:court',
      resource: {
        resourceType: 'Organization',
        id: 'o1',
        identifier: [{ system: COURT_CODE_SYSTEM, value: 'B01CY00' }],
      },
    },
    {
      resource: {
        resourceType: 'Location',
        id: 'l1',
        identifier: [{ system: COURT_CODE_SYSTEM, value: 'B01LB00' }],
      },
    },
  ],
} as Bundle;

describe('Bundle readers', () => {
  it('find the Patient, the resources of a type and what a reference points at (fullUrl or Type/id)', () => {
    expect(patientOf(bundle)?.id).toBe('p1');
    expect(resourcesOfType(bundle, 'Organization').map((organization) => organization.id)).toEqual(['o1']);
    expect(resolveReference(bundle, { reference: 'urn:uuid:court' })?.id).toBe('o1');
    expect(resolveReference(bundle, { reference: 'Location/l1' })?.id).toBe('l1');
    expect(resolveReference(bundle, { reference: 'Patient/elsewhere' })).toBeUndefined();
    expect(courtCodesOf(bundle).sort()).toEqual(['B01CY00', 'B01LB00']);
  });

  it.each([undefined, null, 'text', 42, [], { entry: 'not a list' }, { entry: [null, 'x', { resource: 'y' }] }])(
    'read anything a partner may send without throwing (%p has no Patient)',
    (body) => {
      expect(patientOf(body)).toBeUndefined();
    },
  );

  it('tell a GP practice (ODS code, not a partner) from a partner Organization', () => {
    const practice = {
      resourceType: 'Organization' as const,
      identifier: [{ system: ODS_ORGANIZATION_CODE_SYSTEM, value: 'H85026' }],
    };
    const partner = {
      resourceType: 'Organization' as const,
      identifier: [...practice.identifier, { system: PARTNER_ID_SYSTEM, value: 'slam-mhtr' }],
    };
    expect(isGpPractice(practice)).toBe(true);
    expect(isGpPractice(partner)).toBe(false);
    expect(partnerIdOf(partner)).toBe('slam-mhtr');
  });
});
