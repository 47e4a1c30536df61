/**
 * Every upstream example of the UK Core kit validates without errors, except the two that are
 * themselves invalid upstream, which must fail for their own specific reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorsOf, validateResource } from './index';

const EXAMPLES_DIR = join(__dirname, '..', '..', 'ukcore', 'examples');
const RESOURCE_TYPES = [
  'Patient',
  'ServiceRequest',
  'Task',
  'Appointment',
  'Encounter',
  'Flag',
  'Consent',
  'Observation',
  'CarePlan',
  'Communication',
  'MessageHeader',
  'Bundle',
  'AuditEvent',
  'Practitioner',
  'Organization',
  'Condition',
];

/** Upstream examples known to be invalid, and the issue each must raise. */
const KNOWN_INVALID: Record<string, { expression: string; code: string; diagnostics: RegExp }> = {
  // An extension carrying both valueCodeableConcept and valueCode.
  'Extension-UKCore-ConditionEpisode-Example.json': {
    expression: 'Condition.extension[0].valueCodeableConcept',
    code: 'structure',
    diagnostics: /Only one of "valueCodeableConcept" and "valueCode"/,
  },
  // An NHS number whose check digit fails Modulus 11.
  'UKCore-Patient-BabyPatient-Example.json': {
    expression: 'Patient.identifier[0].value',
    code: 'value',
    diagnostics: /\[nhs-number-check-digit\]$/,
  },
};

const examples = readdirSync(EXAMPLES_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({
    name,
    resource: JSON.parse(readFileSync(join(EXAMPLES_DIR, name), 'utf8')) as { resourceType: string },
  }));

describe('UK Core kit examples', () => {
  it('cover all 16 profiled resource types', () => {
    expect(new Set(examples.map((example) => example.resource.resourceType))).toEqual(new Set(RESOURCE_TYPES));
    expect(examples.length).toBeGreaterThanOrEqual(100);
  });

  const valid = examples.filter((example) => !(example.name in KNOWN_INVALID));
  it.each(valid.map((example) => [example.name, example.resource] as const))(
    '%s validates with no errors',
    (_name, resource) => {
      expect(errorsOf(validateResource(resource))).toEqual([]);
    },
  );

  it.each(Object.entries(KNOWN_INVALID))('%s fails with its known upstream defect only', (name, expected) => {
    const example = examples.find((each) => each.name === name);
    expect(example).toBeDefined();
    const errors = errorsOf(validateResource(example!.resource));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ severity: 'error', code: expected.code, expression: [expected.expression] });
    expect(errors[0].diagnostics).toMatch(expected.diagnostics);
  });
});
