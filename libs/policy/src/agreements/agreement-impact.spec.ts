import { HUB_PARTY } from '../partners/partner';
import { AGREEMENTS, PARTNERS } from '../../test/policy-test-kit';
import type { Agreement, Flow } from './agreement';
import {
  disclosureImpact,
  disclosureUnder,
  withProposed,
  type ImpactParties,
  type PastDecision,
} from './agreement-impact';

const NOW = new Date('2026-11-30T12:00:00Z');
const parties: ImpactParties = {
  sender: (id) => (id === HUB_PARTY.id ? HUB_PARTY : PARTNERS.find((partner) => partner.id === id)),
  partner: (id) => PARTNERS.find((partner) => partner.id === id),
};
const inForce = AGREEMENTS.filter((agreement) => agreement.status === 'active');
const mhtr = inForce.find((agreement) => agreement.id === 'cstr-south-london-mhtr') as Agreement;
const attendance = mhtr.flows.find((flow) => flow.id === 'attendance-to-probation') as Flow;

const missed = (change: Partial<PastDecision> = {}): PastDecision => ({
  eventType: 'treatment.appointment.missed',
  sender: 'slam-mhtr',
  recipient: 'nps-london-croydon',
  outcome: 'delivered',
  consentRelied: true,
  ...change,
});

function mhtrWith(flows: (flows: readonly Flow[]) => Flow[]): Agreement {
  return { ...mhtr, version: mhtr.version + 1, flows: flows(mhtr.flows) };
}

describe('disclosure impact of a proposed version', () => {
  it('re-evaluates a past delivery to the flow the evaluator picks', () => {
    expect(disclosureUnder(missed(), inForce, parties, NOW)?.flow.id).toBe('attendance-to-probation');
    // Without the consent the audit shows, a consent-required flow discloses nothing.
    expect(disclosureUnder(missed({ consentRelied: false }), inForce, parties, NOW)).toBeUndefined();
  });

  it('counts a removed flow as disclosures and elements lost, per flow and recipient', () => {
    const proposed = mhtrWith((flows) => flows.filter((flow) => flow.id !== attendance.id));
    const decisions = [missed(), missed(), missed({ recipient: 'nps-london-lambeth' })];
    const impact = disclosureImpact(decisions, inForce, proposed, parties, NOW);
    expect(impact).toMatchObject({ decisions: 3, reevaluated: 3, changed: 3 });
    const whole = impact.counts.filter((count) => count.element === undefined);
    expect(whole).toEqual([
      { agreementId: mhtr.id, flowId: attendance.id, recipient: 'nps-london-croydon', gained: 0, lost: 2 },
      { agreementId: mhtr.id, flowId: attendance.id, recipient: 'nps-london-lambeth', gained: 0, lost: 1 },
    ]);
    expect(impact.counts).toContainEqual({
      agreementId: mhtr.id,
      flowId: attendance.id,
      recipient: 'nps-london-croydon',
      element: 'Patient.birthDate',
      gained: 0,
      lost: 2,
    });
  });

  it('counts elements gained and lost when a flow keeps going with another allow-list', () => {
    const proposed = mhtrWith((flows) =>
      flows.map((flow) =>
        flow.id === attendance.id
          ? { ...flow, share: { ...flow.share, Patient: { elements: ['identifier', 'name', 'address'] } } }
          : flow,
      ),
    );
    const impact = disclosureImpact([missed()], inForce, proposed, parties, NOW);
    expect(impact.changed).toBe(1);
    expect(impact.counts.map(({ element, gained, lost }) => [element, gained, lost])).toEqual([
      ['Patient.address', 1, 0],
      ['Patient.birthDate', 0, 1],
    ]);
  });

  it('counts a refusal for want of consent as gained when the proposal needs none', () => {
    const proposed = mhtrWith((flows) =>
      flows.map((flow) => (flow.id === attendance.id ? { ...flow, consent: 'not-required' } : flow)),
    );
    const refused = missed({ outcome: 'refused', refusingRule: 'consent-missing', consentRelied: false });
    const impact = disclosureImpact([refused], inForce, proposed, parties, NOW);
    expect(impact.counts.filter((count) => count.element === undefined)).toEqual([
      { agreementId: mhtr.id, flowId: attendance.id, recipient: 'nps-london-croydon', gained: 1, lost: 0 },
    ]);
  });

  it('leaves alone refusals the agreements did not decide, and changes nothing for the same terms', () => {
    const notConnected = missed({ outcome: 'refused', refusingRule: 'not-connected', consentRelied: false });
    const proposed = mhtrWith((flows) => flows.filter((flow) => flow.id !== attendance.id));
    expect(disclosureImpact([notConnected], inForce, proposed, parties, NOW)).toEqual({
      decisions: 1,
      reevaluated: 0,
      changed: 0,
      counts: [],
    });
    const same = { ...mhtr, version: mhtr.version + 1 };
    expect(disclosureImpact([missed(), missed()], inForce, same, parties, NOW)).toMatchObject({
      reevaluated: 2,
      changed: 0,
      counts: [],
    });
  });

  it('judges a proposal on its start date, and replaces its own version in the set', () => {
    const later: Agreement = { ...mhtrWith((flows) => [...flows]), period: { start: '2027-01-01' } };
    expect(withProposed(inForce, later).filter((agreement) => agreement.id === mhtr.id)).toEqual([later]);
    // In force from 2027-01-01: judged then, it still discloses what the version in force does.
    expect(disclosureImpact([missed()], inForce, later, parties, NOW).changed).toBe(0);
    const draft: Agreement = { ...later, status: 'draft' };
    expect(disclosureImpact([missed()], inForce, draft, parties, NOW).changed).toBe(1);
  });
});
