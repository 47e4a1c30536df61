import { randomUUID } from 'node:crypto';
import { datasetCsv, datasetRows, minimumDataset, scoreBand, sectionOf, suppress, SUPPRESSED } from './minimum-dataset';
import type { ReportedEventType, ReportFact } from './report-facts';

/**
 * A generated June 2026 whose answers are known by construction:
 * - MHTR (mhtr-secondary), people m0-m7: all have a PSR requested and are assessed on 3 June;
 *   m0-m5 suitable, consent and Clinical Lead approval; m0-m4 sentenced the same afternoon,
 *   attend two sessions each and register with a GP (not registered before); m5 is sentenced
 *   without a requirement (declined by the court); m6-m7 not suitable. m0 and m1 miss a session.
 *   m0-m4 report PHQ-9 12 at baseline and 4 at discharge. m0-m5 are men, m6-m7 women, all 36.
 * - m8 (MHTR) attended in May and again in June: not a commencement in June.
 * - DRR, people d0-d2: sentenced (3, suppressed). Combined (MHTR + DRR), people c0-c4: sentenced (5).
 * - x0: sentenced in July (after the month: ignored).
 */
function generatedMonth(): ReportFact[] {
  const facts: ReportFact[] = [];
  const add = (
    personId: string,
    eventType: ReportedEventType,
    occurredAt: string,
    requirementTypes: string[],
    extra: Partial<ReportFact> = {},
  ): void => {
    facts.push({
      eventId: randomUUID(),
      eventType,
      occurredAt,
      month: occurredAt.slice(0, 7),
      personId,
      senderKind: 'probation',
      requirementTypes,
      outcome: null,
      gender: 'male',
      ageBand: '35-44',
      scores: [],
      ...extra,
    });
  };
  const mhtr = ['mhtr-secondary'];
  for (let index = 0; index < 8; index += 1) {
    const person = `m${index}`;
    const gender = index < 6 ? 'male' : 'female';
    add(person, 'probation.psr.requested', '2026-06-03T09:00:00.000Z', mhtr);
    add(person, 'gp.registration.checked', '2026-06-03T09:30:00.000Z', mhtr, { outcome: 'not-registered' });
    add(person, 'treatment.assessment.completed', '2026-06-03T11:00:00.000Z', mhtr, {
      outcome: index < 6 ? 'suitable' : 'not-suitable',
      gender,
    });
    if (index >= 6) continue;
    add(person, 'consent.recorded', '2026-06-03T11:05:00.000Z', mhtr, { outcome: 'active' });
    add(person, 'treatment.suitability.decided', '2026-06-03T12:00:00.000Z', mhtr, { outcome: 'approved' });
    if (index === 5) {
      add(person, 'court.hearing.resulted', '2026-06-03T15:00:00.000Z', [], { outcome: 'sentenced' });
      continue;
    }
    add(person, 'court.hearing.resulted', '2026-06-03T15:00:00.000Z', [], { outcome: 'sentenced' });
    add(person, 'court.sentence.imposed', '2026-06-03T16:00:00.000Z', mhtr);
    add(person, 'gp.registration.changed', '2026-06-10T10:00:00.000Z', mhtr, { outcome: 'registered' });
    add(person, 'treatment.appointment.attended', '2026-06-12T10:00:00.000Z', mhtr);
    add(person, 'treatment.appointment.attended', '2026-06-19T10:00:00.000Z', mhtr);
    if (index < 2)
      add(person, 'treatment.appointment.missed', '2026-06-26T10:00:00.000Z', mhtr, {
        outcome: index === 0 ? 'unacceptable' : 'acceptable',
      });
    add(person, 'treatment.progress.reported', '2026-06-29T10:00:00.000Z', mhtr, {
      scores: [
        { instrument: 'phq-9', score: 12, stage: 'baseline' },
        { instrument: 'phq-9', score: 4, stage: 'discharge' },
      ],
    });
  }
  add('m8', 'treatment.appointment.attended', '2026-05-20T10:00:00.000Z', mhtr);
  add('m8', 'treatment.appointment.attended', '2026-06-20T10:00:00.000Z', mhtr);
  for (let index = 0; index < 3; index += 1)
    add(`d${index}`, 'court.sentence.imposed', '2026-06-15T14:00:00.000Z', ['drr']);
  for (let index = 0; index < 5; index += 1)
    add(`c${index}`, 'court.sentence.imposed', '2026-06-16T14:00:00.000Z', ['drr', 'mhtr-primary']);
  add('x0', 'court.sentence.imposed', '2026-07-01T14:00:00.000Z', mhtr);
  return facts;
}

describe('the CSTR minimum dataset', () => {
  const facts = generatedMonth();
  const dataset = minimumDataset('2026-06', facts);
  const mhtr = dataset.sections.MHTR;

  it('counts the pre-sentence measures of a generated month, suppressing 1-4', () => {
    expect(mhtr.referrals).toEqual({
      total: 8,
      'probation-psr-request': 8,
      'court-list-match': 0,
      'post-sentence-referral': 0,
    });
    expect(mhtr.assessed).toEqual({ total: 8, suitable: 6, 'not-suitable': SUPPRESSED });
    expect(mhtr.consented.total).toBe(6);
    expect(mhtr['clinical-lead-decisions']).toEqual({ approved: 6, declined: 0 });
    expect(mhtr['included-in-psr'].total).toBe(6);
  });

  it('counts the sentence and post-sentence measures, per requirement type and combined orders', () => {
    expect(mhtr['court-decisions']).toEqual({ accepted: 5, declined: SUPPRESSED });
    expect(mhtr['sentenced-on-the-day'].total).toBe(5);
    expect(mhtr['orders-commenced'].total).toBe(5);
    expect(mhtr['gp-registered-as-result'].total).toBe(5);
    expect(mhtr.attendance).toEqual({
      attended: 11,
      missed: SUPPRESSED,
      'missed-acceptable': SUPPRESSED,
      'missed-unacceptable': SUPPRESSED,
      'missed-logistics': 0,
    });
    expect(dataset.sections.DRR['court-decisions'].accepted).toBe(SUPPRESSED);
    expect(dataset.sections.combined['court-decisions'].accepted).toBe(5);
    expect(dataset.sections.combined['sentenced-on-the-day'].total).toBe(0);
    expect(dataset.sections.ATR['court-decisions'].accepted).toBe(0);
  });

  it('gives outcome scores as distributions of severity bands, before and after', () => {
    expect(mhtr['outcome-scores']['phq-9/baseline/moderate']).toBe(5);
    expect(mhtr['outcome-scores']['phq-9/discharge/minimal']).toBe(5);
    expect(mhtr['outcome-scores']['phq-9/baseline/minimal']).toBe(0);
  });

  it('breaks the people assessed and sentenced down by gender and age band', () => {
    expect(mhtr['equality-assessed']['gender/male']).toBe(6);
    expect(mhtr['equality-assessed']['gender/female']).toBe(SUPPRESSED);
    expect(mhtr['equality-assessed']['age/35-44']).toBe(8);
    expect(mhtr['equality-sentenced']['gender/male']).toBe(5);
  });

  it('ignores facts after the month, and carries no person id', () => {
    expect(minimumDataset('2026-07', facts).sections.MHTR['court-decisions'].accepted).toBe(SUPPRESSED);
    const text = JSON.stringify(dataset) + datasetCsv(dataset);
    for (const fact of facts) {
      expect(text).not.toContain(fact.personId.length > 2 ? fact.personId : `"${fact.personId}"`);
      expect(text).not.toContain(fact.eventId);
    }
    expect(
      datasetRows(dataset).every(
        (row) => row.value === 0 || row.value === SUPPRESSED || (typeof row.value === 'number' && row.value >= 5),
      ),
    ).toBe(true);
  });

  it('writes CSV rows month,section,measure,breakdown,value', () => {
    const lines = datasetCsv(dataset).split('\r\n');
    expect(lines[0]).toBe('month,section,measure,breakdown,value');
    expect(lines).toContain('2026-06,MHTR,assessed,not-suitable,<5');
    expect(lines).toContain('2026-06,combined,court-decisions,accepted,5');
    expect(lines.length - 2).toBe(datasetRows(dataset).length);
  });
});

describe('dataset helpers', () => {
  it('suppresses 1 to 4 only', () => {
    expect([0, 1, 4, 5, 12].map(suppress)).toEqual([0, SUPPRESSED, SUPPRESSED, 5, 12]);
  });

  it('puts requirement types in their section, two or more in combined', () => {
    expect(sectionOf(['mhtr-primary'])).toBe('MHTR');
    expect(sectionOf(['mhtr-primary', 'mhtr-secondary'])).toBe('MHTR');
    expect(sectionOf(['drr'])).toBe('DRR');
    expect(sectionOf(['atr', 'mhtr-secondary'])).toBe('combined');
    expect(sectionOf([])).toBe('unattributed');
  });

  it('bands scores on each instrument (CORE-34 from its total)', () => {
    expect(scoreBand('phq-9', 27)).toBe('severe');
    expect(scoreBand('gad-7', 9)).toBe('mild');
    expect(scoreBand('core-34', 68)).toBe('moderate');
    expect(scoreBand('core-34', 0)).toBe('healthy');
    expect(scoreBand('tops', 3)).toBeUndefined();
  });
});
