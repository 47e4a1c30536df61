import type { EqualityFacts } from './equality-facts';
import { COMPLEMENTARY_SUPPRESSED, minimumDataset, SUPPRESSED } from './minimum-dataset';
import type { ReportedEventType, ReportFact } from './report-facts';

const NOTHING: EqualityFacts = { ethnicGroup: null, genderIdentity: null, disability: null, communicationNeeds: null };

function fact(
  personId: string,
  eventType: ReportedEventType,
  occurredAt: string,
  extra: Partial<ReportFact> = {},
): ReportFact {
  return {
    eventId: `${personId}-${eventType}-${occurredAt}`,
    eventType,
    occurredAt,
    month: occurredAt.slice(0, 7),
    personId,
    senderKind: 'mh-provider',
    requirementTypes: ['mhtr-primary'],
    outcome: null,
    gender: 'male',
    ageBand: '25-34',
    scores: [],
    factDate: null,
    ...NOTHING,
    ...extra,
  };
}

/**
 * June 2026, MHTR: twelve people assessed. L&D recorded the equality monitoring at screening in
 * May: p0-p5 White, p6-p10 Black, p11 not recorded; p0-p6 a disability, p7-p11 none; p0-p9 no
 * communication need, p10-p11 an interpreter. p0 is assessed twice (counted once), and p6's
 * later screening in June records them as Mixed (the latest record counts). All twelve attend
 * their first two sessions (orders commenced); p0-p6 complete their requirement.
 */
function june(): ReportFact[] {
  const facts: ReportFact[] = [];
  for (let index = 0; index < 12; index += 1) {
    const person = `p${index}`;
    facts.push(
      fact(person, 'ld.screening.completed', '2026-05-20T10:00:00.000Z', {
        requirementTypes: [],
        ethnicGroup: index < 6 ? 'white' : index < 11 ? 'black' : null,
        disability: index < 7 ? 'disabled' : 'not-disabled',
        communicationNeeds: index < 10 ? 'none' : 'interpreter',
      }),
      fact(person, 'treatment.assessment.completed', '2026-06-03T10:00:00.000Z', { outcome: 'suitable' }),
      fact(person, 'treatment.appointment.attended', '2026-06-12T10:00:00.000Z'),
      fact(person, 'treatment.appointment.attended', '2026-06-19T10:00:00.000Z'),
    );
    if (index < 7)
      facts.push(
        fact(person, 'probation.requirement.terminated', '2026-06-29T10:00:00.000Z', { outcome: 'completed' }),
      );
  }
  facts.push(fact('p0', 'treatment.assessment.completed', '2026-06-20T10:00:00.000Z', { outcome: 'suitable' }));
  facts.push(
    fact('p6', 'ld.screening.completed', '2026-06-10T10:00:00.000Z', { requirementTypes: [], ethnicGroup: 'mixed' }),
  );
  return facts;
}

describe('the equality breakdowns of the minimum dataset', () => {
  const assessed = minimumDataset('2026-06', june()).sections.MHTR['equality-assessed'];

  it('counts each person once per group, with the characteristics as last recorded by any partner', () => {
    expect(minimumDataset('2026-06', june()).sections.MHTR.assessed.total).toBe(12);
    expect(assessed['disability/disabled']).toBe(7);
    expect(assessed['disability/not-disabled']).toBe(5);
    expect(assessed['gender/male']).toBe(12);
    expect(assessed['age/25-34']).toBe(12);
    expect(assessed['gender-identity/not-recorded']).toBe(12);
  });

  it('suppresses small groups, and the next smallest of the same group so the total does not give them away', () => {
    // Ethnicity: 6 White, 4 Black, 1 Mixed, 1 unknown of 12.
    expect(assessed['ethnicity/white']).toBe(6);
    expect(assessed['ethnicity/black']).toBe(SUPPRESSED);
    expect(assessed['ethnicity/mixed']).toBe(SUPPRESSED);
    expect(assessed['ethnicity/unknown']).toBe(SUPPRESSED);
    // Communication: 10 none, 2 interpreter: the 10 goes too, or 12 - 10 gives the 2 away.
    expect(assessed['communication/interpreter']).toBe(SUPPRESSED);
    expect(assessed['communication/none']).toBe(COMPLEMENTARY_SUPPRESSED);
    expect(assessed['communication/not-recorded']).toBe(0);
  });

  it('breaks down the orders commenced and the requirements completed the same way', () => {
    const mhtr = minimumDataset('2026-06', june()).sections.MHTR;
    expect(mhtr['orders-commenced'].total).toBe(12);
    expect(mhtr['equality-commenced']['disability/disabled']).toBe(7);
    expect(mhtr['equality-commenced']['disability/not-disabled']).toBe(5);
    // p0-p6 completed: 6 White and p6, Mixed: the 6 is hidden too, or 7 - 6 gives the 1 away.
    expect(mhtr['requirements-ended'].completed).toBe(7);
    expect(mhtr['equality-completed']['disability/disabled']).toBe(7);
    expect(mhtr['equality-completed']['ethnicity/white']).toBe(COMPLEMENTARY_SUPPRESSED);
    expect(mhtr['equality-completed']['ethnicity/mixed']).toBe(SUPPRESSED);
    expect(mhtr['equality-completed']['ethnicity/black']).toBe(0);
  });
});
