import { AGREEMENTS } from '../../test/policy-test-kit';
import type { Agreement, Flow } from './agreement';
import { agreementDiff, sharedElements } from './agreement-diff';

const mhtr = AGREEMENTS.find((agreement) => agreement.id === 'cstr-south-london-mhtr') as Agreement;
const attendance = mhtr.flows.find((flow) => flow.id === 'attendance-to-probation') as Flow;

/** The MHTR agreement as version 5 with `change` applied. */
function next(change: (agreement: Agreement) => Partial<Agreement>): Agreement {
  return { ...mhtr, version: mhtr.version + 1, ...change(mhtr) };
}

describe('agreementDiff', () => {
  it('finds nothing between a version and its own terms', () => {
    expect(agreementDiff(mhtr, { ...mhtr })).toEqual([]);
  });

  it('names a removed flow with what it carried', () => {
    const without = next((agreement) => ({ flows: agreement.flows.filter((flow) => flow !== attendance) }));
    expect(agreementDiff(mhtr, without)).toEqual([
      {
        area: 'flow',
        change: 'removed',
        flowId: 'attendance-to-probation',
        item: 'attendance-to-probation',
        before: 'treatment.appointment.attended, treatment.appointment.missed from kind mh-provider to kind probation',
      },
    ]);
  });

  it('lists events and allow-listed elements added and removed, consent and where changes, per flow', () => {
    const changed: Flow = {
      ...attendance,
      events: ['treatment.appointment.missed'],
      consent: 'not-required',
      share: {
        ...attendance.share,
        Patient: { elements: ['identifier', 'name', 'birthDate', 'address'] },
        Appointment: { elements: ['status', 'start', 'end'] },
        Observation: { elements: attendance.share.Observation.elements, where: 'true' },
      },
    };
    const differences = agreementDiff(
      mhtr,
      next((agreement) => ({ flows: agreement.flows.map((flow) => (flow === attendance ? changed : flow)) })),
    );
    const brief = differences.map(({ area, change, item }) => `${area} ${change} ${item}`);
    expect(brief).toEqual([
      'events removed treatment.appointment.attended',
      'flow changed consent',
      'elements removed Appointment.identifier',
      'elements removed Appointment.serviceType',
      'elements removed Appointment.description',
      'elements removed Appointment.participant',
      'elements added Patient.address',
      'elements changed Observation where',
    ]);
    expect(differences.every((difference) => difference.flowId === 'attendance-to-probation')).toBe(true);
    expect(differences[1]).toMatchObject({ before: 'required', after: 'not-required' });
  });

  it('shows a change of legal basis and period, and a flow added', () => {
    const added: Flow = { ...attendance, id: 'attendance-to-ld', to: { kind: 'ld' } };
    const differences = agreementDiff(
      mhtr,
      next((agreement) => ({
        legalBasis: { article6: '6(1)(c)', article9: agreement.legalBasis.article9 },
        period: { start: agreement.period.start, end: '2028-03-31' },
        flows: [...agreement.flows, added],
      })),
    );
    expect(differences).toEqual(
      expect.arrayContaining([
        { area: 'terms', change: 'changed', item: 'period.end', before: mhtr.period.end, after: '2028-03-31' },
        { area: 'legal-basis', change: 'changed', item: 'article6', before: '6(1)(e)', after: '6(1)(c)' },
        expect.objectContaining({ area: 'flow', change: 'added', item: 'attendance-to-ld' }),
      ]),
    );
    expect(differences).toContainEqual({
      area: 'legal-basis',
      change: 'removed',
      item: 'statute',
      before: mhtr.legalBasis.statute,
    });
  });

  it('shows every term and flow as added for a new agreement', () => {
    const differences = agreementDiff(undefined, mhtr);
    expect(differences.filter((difference) => difference.area === 'flow')).toHaveLength(mhtr.flows.length);
    expect(differences).toContainEqual({ area: 'terms', change: 'added', item: 'status', after: 'active' });
  });

  it('spells shared elements as Type.element', () => {
    expect(sharedElements(attendance)).toEqual(expect.arrayContaining(['Patient.birthDate', 'Observation.value[x]']));
  });
});
