import type { Patient } from 'fhir/r4';
import { addKnownIdentifiers } from './ingress.pipeline';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const PNC = 'https://cstr-hub.org.uk/fhir/Id/pnc-id';

describe('addKnownIdentifiers', () => {
  it('adds the identifiers the person index knows and the sender did not send', () => {
    const patient: Patient = { resourceType: 'Patient', identifier: [{ system: PNC, value: '2019/0046512V' }] };
    addKnownIdentifiers(patient, [
      { system: PNC, value: '2019/0046512V' },
      { system: NHS, value: '9990000123' },
    ]);
    expect(patient.identifier).toEqual([
      { system: PNC, value: '2019/0046512V' },
      { system: NHS, value: '9990000123' },
    ]);
  });

  it('never adds a second value of a system the sender sent', () => {
    const patient: Patient = { resourceType: 'Patient', identifier: [{ system: NHS, value: '9434765919' }] };
    addKnownIdentifiers(patient, [{ system: NHS, value: '9990000123' }]);
    expect(patient.identifier).toEqual([{ system: NHS, value: '9434765919' }]);
  });

  it('leaves a Patient alone when nothing is missing', () => {
    const patient: Patient = { resourceType: 'Patient', identifier: [{ system: NHS, value: '9990000123' }] };
    addKnownIdentifiers(patient, [{ system: NHS, value: '9990000123' }]);
    expect(patient.identifier).toHaveLength(1);
  });
});
