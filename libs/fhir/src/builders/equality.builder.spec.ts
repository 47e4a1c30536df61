import { DISABILITY_SYSTEM } from '@cstr/contracts';
import type { PersonInput } from '../events/event-inputs';
import { validateResource } from '../validation';
import {
  DISABILITY_EXTENSION,
  equalityCommunication,
  equalityExtensions,
  ETHNIC_CATEGORY_ENGLAND_SYSTEM,
  ETHNIC_CATEGORY_EXTENSION,
  GENDER_IDENTITY_EXTENSION,
  INTERPRETER_REQUIRED_EXTENSION,
} from './equality.builder';
import { buildPatient } from './patient.builder';

const person: PersonInput = {
  identifiers: { nhsNumber: '9434765919' },
  name: { family: 'Reid', given: ['Jordan'] },
  birthDate: '1991-03-14',
  gender: 'female',
  equality: {
    ethnicCategory: 'M',
    genderIdentity: 'transgender-female',
    disabilities: ['hearing', 'hearing', 'learning'],
    interpreterRequired: true,
    language: 'bfi',
  },
};

describe('equality monitoring on the Patient', () => {
  it('carries UK Core ethnic category, R4 gender identity, disability and interpreter extensions, and the language', () => {
    const result = buildPatient('0f4c2a10-1b2c-4d3e-8f4a-5b6c7d8e9f00', person);
    if (!result.ok) throw new Error('not built');
    const patient = result.resource;
    expect(patient.extension?.map((extension) => extension.url)).toEqual([
      ETHNIC_CATEGORY_EXTENSION,
      GENDER_IDENTITY_EXTENSION,
      DISABILITY_EXTENSION,
      DISABILITY_EXTENSION,
      INTERPRETER_REQUIRED_EXTENSION,
    ]);
    expect(patient.extension?.[0].valueCodeableConcept?.coding?.[0]).toEqual({
      system: ETHNIC_CATEGORY_ENGLAND_SYSTEM,
      code: 'M',
      display: 'Black or Black British - Caribbean',
    });
    expect(patient.extension?.[2].valueCodeableConcept?.coding?.[0]).toMatchObject({
      system: DISABILITY_SYSTEM,
      code: 'hearing',
    });
    expect(patient.communication?.[0].language.coding?.[0].code).toBe('bfi');
    const outcome = validateResource(patient);
    expect(outcome.issue.filter((issue) => issue.severity === 'error')).toEqual([]);
  });

  it('leaves out what was not recorded, and an ethnic category or language it does not know', () => {
    expect(equalityExtensions(undefined)).toEqual([]);
    expect(equalityExtensions({ ethnicCategory: 'Q' })).toEqual([]);
    expect(equalityExtensions({ interpreterRequired: false })).toEqual([
      { url: INTERPRETER_REQUIRED_EXTENSION, valueBoolean: false },
    ]);
    expect(equalityCommunication({ language: 'not a tag' })).toBeUndefined();
    const plain = buildPatient('0f4c2a10-1b2c-4d3e-8f4a-5b6c7d8e9f00', { ...person, equality: undefined });
    expect(plain.ok && plain.resource.extension).toBeUndefined();
  });
});
