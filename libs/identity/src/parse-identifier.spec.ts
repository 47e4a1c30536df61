import fc from 'fast-check';
import { identifierIssue, identifierOperationOutcome } from './identifier-outcome';
import {
  COMMON_PLATFORM_DEFENDANT_ID_SYSTEM,
  CRN_SYSTEM,
  CRO_NUMBER_SYSTEM,
  IDENTIFIER_SYSTEMS,
  NHS_NUMBER_SYSTEM,
  PNC_ID_SYSTEM,
} from './identifier-systems';
import { AnyIdentifierFailure, identifierKindForSystem, parseIdentifier } from './parse-identifier';

const ALL_SYSTEMS = Object.values(IDENTIFIER_SYSTEMS);

function failureOf(system: unknown, value: unknown): AnyIdentifierFailure {
  const result = parseIdentifier(system, value);
  if (result.ok) throw new Error(`expected ${String(value)} to be refused`);
  return result;
}

describe('identifier systems', () => {
  it('uses the national NHS number system and hub systems for the rest', () => {
    expect(NHS_NUMBER_SYSTEM).toBe('https://fhir.nhs.uk/Id/nhs-number');
    for (const system of [CRN_SYSTEM, PNC_ID_SYSTEM, CRO_NUMBER_SYSTEM, COMMON_PLATFORM_DEFENDANT_ID_SYSTEM]) {
      expect(system).toMatch(/^https:\/\/cstr-hub\.org\.uk\/fhir\/Id\/[a-z-]+$/);
    }
    expect(new Set(ALL_SYSTEMS).size).toBe(5);
  });

  it('maps every system back to its kind', () => {
    for (const [kind, system] of Object.entries(IDENTIFIER_SYSTEMS)) expect(identifierKindForSystem(system)).toBe(kind);
    expect(identifierKindForSystem('https://fhir.nhs.uk/Id/nhs-number/')).toBeUndefined();
  });
});

describe('parseIdentifier', () => {
  it.each([
    [NHS_NUMBER_SYSTEM, '9434765919', 'nhs-number', '9434765919'],
    [CRN_SYSTEM, 'x123456', 'crn', 'X123456'],
    [PNC_ID_SYSTEM, '20030011985X', 'pnc-id', '2003/0011985X'],
    [CRO_NUMBER_SYSTEM, '65656/91H', 'cro-number', '065656/91H'],
    [
      COMMON_PLATFORM_DEFENDANT_ID_SYSTEM,
      '8E8BB2FF-5C8D-4D4E-A5E6-8C7AB1F0D2A1',
      'common-platform-defendant-id',
      '8e8bb2ff-5c8d-4d4e-a5e6-8c7ab1f0d2a1',
    ],
  ])('dispatches %s', (system, value, kind, normalised) => {
    expect(parseIdentifier(system, value)).toEqual({ ok: true, kind, value: normalised });
  });

  it('gives the parser of the system, not another one', () => {
    // A valid CRN is not a valid NHS number, and vice versa.
    expect(parseIdentifier(NHS_NUMBER_SYSTEM, 'X123456')).toMatchObject({ ok: false, kind: 'nhs-number' });
    expect(parseIdentifier(CRN_SYSTEM, '9434765919')).toMatchObject({ ok: false, kind: 'crn' });
  });

  it('passes the reference year to the PNC parser', () => {
    expect(parseIdentifier(PNC_ID_SYSTEM, '26/1W', { referenceYear: 2025 })).toMatchObject({ value: '1926/0000001W' });
    expect(parseIdentifier(PNC_ID_SYSTEM, '26/1W', { referenceYear: 2026 })).toMatchObject({ value: '2026/0000001W' });
  });

  it('refuses a missing system', () => {
    for (const system of [undefined, null, '']) {
      expect(parseIdentifier(system, '9434765919')).toMatchObject({
        ok: false,
        kind: 'unknown',
        code: 'identifier-system-missing',
      });
    }
  });

  it('refuses an unknown system, naming it', () => {
    expect(parseIdentifier('https://example.org/Id/other', '9434765919')).toMatchObject({
      ok: false,
      kind: 'unknown',
      code: 'identifier-system-unsupported',
      reason: expect.stringContaining('https://example.org/Id/other'),
    });
    expect(parseIdentifier(42, '9434765919')).toMatchObject({
      code: 'identifier-system-unsupported',
      reason: expect.stringContaining('of type number'),
    });
  });

  describe('properties', () => {
    it('never throws, whatever the system and value', () => {
      fc.assert(
        fc.property(fc.oneof(fc.constantFrom(...ALL_SYSTEMS), fc.anything()), fc.anything(), (system, value) => {
          const result = parseIdentifier(system, value);
          if (!result.ok) {
            expect(result.code).toMatch(/^[a-z-]+$/);
            expect(result.reason.length).toBeGreaterThan(0);
          }
        }),
        { numRuns: 500 },
      );
    });

    it('a reason never repeats a refused value back', () => {
      // Values with both a letter and a digit, six characters or more: nothing a message says could contain one by chance.
      const value = fc.stringMatching(/^[0-9A-Za-z/ -]{6,20}$/).filter((v) => /[A-Za-z]/.test(v) && /[0-9]/.test(v));
      fc.assert(
        fc.property(fc.constantFrom(...ALL_SYSTEMS), value, (system, input) => {
          const result = parseIdentifier(system, input);
          if (!result.ok) expect(result.reason).not.toContain(input.trim());
        }),
        { numRuns: 1000 },
      );
    });
  });
});

describe('identifier OperationOutcome', () => {
  it('makes an error issue with the reason, the code and the caller’s expression', () => {
    const failure = failureOf(NHS_NUMBER_SYSTEM, '9434765918');
    expect(identifierIssue(failure, 'Patient.identifier[0].value')).toEqual({
      severity: 'error',
      code: 'value',
      diagnostics: `${failure.reason} [nhs-number-check-digit]`,
      expression: ['Patient.identifier[0].value'],
    });
  });

  it('wraps the issue in an OperationOutcome', () => {
    const failure = failureOf(CRO_NUMBER_SYSTEM, '85227/65G');
    expect(identifierOperationOutcome(failure, 'Patient.identifier[2].value')).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        expect.objectContaining({
          severity: 'error',
          code: 'value',
          expression: ['Patient.identifier[2].value'],
          diagnostics: expect.stringContaining('[cro-number-check-character]'),
        }),
      ],
    });
  });

  it('uses required for a missing system and not-supported for an unknown one', () => {
    expect(identifierIssue(failureOf(undefined, 'x'), 'Patient.identifier[1].system').code).toBe('required');
    expect(identifierIssue(failureOf('urn:other', 'x'), 'Patient.identifier[1].system').code).toBe('not-supported');
  });
});
