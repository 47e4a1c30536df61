import {
  COMMON_PLATFORM_DEFENDANT_ID_SYSTEM,
  CRN_SYSTEM,
  NHS_NUMBER_SYSTEM,
  PNC_ID_SYSTEM,
} from '../identifier-systems';
import { readSubjectIdentifiers } from './subject-identifiers';

describe('readSubjectIdentifiers', () => {
  it('normalises, removes duplicates and orders by priority (NHS number first), then as given', () => {
    const read = readSubjectIdentifiers([
      { system: COMMON_PLATFORM_DEFENDANT_ID_SYSTEM, value: '8E8BB2FF-5C8D-4D4E-A5E6-8C7AB1F0D2A1' },
      { system: CRN_SYSTEM, value: 'x123456' },
      { system: PNC_ID_SYSTEM, value: '20030011985X' },
      { system: NHS_NUMBER_SYSTEM, value: '9434765919' },
      { system: CRN_SYSTEM, value: 'X123456' },
      { system: CRN_SYSTEM, value: 'A000001' },
    ]);
    expect(read.issues).toEqual([]);
    expect(read.valid).toEqual([
      { system: NHS_NUMBER_SYSTEM, value: '9434765919', kind: 'nhs-number' },
      { system: CRN_SYSTEM, value: 'X123456', kind: 'crn' },
      { system: CRN_SYSTEM, value: 'A000001', kind: 'crn' },
      { system: PNC_ID_SYSTEM, value: '2003/0011985X', kind: 'pnc-id' },
      {
        system: COMMON_PLATFORM_DEFENDANT_ID_SYSTEM,
        value: '8e8bb2ff-5c8d-4d4e-a5e6-8c7ab1f0d2a1',
        kind: 'common-platform-defendant-id',
      },
    ]);
  });

  it('turns each unusable identifier into a warning with the path of the offending element', () => {
    const read = readSubjectIdentifiers(
      [
        null,
        { system: NHS_NUMBER_SYSTEM, value: '9434765918' },
        { value: '9434765919' },
        { system: 'urn:local', value: 'x' },
        'text',
      ],
      'Bundle.entry[1].resource.identifier',
    );
    expect(read.valid).toEqual([]);
    expect(read.issues.map((issue) => [issue.severity, issue.code, issue.expression?.[0]])).toEqual([
      ['warning', 'structure', 'Bundle.entry[1].resource.identifier[0]'],
      ['warning', 'value', 'Bundle.entry[1].resource.identifier[1].value'],
      ['warning', 'required', 'Bundle.entry[1].resource.identifier[2].system'],
      ['warning', 'not-supported', 'Bundle.entry[1].resource.identifier[3].system'],
      ['warning', 'structure', 'Bundle.entry[1].resource.identifier[4]'],
    ]);
    expect(read.issues[1].diagnostics).toMatch(
      /\[nhs-number-check-digit\] The identifier was ignored for person matching\.$/,
    );
  });

  it('refuses something that is not a list, without throwing', () => {
    for (const input of [undefined, null, 'x', { system: CRN_SYSTEM, value: 'X123456' }]) {
      const read = readSubjectIdentifiers(input);
      expect(read.valid).toEqual([]);
      expect(read.issues).toEqual([expect.objectContaining({ severity: 'error', code: 'structure' })]);
    }
  });
});
