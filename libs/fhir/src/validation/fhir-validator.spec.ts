/**
 * validateResource on deliberately broken resources: each must fail with its specific issue
 * (issue code and FHIRPath expression), and the valid starting points must pass.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@cstr/contracts';
import { errorsOf, isValid, validateResource } from './index';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const VERIFICATION_STATUS = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';
const ETHNIC_CATEGORY = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory';
const TRIGGERED_BY = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Observation.triggeredBy';

/** A valid UK Core Patient, with the NHS number verified (code 01). */
function patient(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    identifier: [
      {
        system: NHS,
        value: '9449305552',
        extension: [
          {
            url: VERIFICATION_STATUS,
            valueCodeableConcept: {
              coding: [
                { system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland', code: '01' },
              ],
            },
          },
        ],
      },
    ],
    name: [{ use: 'official', family: 'Smith', given: ['Richard'] }],
    gender: 'male',
    birthDate: '1980-03-12',
    ...overrides,
  };
}

/** A valid UK Core Observation. */
function observation(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: {
      coding: [
        { system: 'https://cstr-hub.org.uk/fhir/CodeSystem/observation-type', code: 'non-attendance-significance' },
      ],
    },
    subject: { reference: 'urn:uuid:3f6b9d24-7e1a-4b8c-8d2f-5a9e0c4b7d12' },
    valueCodeableConcept: {
      coding: [{ system: 'https://cstr-hub.org.uk/fhir/CodeSystem/non-attendance-significance', code: 'unacceptable' }],
    },
    ...overrides,
  };
}

function nhsIdentifier(value: string, system = NHS): Record<string, unknown> {
  return { system, value };
}

/** The one error issue at `expression`, asserting there is exactly one there and it has `code`. */
function errorAt(
  outcome: OperationOutcome,
  expression: string,
  code: OperationOutcomeIssue['code'],
): OperationOutcomeIssue {
  const matches = errorsOf(outcome).filter((each) => each.expression?.includes(expression));
  expect(matches).toEqual([expect.objectContaining({ severity: 'error', code, expression: [expression] })]);
  expect(matches[0].diagnostics).toEqual(expect.any(String));
  return matches[0];
}

describe('validateResource', () => {
  it('passes the valid starting points', () => {
    expect(validateResource(patient())).toEqual({ resourceType: 'OperationOutcome', issue: [] });
    expect(errorsOf(validateResource(observation()))).toEqual([]);
  });

  describe('input that is not a resource', () => {
    it.each([
      ['a string', 'Patient'],
      ['null', null],
      ['an array', [patient()]],
    ])('refuses %s without throwing', (_label, input) => {
      const outcome = validateResource(input);
      expect(isValid(outcome)).toBe(false);
      errorAt(outcome, 'Resource', 'structure');
    });

    it('refuses a resource without resourceType', () => {
      errorAt(validateResource({ id: 'x', gender: 'male' }), 'Resource.resourceType', 'required');
    });

    it('refuses an unknown resourceType', () => {
      expect(
        errorAt(validateResource(patient({ resourceType: 'Patinet' })), 'Resource.resourceType', 'structure')
          .diagnostics,
      ).toMatch(/Patinet/);
    });
  });

  describe('structure and cardinality', () => {
    it('reports a missing required element', () => {
      const { status: _status, ...withoutStatus } = observation();
      expect(errorAt(validateResource(withoutStatus), 'Observation.status', 'required').diagnostics).toMatch(
        /Missing required element "status"/,
      );
    });

    it('reports two values where the element takes one', () => {
      expect(
        errorAt(validateResource(patient({ gender: ['male', 'female'] })), 'Patient.gender', 'structure').diagnostics,
      ).toMatch(/takes one value/);
    });

    it('reports two values of one choice element', () => {
      const outcome = validateResource(patient({ deceasedBoolean: true, deceasedDateTime: '2020-01-01' }));
      expect(errorAt(outcome, 'Patient.deceasedDateTime', 'structure').diagnostics).toMatch(
        /Only one of "deceasedDateTime" and "deceasedBoolean"/,
      );
    });

    it('reports an unknown property', () => {
      expect(
        errorAt(validateResource(patient({ favouriteColour: 'blue' })), 'Patient.favouriteColour', 'structure')
          .diagnostics,
      ).toMatch(/Unknown element "favouriteColour"/);
    });

    it('reports a value[x] of a type the element does not allow', () => {
      const { valueCodeableConcept: _value, ...withoutValue } = observation();
      errorAt(
        validateResource({ ...withoutValue, valueCodeableReference: { concept: { text: 'x' } } }),
        'Observation.valueCodeableReference',
        'structure',
      );
    });

    it('reports a bad date format', () => {
      expect(
        errorAt(validateResource(patient({ birthDate: '12/03/1980' })), 'Patient.birthDate', 'value').diagnostics,
      ).toMatch(/Invalid date format/);
    });

    it('reports a bad dateTime inside a datatype', () => {
      errorAt(
        validateResource(observation({ effectivePeriod: { start: '2026-13-01T10:00:00Z' } })),
        'Observation.effectivePeriod.start',
        'value',
      );
    });
  });

  describe('invariants', () => {
    it('reports an empty element (ele-1)', () => {
      expect(errorAt(validateResource(patient({ name: [{}] })), 'Patient.name[0]', 'invariant').diagnostics).toMatch(
        /ele-1/,
      );
    });

    it('reports a resource invariant (obs-6: dataAbsentReason with a value)', () => {
      expect(
        errorAt(validateResource(observation({ dataAbsentReason: { text: 'masked' } })), 'Observation', 'invariant')
          .diagnostics,
      ).toMatch(/obs-6/);
    });

    it('reports an extension with neither value nor sub-extensions (ext-1)', () => {
      const outcome = validateResource(patient({ extension: [{ url: ETHNIC_CATEGORY }] }));
      expect(errorAt(outcome, 'Patient.extension[0]', 'invariant').diagnostics).toMatch(/ext-1/);
      errorAt(outcome, 'Patient.extension[0].value[x]', 'required');
    });
  });

  describe('required bindings', () => {
    it('reports a code outside a base R4 required ValueSet', () => {
      expect(
        errorAt(validateResource(patient({ gender: 'mail' })), 'Patient.gender', 'code-invalid').diagnostics,
      ).toMatch(/administrative-gender/);
    });

    it('reports a code outside a required ValueSet inside a datatype', () => {
      const outcome = validateResource(patient({ identifier: [{ ...nhsIdentifier('9449305552'), use: 'primary' }] }));
      expect(errorAt(outcome, 'Patient.identifier[0].use', 'code-invalid').diagnostics).toMatch(/identifier-use/);
    });

    it("reports a code outside a kit ValueSet bound by an extension's definition", () => {
      const identifier = {
        ...nhsIdentifier('9449305552'),
        extension: [
          {
            url: VERIFICATION_STATUS,
            valueCodeableConcept: {
              coding: [
                { system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland', code: '99' },
              ],
            },
          },
        ],
      };
      const issue = errorAt(
        validateResource(patient({ identifier: [identifier] })),
        'Patient.identifier[0].extension[0].valueCodeableConcept',
        'code-invalid',
      );
      expect(issue.diagnostics).toMatch(/UKCore-NHSNumberVerificationStatus/);
    });

    it('reports a ValueSet that cannot be expanded offline once, as information', () => {
      const photo = { contentType: 'image/png', data: 'iVBORw0KGgo=' };
      const outcome = validateResource(patient({ photo: [photo, photo] }));
      expect(isValid(outcome)).toBe(true);
      const notChecked = outcome.issue.filter(
        (each) => each.severity === 'information' && /mimetypes/.test(each.diagnostics ?? ''),
      );
      expect(notChecked).toEqual([
        expect.objectContaining({ code: 'informational', expression: ['Patient.photo[0].contentType'] }),
      ]);
    });
  });

  describe('extensions against their own definitions', () => {
    it('reports an extension value of the wrong type', () => {
      const outcome = validateResource(
        patient({ extension: [{ url: ETHNIC_CATEGORY, valueString: 'White British' }] }),
      );
      expect(errorAt(outcome, 'Patient.extension[0].valueString', 'structure').diagnostics).toMatch(
        /expected valueCodeableConcept/,
      );
    });

    it('reports an extension with two values', () => {
      const coded = {
        coding: [{ system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland', code: 'A' }],
      };
      const outcome = validateResource(
        patient({ extension: [{ url: ETHNIC_CATEGORY, valueCodeableConcept: coded, valueCode: 'A' }] }),
      );
      errorAt(outcome, 'Patient.extension[0].valueCode', 'structure');
    });

    it('reports a complex extension missing a required sub-extension', () => {
      const triggeredBy = {
        url: TRIGGERED_BY,
        extension: [{ url: 'observation', valueReference: { reference: 'Observation/1' } }],
      };
      const outcome = validateResource(observation({ extension: [triggeredBy] }));
      expect(errorAt(outcome, 'Observation.extension[0].extension', 'required').diagnostics).toMatch(
        /sub-extension "type", found 0/,
      );
    });

    it('reports a sub-extension value of the wrong type', () => {
      const triggeredBy = {
        url: TRIGGERED_BY,
        extension: [
          { url: 'observation', valueString: 'Observation/1' },
          { url: 'type', valueCode: 'reflex' },
        ],
      };
      errorAt(
        validateResource(observation({ extension: [triggeredBy] })),
        'Observation.extension[0].extension[0].valueString',
        'structure',
      );
    });

    it('reports a value on a complex extension', () => {
      const triggeredBy = {
        url: TRIGGERED_BY,
        valueString: 'x',
        extension: [
          { url: 'observation', valueReference: { reference: 'Observation/1' } },
          { url: 'type', valueCode: 'reflex' },
        ],
      };
      errorAt(
        validateResource(observation({ extension: [triggeredBy] })),
        'Observation.extension[0].valueString',
        'structure',
      );
    });

    it('notes an extension it has no definition for, as information', () => {
      const outcome = validateResource(
        patient({ extension: [{ url: 'https://cstr-hub.org.uk/fhir/StructureDefinition/unknown', valueString: 'x' }] }),
      );
      expect(isValid(outcome)).toBe(true);
      expect(outcome.issue).toEqual([
        expect.objectContaining({ severity: 'information', expression: ['Patient.extension[0]'] }),
      ]);
    });
  });

  describe('NHS number', () => {
    it('reports an NHS number under a misspelt system', () => {
      for (const system of [
        'http://fhir.nhs.uk/Id/nhs-number',
        'https://fhir.nhs.net/Id/nhs-number',
        'https://fhir.nhs.uk/Id/NHS_Number',
      ]) {
        const issue = errorAt(
          validateResource(patient({ identifier: [nhsIdentifier('9449305552', system)] })),
          'Patient.identifier[0].system',
          'value',
        );
        expect(issue.diagnostics).toContain(NHS);
      }
    });

    it('reports an NHS-shaped Patient identifier under another NHS system', () => {
      errorAt(
        validateResource(patient({ identifier: [nhsIdentifier('9449305552', 'https://fhir.nhs.uk/Id/patient-id')] })),
        'Patient.identifier[0].system',
        'value',
      );
    });

    it('reports a wrong check digit', () => {
      const issue = errorAt(
        validateResource(patient({ identifier: [nhsIdentifier('9449305553')] })),
        'Patient.identifier[0].value',
        'value',
      );
      expect(issue.diagnostics).toMatch(/\[nhs-number-check-digit\]/);
    });

    it('reports a placeholder', () => {
      const issue = errorAt(
        validateResource(patient({ identifier: [nhsIdentifier('0000000000')] })),
        'Patient.identifier[0].value',
        'value',
      );
      expect(issue.diagnostics).toMatch(/\[nhs-number-placeholder\]/);
    });

    it('reports a number that is not ten digits', () => {
      const issue = errorAt(
        validateResource(patient({ identifier: [nhsIdentifier('944 930 5552')] })),
        'Patient.identifier[0].value',
        'value',
      );
      expect(issue.diagnostics).toMatch(/\[nhs-number-format\]/);
    });

    it('checks NHS numbers in references too', () => {
      const outcome = validateResource(observation({ subject: { identifier: nhsIdentifier('9449305553') } }));
      errorAt(outcome, 'Observation.subject.identifier.value', 'value');
    });
  });

  describe('profile choice', () => {
    it('validates types UK Core has no profile for against base R4', () => {
      expect(
        errorsOf(
          validateResource({ resourceType: 'RiskAssessment', status: 'final', subject: { reference: 'Patient/1' } }),
        ),
      ).toEqual([]);
      errorAt(
        validateResource({ resourceType: 'RiskAssessment', subject: { reference: 'Patient/1' } }),
        'RiskAssessment.status',
        'required',
      );
      expect(
        errorsOf(
          validateResource({ resourceType: 'EpisodeOfCare', status: 'finished', patient: { reference: 'Patient/1' } }),
        ),
      ).toEqual([]);
    });

    it('refuses a profile for another resource type', () => {
      const outcome = validateResource(patient(), {
        profile: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation',
      });
      errorAt(outcome, 'Patient.resourceType', 'structure');
    });

    it('refuses a profile that is not in the kit', () => {
      errorAt(
        validateResource(patient(), { profile: 'https://example.org/StructureDefinition/Other' }),
        'Patient',
        'not-supported',
      );
    });

    it('notes a meta.profile it does not have and validates against UK Core', () => {
      const outcome = validateResource(
        patient({ meta: { profile: ['https://cstr-hub.org.uk/fhir/StructureDefinition/Other'] }, gender: 'mail' }),
      );
      expect(outcome.issue).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ severity: 'information', expression: ['Patient.meta.profile'] }),
          expect.objectContaining({ severity: 'error', code: 'code-invalid', expression: ['Patient.gender'] }),
        ]),
      );
    });
  });
});
