/**
 * Property: in any month's minimum dataset, no suppressed count can be recovered exactly from
 * what the same report shows — a total minus its breakdown, a total shown in several equality
 * breakdowns, any combination of them (test/suppression-attacker.ts) — and every count 1-4 is "<5".
 */
import fc from 'fast-check';
import { recoverHiddenCounts } from '../../test/suppression-attacker';
import {
  COMMUNICATION_NEEDS,
  DISABILITY_STATUSES,
  ETHNIC_GROUPS,
  GENDER_IDENTITIES,
  type EqualityFacts,
} from './equality-facts';
import {
  cellOf,
  DATASET_MEASURES,
  DATASET_RELATIONS,
  DATASET_SECTIONS,
  datasetCounts,
  minimumDataset,
  SUPPRESSED,
} from './minimum-dataset';
import { AGE_BANDS, type ReportedEventType, type ReportFact } from './report-facts';

const orNull = <T>(values: readonly T[]) => fc.option(fc.constantFrom(...values), { nil: null });

const people = fc.array(
  fc.record({
    requirementTypes: fc.constantFrom(['mhtr-primary'], ['drr'], ['atr'], ['drr', 'atr'], [] as string[]),
    referrals: fc.subarray(['probation.psr.requested', 'pathway.candidate.identified', 'treatment.referral.requested']),
    assessed: fc.constantFrom(null, 'suitable', 'not-suitable', 'unknown-outcome'),
    sentenced: fc.boolean(),
    started: fc.boolean(),
    attended: fc.nat({ max: 2 }),
    terminated: fc.constantFrom(null, 'completed', 'revoked', 'breached'),
    missed: fc.array(fc.constantFrom('acceptable', 'unacceptable', 'logistics'), { maxLength: 3 }),
    tests: fc.array(fc.constantFrom('positive', 'negative', 'inconclusive', 'refused'), { maxLength: 3 }),
    gender: fc.constantFrom('male', 'female', 'other', null),
    ageBand: orNull(AGE_BANDS),
    equality: fc.record<EqualityFacts>({
      ethnicGroup: orNull(ETHNIC_GROUPS),
      genderIdentity: orNull(GENDER_IDENTITIES),
      disability: orNull(DISABILITY_STATUSES),
      communicationNeeds: orNull(COMMUNICATION_NEEDS),
    }),
  }),
  { maxLength: 60 },
);

type Person = typeof people extends fc.Arbitrary<(infer P)[]> ? P : never;

function factsOf(list: readonly Person[]): ReportFact[] {
  const facts: ReportFact[] = [];
  list.forEach((person, index) => {
    let minute = 0;
    const add = (eventType: ReportedEventType, outcome: string | null = null, day = 10): void => {
      minute += 1;
      facts.push({
        eventId: `e-${index}-${minute}`,
        eventType,
        occurredAt: `2026-06-${day}T09:${String(minute).padStart(2, '0')}:00.000Z`,
        month: '2026-06',
        personId: `p${index}`,
        senderKind: 'probation',
        requirementTypes: person.requirementTypes,
        outcome,
        gender: person.gender,
        ageBand: person.ageBand,
        scores: [],
        factDate: null,
        ...person.equality,
      });
    };
    for (const referral of person.referrals) add(referral as ReportedEventType);
    if (person.assessed) add('treatment.assessment.completed', person.assessed);
    if (person.sentenced) add('court.sentence.imposed');
    if (person.started) add('treatment.started');
    for (const significance of person.missed) add('treatment.appointment.missed', significance);
    for (const result of person.tests) add('treatment.drug-test.resulted', result);
    for (let session = 0; session < person.attended; session += 1) add('treatment.appointment.attended');
    if (person.terminated) add('probation.requirement.terminated', person.terminated);
  });
  return facts;
}

describe('the minimum dataset (property)', () => {
  it('lets no suppressed count be recovered from the same report, and shows no count 1-4', () => {
    fc.assert(
      fc.property(people, (list) => {
        const facts = factsOf(list);
        const counts = datasetCounts('2026-06', facts);
        const published = minimumDataset('2026-06', facts);
        for (const section of DATASET_SECTIONS) {
          const shown = new Map<string, number>();
          const hidden = new Set<string>();
          for (const { measure, breakdowns } of DATASET_MEASURES)
            for (const breakdown of breakdowns) {
              const value = published.sections[section][measure][breakdown];
              const cell = cellOf(measure, breakdown);
              const count = counts[section].get(cell) ?? 0;
              if (count > 0 && count < 5) expect(value).toBe(SUPPRESSED);
              if (typeof value === 'number') {
                expect(value).toBe(count);
                shown.set(cell, value);
              } else hidden.add(cell);
            }
          expect(recoverHiddenCounts(DATASET_RELATIONS, shown, hidden)).toEqual([]);
        }
      }),
      { numRuns: 150, seed: 61206 },
    );
  });

  it('each equality group adds up to its total (so the relations the test uses hold)', () => {
    fc.assert(
      fc.property(people, (list) => {
        const counts = datasetCounts('2026-06', factsOf(list));
        for (const section of DATASET_SECTIONS)
          for (const relation of DATASET_RELATIONS.filter((each) => each.parts[0].startsWith('equality-'))) {
            const sum = relation.parts.reduce((total, cell) => total + (counts[section].get(cell) ?? 0), 0);
            expect(sum).toBe(counts[section].get(relation.total));
          }
      }),
      { numRuns: 100, seed: 61207 },
    );
  });
});
