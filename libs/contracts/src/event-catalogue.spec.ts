import { isPartnerKind } from './broker-names';
import { EVENT_CATALOGUE, PATHWAY_STEPS, type EventParty } from './event-catalogue';
import { EVENT_TYPES, isEventType } from './event-types';

describe('EVENT_CATALOGUE', () => {
  it('describes exactly the event types of EVENT_TYPES', () => {
    expect(Object.keys(EVENT_CATALOGUE).sort()).toEqual([...EVENT_TYPES].sort());
    for (const key of Object.keys(EVENT_CATALOGUE)) expect(isEventType(key)).toBe(true);
  });

  it.each(EVENT_TYPES)('%s has a complete, well-formed entry', (eventType) => {
    const entry = EVENT_CATALOGUE[eventType];
    // One sentence: starts with a capital, ends with a full stop, no second sentence.
    expect(entry.summary).toMatch(/^[A-Z].*\.$/s);
    expect(entry.summary.slice(0, -1)).not.toMatch(/\.\s+[A-Z]/);
    expect(entry.from.length).toBeGreaterThan(0);
    expect(entry.to.length).toBeGreaterThan(0);
    for (const party of [...entry.from, ...entry.to]) expect(party === 'hub' || isPartnerKind(party)).toBe(true);
    expect(new Set(entry.from).size).toBe(entry.from.length);
    expect(new Set(entry.to).size).toBe(entry.to.length);
    expect(entry.mainResources.length).toBeGreaterThan(0);
    for (const resourceType of entry.mainResources) expect(resourceType).toMatch(/^[A-Z][A-Za-z]+$/);
    expect(Object.keys(PATHWAY_STEPS)).toContain(String(entry.pathwayStep));
    expect(entry.source.trim()).not.toBe('');
  });

  // Spot checks against the table of SPEC §3, where a drug and alcohol service (DRR, ATR) now
  // stands next to the mental-health provider (issue 15).
  const specRows: [string, { from: EventParty[]; to: EventParty[]; mainResources: string[] }][] = [
    [
      'ld.screening.completed',
      { from: ['ld'], to: ['probation', 'mh-provider'], mainResources: ['Encounter', 'Observation', 'Consent'] },
    ],
    ['court.hearing.listed', { from: ['hmcts'], to: ['ld', 'probation'], mainResources: ['Appointment'] }],
    [
      'court.sentence.imposed',
      {
        from: ['hmcts'],
        to: ['probation', 'mh-provider', 'drug-alcohol-service', 'gp'],
        mainResources: ['ServiceRequest'],
      },
    ],
    [
      'treatment.referral.requested',
      {
        from: ['probation', 'hub'],
        to: ['mh-provider', 'drug-alcohol-service'],
        mainResources: ['ServiceRequest', 'Task'],
      },
    ],
    [
      'treatment.appointment.missed',
      {
        from: ['mh-provider', 'drug-alcohol-service'],
        to: ['probation'],
        mainResources: ['Appointment', 'Observation'],
      },
    ],
    [
      'risk.changed',
      {
        from: ['probation', 'mh-provider', 'drug-alcohol-service'],
        to: ['mh-provider', 'drug-alcohol-service', 'probation'],
        mainResources: ['Flag', 'RiskAssessment'],
      },
    ],
    [
      'treatment.episode.ended',
      {
        from: ['mh-provider', 'drug-alcohol-service'],
        to: ['probation', 'gp'],
        mainResources: ['EpisodeOfCare', 'ServiceRequest'],
      },
    ],
    ['pathway.candidate.identified', { from: ['hub'], to: ['probation', 'ld'], mainResources: ['Flag'] }],
  ];
  it.each(specRows)('%s matches the SPEC table', (eventType, row) => {
    const entry = EVENT_CATALOGUE[eventType as keyof typeof EVENT_CATALOGUE];
    expect([...entry.from].sort()).toEqual([...row.from].sort());
    expect([...entry.to].sort()).toEqual([...row.to].sort());
    expect([...entry.mainResources].sort()).toEqual([...row.mainResources].sort());
  });

  it('keeps consent with the hub, and outcome scores out of probation', () => {
    for (const eventType of ['consent.recorded', 'consent.withdrawn'] as const) {
      expect(EVENT_CATALOGUE[eventType].to).toContain('hub');
      expect(EVENT_CATALOGUE[eventType].recipientNote).toMatch(/names them/);
    }
    expect(EVENT_CATALOGUE['treatment.progress.reported'].to).toEqual(['probation', 'hub']);
    expect(EVENT_CATALOGUE['treatment.progress.reported'].recipientNote).toMatch(/summary only/);
  });

  it('sends drug test results from the drug and alcohol service to probation only, and DRR reviews between court and probation', () => {
    expect(EVENT_CATALOGUE['treatment.drug-test.resulted']).toMatchObject({
      from: ['drug-alcohol-service'],
      to: ['probation'],
      mainResources: ['Observation'],
    });
    expect(EVENT_CATALOGUE['court.review.listed'].to).toEqual(['probation', 'drug-alcohol-service']);
    expect(EVENT_CATALOGUE['probation.review.reported']).toMatchObject({ from: ['probation'], to: ['hmcts'] });
    expect(EVENT_CATALOGUE['court.review.resulted'].to).toEqual(['probation', 'drug-alcohol-service']);
    expect(EVENT_CATALOGUE['treatment.started'].mainResources).toEqual(['EpisodeOfCare']);
  });

  it('publishes from the hub only the events the hub originates', () => {
    const fromHub = EVENT_TYPES.filter((eventType) => EVENT_CATALOGUE[eventType].from.includes('hub'));
    expect(fromHub.sort()).toEqual([
      'pathway.candidate.identified',
      'pathway.deadline.missed',
      'treatment.referral.requested',
    ]);
  });

  it('places events on the pathway steps of SPEC §1', () => {
    expect(EVENT_CATALOGUE['ld.screening.completed'].pathwayStep).toBe(1);
    expect(EVENT_CATALOGUE['court.hearing.listed'].pathwayStep).toBe(2);
    expect(EVENT_CATALOGUE['treatment.suitability.decided'].pathwayStep).toBe(3);
    expect(EVENT_CATALOGUE['court.sentence.imposed'].pathwayStep).toBe(4);
    expect(EVENT_CATALOGUE['treatment.referral.accepted'].pathwayStep).toBe(5);
    expect(EVENT_CATALOGUE['treatment.appointment.attended'].pathwayStep).toBe(6);
    expect(EVENT_CATALOGUE['probation.enforcement.decided'].pathwayStep).toBe(7);
    expect(EVENT_CATALOGUE['probation.requirement.terminated'].pathwayStep).toBe(8);
    // Every step of the pathway carries at least one event.
    const steps = new Set(EVENT_TYPES.map((eventType) => EVENT_CATALOGUE[eventType].pathwayStep));
    expect([...steps].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('cites the service specification rows the SPEC names', () => {
    expect(EVENT_CATALOGUE['treatment.appointment.attended'].source).toMatch(/service specification row 5/);
    expect(EVENT_CATALOGUE['treatment.appointment.missed'].source).toMatch(/service specification rows 5-6/);
    expect(EVENT_CATALOGUE['risk.changed'].source).toMatch(/service specification row 7/);
  });
});
