import { CRN_SYSTEM, NHS_NUMBER_SYSTEM, PNC_ID_SYSTEM } from '@cstr/identity';
import type { PersonInput } from '../events/event-inputs';
import { buildPatient, personIdentifiers } from './patient.builder';
import { NHS_NUMBER_VERIFICATION_STATUS_EXTENSION, ukCoreProfile } from './uk-core-profiles';

const person: PersonInput = {
  identifiers: { nhsNumber: '9434765919', nhsNumberVerified: true, crn: ' x123456 ', pncId: '04/46583U' },
  name: { family: 'Reid', given: ['Jordan', 'Michael'] },
  birthDate: '1991-03-14',
  gender: 'male',
  address: { line: ['14 Elmwood Road'], city: 'Croydon', postalCode: 'CR0 2HT' },
};

describe('buildPatient', () => {
  it('builds a UKCore-Patient with normalised identifiers, NHS number first with its verification status', () => {
    const result = buildPatient('0f4c2a10-1b2c-4d3e-8f4a-5b6c7d8e9f00', person, { referenceYear: 2026 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const patient = result.resource;
    expect(patient.meta?.profile).toEqual([ukCoreProfile('Patient')]);
    expect(patient.identifier?.map((identifier) => [identifier.system, identifier.value])).toEqual([
      [NHS_NUMBER_SYSTEM, '9434765919'],
      [CRN_SYSTEM, 'X123456'],
      [PNC_ID_SYSTEM, '2004/0046583U'],
    ]);
    expect(patient.identifier?.[0].extension).toEqual([
      {
        url: NHS_NUMBER_VERIFICATION_STATUS_EXTENSION,
        valueCodeableConcept: { coding: [expect.objectContaining({ code: '01' })] },
      },
    ]);
    expect(patient).toMatchObject({
      gender: 'male',
      birthDate: '1991-03-14',
      name: [{ family: 'Reid', given: ['Jordan', 'Michael'] }],
      address: [{ use: 'home', postalCode: 'CR0 2HT' }],
    });
    expect(patient.meta?.security).toBeUndefined();
  });

  it('marks an unverified NHS number as present but not traced (02)', () => {
    const { identifiers } = personIdentifiers({ nhsNumber: '9434765919' });
    expect(identifiers[0].extension?.[0].valueCodeableConcept?.coding?.[0].code).toBe('02');
  });

  it('lists every bad identifier and a bad birth date as issues with input paths, without throwing', () => {
    const result = buildPatient(
      '0f4c2a10-1b2c-4d3e-8f4a-5b6c7d8e9f00',
      { ...person, identifiers: { nhsNumber: '1111111111', pncId: '2004/0046583A' }, birthDate: '14/03/1991' },
      { expression: 'defendant' },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.outcome.issue.map((issue) => [issue.code, issue.expression?.[0]])).toEqual([
      ['value', 'defendant.identifiers.nhsNumber'],
      ['value', 'defendant.identifiers.pncId'],
      ['value', 'defendant.birthDate'],
    ]);
  });

  it('adds the registered practice and when the record was read', () => {
    const result = buildPatient(
      '0f4c2a10-1b2c-4d3e-8f4a-5b6c7d8e9f00',
      { ...person, restricted: true },
      {
        generalPractitioner: [{ reference: 'urn:uuid:1d6a1f0e-3a1b-4c2d-9e3f-4a5b6c7d8e9f' }],
        lastUpdated: '2026-05-12T15:10:00+01:00',
      },
    );
    expect(result.ok && result.resource.generalPractitioner).toEqual([
      { reference: 'urn:uuid:1d6a1f0e-3a1b-4c2d-9e3f-4a5b6c7d8e9f' },
    ]);
    expect(result.ok && result.resource.meta).toMatchObject({
      lastUpdated: '2026-05-12T15:10:00+01:00',
      security: [{ code: 'R' }],
    });
  });
});
