/**
 * The present-elements engine against the reference, medplum's own validator: the same errors
 * (path and issue code) on every kit example, the benchmark event and a set of broken resources;
 * and the three places where it deliberately differs: stricter, more precise, or correcting medplum.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorsOf, FhirValidator, ukCoreKit } from './index';

const EXAMPLES_DIR = join(__dirname, '..', '..', 'ukcore', 'examples');
const EVENT = join(__dirname, '..', '..', 'test', 'validation', 'fixtures', 'treatment-appointment-missed.bundle.json');
const BIRTH_TIME = 'http://hl7.org/fhir/StructureDefinition/patient-birthTime';
const ETHNIC_CATEGORY = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory';

const patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9449305552' }],
  name: [{ family: 'Smith', given: ['Richard'] }],
  gender: 'male',
  birthDate: '1980-03-12',
};

const broken: [string, unknown][] = [
  ['array where one value', { ...patient, gender: ['male', 'female'] }],
  ['two choice values', { ...patient, deceasedBoolean: true, deceasedDateTime: '2020-01-01' }],
  ['unknown element', { ...patient, favouriteColour: 'blue' }],
  ['unknown nested element', { ...patient, name: [{ family: 'Smith', nickname: 'Rich' }] }],
  ['empty object', { ...patient, name: [{}] }],
  ['bad date', { ...patient, birthDate: '12/03/1980' }],
  ['missing required', { resourceType: 'Observation', code: { text: 'x' } }],
  [
    'resource invariant',
    {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      valueString: 'a',
      dataAbsentReason: { text: 'masked' },
    },
  ],
  ['string where object', { resourceType: 'RiskAssessment', status: 'final', subject: 'Patient/1' }],
  ['null', { ...patient, gender: null }],
  ['wrong JSON types', { ...patient, gender: 3, active: 'yes' }],
  ['bad contained resource', { ...patient, contained: [{ resourceType: 'Practitioner', id: 'p', nickname: 'Doc' }] }],
  [
    'slice over its maximum',
    {
      ...patient,
      extension: [1, 2].map((n) => ({ url: ETHNIC_CATEGORY, valueCodeableConcept: { text: `category ${n}` } })),
    },
  ],
  ['extension without value', { ...patient, extension: [{ url: ETHNIC_CATEGORY }] }],
];

function errorKeys(validator: FhirValidator, resource: unknown): string[] {
  return errorsOf(validator.validateResource(resource))
    .map((each) => `${each.code} ${each.expression?.join(',')}`)
    .sort();
}

describe('present-elements engine', () => {
  const kit = ukCoreKit();
  const fast = new FhirValidator(kit);
  const reference = new FhirValidator(kit, { engine: 'medplum' });
  const examples = readdirSync(EXAMPLES_DIR).map((name): [string, unknown] => [
    name,
    JSON.parse(readFileSync(join(EXAMPLES_DIR, name), 'utf8')),
  ]);
  const event: [string, unknown] = ['benchmark event', JSON.parse(readFileSync(EVENT, 'utf8'))];

  it.each([...examples, event, ...broken])('agrees with medplum on %s', (_name, resource) => {
    expect(errorKeys(fast, resource)).toEqual(errorKeys(reference, resource));
  });

  it('finds errors in every broken case', () => {
    for (const [name, resource] of broken)
      expect({ name, errors: errorKeys(fast, resource).length > 0 }).toEqual({ name, errors: true });
  });

  it('refuses an empty array, which FHIR JSON forbids and medplum lets through', () => {
    const resource = { ...patient, name: [] };
    expect(errorKeys(fast, resource)).toEqual(['invariant Patient.name']);
    expect(errorKeys(reference, resource)).toEqual([]);
  });

  it('names the choice property inside a primitive extension', () => {
    const resource = { ...patient, _birthDate: { extension: [{ url: BIRTH_TIME, valueDateTime: 'noon' }] } };
    expect(errorKeys(fast, resource)).toEqual(['value Patient.birthDate.extension[0].valueDateTime']);
    expect(errorKeys(reference, resource)).toEqual(['value Patient.birthDate.extension[0].value[x]']);
  });

  it('passes a qualitative RiskAssessment prediction, which medplum fails on ras-2', () => {
    const resource = {
      resourceType: 'RiskAssessment',
      status: 'final',
      subject: { reference: 'Patient/1' },
      prediction: [{ outcome: { text: 'Harm to others' }, qualitativeRisk: { text: 'high' } }],
    };
    expect(errorKeys(fast, resource)).toEqual([]);
    expect(errorKeys(reference, resource)).toEqual(['invariant RiskAssessment.prediction[0]']);
    expect(
      errorKeys(fast, { ...resource, prediction: [{ outcome: { text: 'Harm to others' }, probabilityDecimal: 140 }] }),
    ).toEqual(['invariant RiskAssessment.prediction[0]']);
  });
});
