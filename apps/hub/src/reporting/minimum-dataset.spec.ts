import { randomUUID } from 'node:crypto';
import {
  COMPLEMENTARY_SUPPRESSED,
  datasetCsv,
  datasetRows,
  minimumDataset,
  scoreBand,
  sectionOf,
  suppress,
  SUPPRESSED,
} from './minimum-dataset';
import type { ReportedEventType, ReportFact } from './report-facts';

/** Facts that record no equality characteristic but sex and age. */
const NO_EQUALITY = { ethnicGroup: null, genderIdentity: null, disability: null, communicationNeeds: null } as const;

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
      factDate: null,
      ...NO_EQUALITY,
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
    // 8 assessed, 2 not suitable: showing the 6 suitable would give the 2 away (8 - 6).
    expect(mhtr.assessed).toEqual({ total: 8, suitable: COMPLEMENTARY_SUPPRESSED, 'not-suitable': SUPPRESSED });
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
    // 6 men and 2 women of 8 assessed: the 6 is hidden too, or 8 - 6 gives the 2 away.
    expect(mhtr['equality-assessed']['gender/male']).toBe(COMPLEMENTARY_SUPPRESSED);
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
        (row) =>
          row.value === 0 ||
          row.value === SUPPRESSED ||
          row.value === COMPLEMENTARY_SUPPRESSED ||
          (typeof row.value === 'number' && row.value >= 5),
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

/**
 * DRR and ATR measures with known answers (June 2026; ten people per group so nothing is suppressed
 * where the test wants a figure):
 * - DRR d0-d9 sentenced Tuesday 2 June: d0-d4 start Thursday 4 June (2nd working day: within the
 *   standard), d5-d9 Friday 5 June (outside). ATR a0-a9 assessed and sentenced Monday 1 June: a0-a4 start
 *   15 June (14th day: within), a5-a9 16 June (outside); a0-a4 score AUDIT 24 at assessment.
 * - Tested t0-t5, on a DRR since 28 May: a test on the Wednesday of the weeks of 1, 8 and 15 June
 *   (the first positive), none in the weeks of 22 and 29 June. Ended e0-e4, on a DRR since 28 May,
 *   terminated Tuesday 9 June, never tested: untested in the weeks of 1 and 8 June only. d0-d9 and
 *   r0-r9 are never tested: untested in all five weeks starting in June.
 * - Reviews r0-r9 (DRR) listed for Tuesday 16 June: r0-r4 report on Friday 12 June (2 working days
 *   before: on time), r5-r9 on Monday 15 June (late); r0-r4 satisfactory, r5-r9 requirement amended.
 * - Combined c0-c4 sentenced to an MHTR + ATR: referral, attendance and episode end, each carrying
 *   MHTR only, all count under combined.
 */
function drrAtrMonth(): ReportFact[] {
  const facts: ReportFact[] = [];
  const add = (personId: string, eventType: ReportedEventType, occurredAt: string, extra: Partial<ReportFact> = {}) =>
    facts.push({
      eventId: randomUUID(),
      eventType,
      occurredAt,
      month: occurredAt.slice(0, 7),
      personId,
      senderKind: 'drug-alcohol-service',
      requirementTypes: [],
      outcome: null,
      gender: 'female',
      ageBand: '25-34',
      scores: [],
      factDate: null,
      ...NO_EQUALITY,
      ...extra,
    });
  for (let i = 0; i < 10; i += 1) {
    add(`d${i}`, 'court.sentence.imposed', '2026-06-02T12:00:00Z', {
      requirementTypes: ['drr'],
      factDate: '2026-06-02',
    });
    add(`d${i}`, 'treatment.started', '2026-06-05T16:00:00Z', {
      requirementTypes: ['drr'],
      factDate: i < 5 ? '2026-06-04' : '2026-06-05',
    });
    add(`a${i}`, 'treatment.assessment.completed', '2026-06-01T09:00:00Z', {
      requirementTypes: ['atr'],
      outcome: 'suitable',
      scores: i < 5 ? [{ instrument: 'audit', score: 24, stage: 'baseline' }] : [],
    });
    add(`a${i}`, 'court.sentence.imposed', '2026-06-01T12:00:00Z', {
      requirementTypes: ['atr'],
      factDate: '2026-06-01',
    });
    add(`a${i}`, 'treatment.started', '2026-06-16T16:00:00Z', {
      requirementTypes: ['atr'],
      factDate: i < 5 ? '2026-06-15' : '2026-06-16',
    });
    add(`r${i}`, 'court.sentence.imposed', '2026-03-02T12:00:00Z', {
      requirementTypes: ['drr'],
      factDate: '2026-03-02',
    });
    add(`r${i}`, 'court.review.listed', '2026-06-02T12:00:00Z', { requirementTypes: ['drr'], factDate: '2026-06-16' });
    add(`r${i}`, 'probation.review.reported', i < 5 ? '2026-06-12T15:00:00Z' : '2026-06-15T15:00:00Z', {
      factDate: '2026-06-16',
    });
    add(`r${i}`, 'court.review.resulted', '2026-06-16T12:00:00Z', {
      requirementTypes: ['drr'],
      outcome: i < 5 ? 'progress-satisfactory' : 'requirement-amended',
    });
  }
  for (let i = 0; i < 6; i += 1) {
    add(`t${i}`, 'court.sentence.imposed', '2026-05-28T12:00:00Z', {
      requirementTypes: ['drr'],
      factDate: '2026-05-28',
    });
    ['2026-06-03', '2026-06-10', '2026-06-17'].forEach((sampled, week) =>
      add(`t${i}`, 'treatment.drug-test.resulted', `${sampled}T15:00:00Z`, {
        requirementTypes: ['drr'],
        outcome: week === 0 ? 'positive' : 'negative',
        factDate: sampled,
      }),
    );
  }
  for (let i = 0; i < 5; i += 1) {
    add(`e${i}`, 'court.sentence.imposed', '2026-05-28T12:00:00Z', {
      requirementTypes: ['drr'],
      factDate: '2026-05-28',
    });
    add(`e${i}`, 'probation.requirement.terminated', '2026-06-09T12:00:00Z', {
      requirementTypes: ['drr'],
      outcome: 'breached',
    });
    add(`c${i}`, 'court.sentence.imposed', '2026-06-02T12:00:00Z', {
      requirementTypes: ['atr', 'mhtr-primary'],
      factDate: '2026-06-02',
    });
    add(`c${i}`, 'treatment.referral.requested', '2026-06-02T13:00:00Z', { requirementTypes: ['mhtr-primary'] });
    add(`c${i}`, 'treatment.appointment.attended', '2026-06-09T13:00:00Z', { requirementTypes: ['mhtr-primary'] });
    add(`c${i}`, 'treatment.episode.ended', '2026-06-30T13:00:00Z', {
      requirementTypes: ['mhtr-primary'],
      outcome: 'completed',
    });
  }
  return facts;
}

describe('the DRR and ATR sections of the minimum dataset', () => {
  const dataset = minimumDataset('2026-06', drrAtrMonth(), { asOf: new Date('2026-07-10T12:00:00Z') });
  const { DRR, ATR, MHTR, combined } = dataset.sections;

  it('counts treatment starts against the DRR (2 working days) and ATR (14 days) standards', () => {
    expect(DRR['treatment-starts']).toEqual({ total: 10, 'within-standard': 5, 'outside-standard': 5 });
    expect(ATR['treatment-starts']).toEqual({ total: 10, 'within-standard': 5, 'outside-standard': 5 });
  });

  it('counts a DRR or ATR order as commenced when the service starts treatment, once a person', () => {
    expect(DRR['orders-commenced'].total).toBe(10);
    expect(ATR['orders-commenced'].total).toBe(10);
    const month = drrAtrMonth();
    const restarts = month
      .filter((fact) => fact.eventType === 'treatment.started' && fact.personId.startsWith('d'))
      .map((fact) => ({ ...fact, eventId: randomUUID(), occurredAt: '2026-06-20T10:00:00Z' }));
    const again = [...month, ...restarts];
    const twice = minimumDataset('2026-06', again, { asOf: new Date('2026-07-10T12:00:00Z') });
    expect(twice.sections.DRR['orders-commenced'].total).toBe(10);
  });

  it('counts drug tests by result, and the weeks on a DRR with and without a test', () => {
    expect(DRR['drug-tests']).toEqual({ total: 18, positive: 6, negative: 12, inconclusive: 0, refused: 0 });
    // t0-t5: 3 weeks tested and 2 untested each; e0-e4: 2 untested weeks each before the termination;
    // d0-d9 and r0-r9, never tested: the 5 weeks starting in June each.
    expect(DRR['drug-testing-weeks']).toEqual({ tested: 18, untested: 12 + 10 + 50 + 50 });
    expect(DRR.breaches.total).toBe(5);
  });

  it('leaves out the weeks not yet over', () => {
    // On Saturday 20 June only the weeks of 1 and 8 June are over.
    const early = minimumDataset('2026-06', drrAtrMonth(), { asOf: new Date('2026-06-20T12:00:00Z') });
    expect(early.sections.DRR['drug-testing-weeks']).toEqual({ tested: 12, untested: 10 + 20 + 20 });
  });

  it('counts court reviews listed, reports sent and on time, and their outcomes', () => {
    expect(DRR['court-reviews']).toMatchObject({
      listed: 10,
      'reports-sent': 10,
      'reports-on-time': 5,
      'progress-satisfactory': 5,
      'requirement-amended': 5,
      'order-revoked': 0,
    });
  });

  it('bands AUDIT scores taken at ATR assessment, for reporting only', () => {
    expect(ATR['outcome-scores']['audit/baseline/possible-dependence']).toBe(5);
    expect(ATR.assessed.total).toBe(10);
  });

  it('counts a person on a combined order once, under combined, for every measure', () => {
    expect(combined.referrals.total).toBe(5);
    expect(combined.attendance.attended).toBe(5);
    expect(combined['orders-commenced'].total).toBe(5);
    expect(combined['episodes-ended'].completed).toBe(5);
    expect(combined['court-decisions'].accepted).toBe(5);
    for (const section of [MHTR, ATR]) {
      expect(section.referrals.total).toBe(0);
      expect(section['episodes-ended'].completed).toBe(0);
      expect(section.attendance.attended).toBe(0);
    }
  });
});

describe('AUDIT bands', () => {
  it('follow the WHO zones, 20 and over possible dependence', () => {
    expect([0, 7, 8, 15, 16, 19, 20, 40].map((score) => scoreBand('audit', score))).toEqual([
      'lower-risk',
      'lower-risk',
      'increasing-risk',
      'increasing-risk',
      'higher-risk',
      'higher-risk',
      'possible-dependence',
      'possible-dependence',
    ]);
  });
});
