/**
 * Each native invariant gives the same verdict as medplum's FHIRPath engine on the same value,
 * and applies to the exact expression base R4 states (so it is actually used).
 */
import { type Constraint, evalFhirPathTyped, getDataType, type TypedValue } from '@medplum/core';
import { CORRECTED_INVARIANT_KEYS, NATIVE_INVARIANT_KEYS, nativeInvariant } from './native-invariants';
import { ukCoreKit } from './uk-core-kit';

type Json = Record<string, unknown>;

/** Where base R4 declares each invariant: on a type's root, or on one of its elements. */
const DECLARED_ON: Record<string, { type: string; element?: string; valueType: string }> = {
  'ext-1': { type: 'Patient', element: 'extension', valueType: 'Extension' },
  'dom-2': { type: 'Patient', valueType: 'Patient' },
  'dom-4': { type: 'Patient', valueType: 'Patient' },
  'dom-5': { type: 'Patient', valueType: 'Patient' },
  'txt-1': { type: 'Narrative', element: 'div', valueType: 'xhtml' },
  'txt-2': { type: 'Narrative', element: 'div', valueType: 'xhtml' },
  'bdl-5': { type: 'Bundle', element: 'entry', valueType: 'BundleEntry' },
  'bdl-8': { type: 'Bundle', element: 'entry', valueType: 'BundleEntry' },
  ...Object.fromEntries(
    ['bdl-1', 'bdl-2', 'bdl-3', 'bdl-4', 'bdl-7', 'bdl-9', 'bdl-10', 'bdl-11', 'bdl-12'].map((key) => [
      key,
      { type: 'Bundle', valueType: 'Bundle' },
    ]),
  ),
};

const extensionSamples: Json[] = [
  { url: 'u', valueString: 'a' },
  { url: 'u', extension: [{ url: 'a', valueString: 'b' }] },
  { url: 'u' },
  { url: 'u', valueString: 'a', extension: [{ url: 'a', valueString: 'b' }] },
  { url: 'u', _valueString: { id: 'x' } },
  { url: 'u', extension: [] },
  { url: 'u', valueString: '' },
  { url: 'u', valueCodeableConcept: {} },
];

const resourceSamples: Json[] = [
  { resourceType: 'Patient' },
  { resourceType: 'Patient', contained: [{ resourceType: 'Practitioner', id: 'p' }] },
  {
    resourceType: 'Patient',
    contained: [{ resourceType: 'Practitioner', id: 'p', contained: [{ resourceType: 'Organization', id: 'o' }] }],
  },
  { resourceType: 'Patient', contained: [{ resourceType: 'Practitioner', id: 'p', meta: { versionId: '1' } }] },
  {
    resourceType: 'Patient',
    contained: [{ resourceType: 'Practitioner', id: 'p', meta: { lastUpdated: '2026-01-01T00:00:00Z' } }],
  },
  {
    resourceType: 'Patient',
    contained: [{ resourceType: 'Practitioner', id: 'p', meta: { security: [{ code: 'R' }] } }],
  },
  { resourceType: 'Patient', contained: [{ resourceType: 'Practitioner', id: 'p', meta: { tag: [{ code: 't' }] } }] },
];

const entrySamples: Json[] = [
  { fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient' } },
  { fullUrl: 'urn:uuid:1' },
  { request: { method: 'POST', url: 'Patient' } },
  { response: { status: '201' } },
  { fullUrl: 'https://x.org/fhir/Patient/1/_history/2', resource: { resourceType: 'Patient' } },
  { fullUrl: 'https://x.org/fhir/Patient/1', resource: { resourceType: 'Patient', meta: { versionId: '2' } } },
];

function bundleSamples(): Json[] {
  const types = [
    'message',
    'document',
    'batch',
    'transaction',
    'batch-response',
    'transaction-response',
    'history',
    'searchset',
    'collection',
    undefined,
  ];
  const header = { fullUrl: 'urn:uuid:h', resource: { resourceType: 'MessageHeader' } };
  const composition = { fullUrl: 'urn:uuid:c', resource: { resourceType: 'Composition' } };
  const withRequest = {
    fullUrl: 'urn:uuid:r',
    resource: { resourceType: 'Patient' },
    request: { method: 'POST', url: 'Patient' },
  };
  const withResponse = { fullUrl: 'urn:uuid:s', response: { status: '200' }, search: { mode: 'match' } };
  const duplicate = { fullUrl: 'urn:uuid:h', resource: { resourceType: 'Patient' } };
  const versioned = (version: string): Json => ({
    fullUrl: 'https://x.org/fhir/Patient/1',
    resource: { resourceType: 'Patient', meta: { versionId: version } },
  });
  const entrySets: Json[][] = [
    [],
    [header],
    [composition],
    [header, duplicate],
    [withRequest],
    [withResponse],
    [versioned('1'), versioned('2')],
    [versioned('1'), versioned('1')],
    [header, withRequest, withResponse],
  ];
  const extras: Json[] = [
    {},
    { total: 3 },
    { identifier: { system: 's', value: 'v' }, timestamp: '2026-01-01T00:00:00Z' },
  ];
  return types.flatMap((type) =>
    entrySets.flatMap((entry) =>
      extras.map((extra) => ({ resourceType: 'Bundle', ...(type ? { type } : {}), entry, ...extra })),
    ),
  );
}

function samplesFor(valueType: string): unknown[] {
  switch (valueType) {
    case 'Extension':
      return extensionSamples;
    case 'Patient':
      return resourceSamples;
    case 'BundleEntry':
      return entrySamples;
    case 'Bundle':
      return bundleSamples();
    default:
      return ['<div xmlns="http://www.w3.org/1999/xhtml">text</div>', '<div>no namespace</div>'];
  }
}

function declaredConstraint(key: string): Constraint | undefined {
  const where = DECLARED_ON[key];
  const schema = getDataType(where.type);
  const constraints = where.element ? schema.elements[where.element]?.constraints : schema.constraints;
  return constraints?.find((constraint) => constraint.key === key);
}

function fhirPathVerdict(constraint: Constraint, value: unknown, valueType: string): boolean {
  const typed: TypedValue = { type: valueType, value };
  const result = evalFhirPathTyped(constraint.expression, [typed], {
    '%context': typed,
    '%resource': typed,
    '%rootResource': typed,
  });
  return result.length === 1 && result[0].value === true;
}

describe('native invariants', () => {
  beforeAll(() => ukCoreKit());

  it('cover the invariants listed here, no more and no less', () => {
    expect(NATIVE_INVARIANT_KEYS.map((key) => key.split('|')[0]).sort()).toEqual(Object.keys(DECLARED_ON).sort());
  });

  it.each(Object.keys(DECLARED_ON))('%s matches the expression base R4 declares', (key) => {
    const constraint = declaredConstraint(key);
    expect(constraint).toBeDefined();
    expect(nativeInvariant(constraint!)).toBeDefined();
  });

  it.each(Object.keys(DECLARED_ON))('%s agrees with FHIRPath on every sample', (key) => {
    const constraint = declaredConstraint(key)!;
    const native = nativeInvariant(constraint)!;
    const { valueType } = DECLARED_ON[key];
    const samples = samplesFor(valueType);
    const verdicts = samples.map((value) => ({
      value,
      native: native(value),
      fhirPath: fhirPathVerdict(constraint, value, valueType),
    }));
    expect(verdicts.filter((each) => each.native !== each.fhirPath)).toEqual([]);
  });

  it('see both verdicts among the samples, so the comparison means something', () => {
    for (const key of Object.keys(DECLARED_ON).filter((each) => !each.startsWith('txt-'))) {
      const constraint = declaredConstraint(key)!;
      const verdicts = new Set(
        samplesFor(DECLARED_ON[key].valueType).map((value) => nativeInvariant(constraint)!(value)),
      );
      expect({ key, verdicts: [...verdicts].sort() }).toEqual({ key, verdicts: [false, true] });
    }
  });

  it('correct ras-2, which medplum fails on every prediction without a probability', () => {
    expect(CORRECTED_INVARIANT_KEYS.map((key) => key.split('|')[0])).toEqual(['ras-2']);
    const constraint = getDataType('RiskAssessment').elements.prediction.constraints?.find(
      (each) => each.key === 'ras-2',
    );
    expect(constraint).toBeDefined();
    const native = nativeInvariant(constraint!)!;
    const samples: [Json, boolean, boolean][] = [
      // value, native verdict, medplum's FHIRPath verdict
      [{ outcome: { text: 'harm' }, probabilityDecimal: 40 }, true, true],
      [{ outcome: { text: 'harm' }, probabilityDecimal: 140 }, false, false],
      [{ outcome: { text: 'harm' }, qualitativeRisk: { text: 'high' } }, true, false],
      [{ outcome: { text: 'harm' }, probabilityRange: { low: { value: 10, unit: '%' } } }, true, true],
    ];
    for (const [value, expected, fhirPath] of samples) {
      expect(native(value)).toBe(expected);
      expect(fhirPathVerdict(constraint!, value, 'RiskAssessmentPrediction')).toBe(fhirPath);
    }
  });
});
