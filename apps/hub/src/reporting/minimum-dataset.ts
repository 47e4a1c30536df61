import { AGE_BANDS, type ReportFact } from './report-facts';

/** The dataset's sections (the national template's tabs), and facts with no known requirement type. */
export const DATASET_SECTIONS = ['MHTR', 'DRR', 'ATR', 'combined', 'unattributed'] as const;
/** One section of {@link DATASET_SECTIONS}. */
export type DatasetSection = (typeof DATASET_SECTIONS)[number];

/** Counts from 1 to this minus one are suppressed. */
export const SUPPRESSION_THRESHOLD = 5;
/** What a suppressed count shows, in JSON and CSV alike. */
export const SUPPRESSED = '<5';
/** A count as published: 0, a number of at least {@link SUPPRESSION_THRESHOLD}, or {@link SUPPRESSED}. */
export type PublishedCount = number | typeof SUPPRESSED;

const GENDERS = ['male', 'female', 'other', 'unknown'] as const;
const SCORE_STAGES = ['baseline', 'review', 'discharge', 'not-stated'] as const;
/** Severity bands of each outcome measure: [band, lowest score in it], on the instrument's published cut-offs. */
const SCORE_BANDS: Readonly<Record<string, readonly (readonly [string, number])[]>> = {
  'phq-9': [
    ['minimal', 0],
    ['mild', 5],
    ['moderate', 10],
    ['moderately-severe', 15],
    ['severe', 20],
  ],
  'gad-7': [
    ['minimal', 0],
    ['mild', 5],
    ['moderate', 10],
    ['severe', 15],
  ],
  // CORE-34 arrives as the total (0-136); bands are on the clinical score (mean item score x 10).
  'core-34': [
    ['healthy', 0],
    ['low', 10],
    ['mild', 15],
    ['moderate', 20],
    ['moderate-severe', 25],
    ['severe', 30],
  ],
};

/**
 * The measures of each section and their breakdowns, in publication order. Counts of people
 * (distinct persons with at least one such event in the month) unless the measure says events.
 */
export const DATASET_MEASURES: readonly {
  readonly measure: string;
  readonly unit: 'people' | 'events' | 'scores';
  readonly breakdowns: readonly string[];
}[] = [
  {
    measure: 'referrals',
    unit: 'people',
    breakdowns: ['total', 'probation-psr-request', 'court-list-match', 'post-sentence-referral'],
  },
  { measure: 'assessed', unit: 'people', breakdowns: ['total', 'suitable', 'not-suitable'] },
  { measure: 'consented', unit: 'people', breakdowns: ['total'] },
  { measure: 'clinical-lead-decisions', unit: 'people', breakdowns: ['approved', 'declined'] },
  { measure: 'included-in-psr', unit: 'people', breakdowns: ['total'] },
  { measure: 'court-decisions', unit: 'people', breakdowns: ['accepted', 'declined'] },
  { measure: 'sentenced-on-the-day', unit: 'people', breakdowns: ['total'] },
  { measure: 'orders-commenced', unit: 'people', breakdowns: ['total'] },
  { measure: 'gp-registered-as-result', unit: 'people', breakdowns: ['total'] },
  {
    measure: 'attendance',
    unit: 'events',
    breakdowns: ['attended', 'missed', 'missed-acceptable', 'missed-unacceptable', 'missed-logistics'],
  },
  {
    measure: 'enforcement-decisions',
    unit: 'events',
    breakdowns: ['no-action', 'warning', 'final-warning', 'breach-proceedings', 'return-to-court'],
  },
  { measure: 'breaches', unit: 'people', breakdowns: ['total'] },
  { measure: 'requirements-ended', unit: 'people', breakdowns: ['completed', 'revoked', 'breached'] },
  { measure: 'episodes-ended', unit: 'people', breakdowns: ['completed', 'discharged', 'disengaged'] },
  {
    measure: 'outcome-scores',
    unit: 'scores',
    breakdowns: Object.entries(SCORE_BANDS).flatMap(([instrument, bands]) =>
      SCORE_STAGES.flatMap((stage) => bands.map(([band]) => `${instrument}/${stage}/${band}`)),
    ),
  },
  {
    measure: 'equality-assessed',
    unit: 'people',
    breakdowns: [...GENDERS.map((each) => `gender/${each}`), ...[...AGE_BANDS, 'unknown'].map((each) => `age/${each}`)],
  },
  {
    measure: 'equality-sentenced',
    unit: 'people',
    breakdowns: [...GENDERS.map((each) => `gender/${each}`), ...[...AGE_BANDS, 'unknown'].map((each) => `age/${each}`)],
  },
];

/** One published figure. */
export interface DatasetRow {
  readonly section: DatasetSection;
  readonly measure: string;
  readonly breakdown: string;
  readonly value: PublishedCount;
}

/** The monthly CSTR minimum dataset: anonymised, suppressed, no identifier. */
export interface MinimumDataset {
  readonly month: string;
  readonly suppression: { readonly below: number; readonly shownAs: string };
  /** section → measure → breakdown → count. */
  readonly sections: Record<DatasetSection, Record<string, Record<string, PublishedCount>>>;
}

/** A count as published: 1 to 4 become {@link SUPPRESSED}. */
export function suppress(count: number): PublishedCount {
  return count > 0 && count < SUPPRESSION_THRESHOLD ? SUPPRESSED : count;
}

/** The section of a set of requirement types: one type's tab, `combined` for two or more, `unattributed` for none. */
export function sectionOf(requirementTypes: readonly string[]): DatasetSection {
  const sections = new Set(
    requirementTypes.flatMap((type): DatasetSection[] =>
      type.startsWith('mhtr') ? ['MHTR'] : type === 'drr' ? ['DRR'] : type === 'atr' ? ['ATR'] : [],
    ),
  );
  if (sections.size === 0) return 'unattributed';
  return sections.size > 1 ? 'combined' : [...sections][0];
}

/** The band of a score on its instrument, or undefined for an instrument the dataset does not band. */
export function scoreBand(instrument: string, score: number): string | undefined {
  const bands = SCORE_BANDS[instrument];
  if (!bands) return undefined;
  const value = instrument === 'core-34' ? (score / 34) * 10 : score;
  return [...bands].reverse().find(([, lowest]) => value >= lowest)?.[0];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const REFERRAL_SOURCES: Readonly<Record<string, string>> = {
  'probation.psr.requested': 'probation-psr-request',
  'pathway.candidate.identified': 'court-list-match',
  'treatment.referral.requested': 'post-sentence-referral',
};

/**
 * The dataset of `month` (`YYYY-MM`) from reporting facts: those of the month, and the earlier
 * facts of the same people (some measures look back: a PSR request before an approval, a first
 * attendance ever). Facts after the month are ignored. Pure.
 */
export function minimumDataset(month: string, facts: readonly ReportFact[]): MinimumDataset {
  const ordered = facts.filter((fact) => fact.month <= month).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  const byPerson = new Map<string, ReportFact[]>();
  for (const fact of ordered) byPerson.set(fact.personId, [...(byPerson.get(fact.personId) ?? []), fact]);

  const people = new Map<string, Set<string>>();
  const events = new Map<string, number>();
  const key = (section: DatasetSection, measure: string, breakdown: string): string =>
    `${section}\u0000${measure}\u0000${breakdown}`;
  const person = (
    fact: ReportFact,
    measure: string,
    breakdown: string,
    section: DatasetSection = sectionOf(fact.requirementTypes),
  ): void => {
    const at = key(section, measure, breakdown);
    people.set(at, (people.get(at) ?? new Set()).add(fact.personId));
  };
  const event = (fact: ReportFact, measure: string, breakdown: string): void => {
    const at = key(sectionOf(fact.requirementTypes), measure, breakdown);
    events.set(at, (events.get(at) ?? 0) + 1);
  };
  const equality = (fact: ReportFact, measure: string): void => {
    person(
      fact,
      measure,
      `gender/${GENDERS.includes(fact.gender as (typeof GENDERS)[number]) ? fact.gender : 'unknown'}`,
    );
    person(fact, measure, `age/${fact.ageBand ?? 'unknown'}`);
  };

  for (const fact of ordered) {
    if (fact.month !== month) continue;
    const history = byPerson.get(fact.personId) ?? [];
    const before = history.slice(0, history.indexOf(fact));
    switch (fact.eventType) {
      case 'probation.psr.requested':
      case 'pathway.candidate.identified':
      case 'treatment.referral.requested':
        person(fact, 'referrals', 'total');
        person(fact, 'referrals', REFERRAL_SOURCES[fact.eventType]);
        break;
      case 'treatment.assessment.completed':
        person(fact, 'assessed', 'total');
        if (fact.outcome === 'suitable' || fact.outcome === 'not-suitable') person(fact, 'assessed', fact.outcome);
        equality(fact, 'equality-assessed');
        break;
      case 'consent.recorded':
        if (fact.outcome === 'active') person(fact, 'consented', 'total');
        break;
      case 'treatment.suitability.decided':
        if (fact.outcome === 'approved' || fact.outcome === 'declined')
          person(fact, 'clinical-lead-decisions', fact.outcome);
        if (fact.outcome === 'approved' && before.some((earlier) => earlier.eventType === 'probation.psr.requested'))
          person(fact, 'included-in-psr', 'total');
        break;
      case 'court.sentence.imposed': {
        person(fact, 'court-decisions', 'accepted');
        equality(fact, 'equality-sentenced');
        const sentencedAt = Date.parse(fact.occurredAt);
        const onTheDay = before.some(
          (earlier) =>
            earlier.eventType === 'probation.psr.requested' && sentencedAt - Date.parse(earlier.occurredAt) <= DAY_MS,
        );
        if (onTheDay) person(fact, 'sentenced-on-the-day', 'total');
        break;
      }
      case 'court.hearing.resulted': {
        // Declined by the court: sentenced after a Clinical Lead approval, without a treatment requirement since.
        if (fact.outcome !== 'sentenced') break;
        const approval = [...before]
          .reverse()
          .find((earlier) => earlier.eventType === 'treatment.suitability.decided' && earlier.outcome === 'approved');
        if (!approval) break;
        const sentencedSince = history.some(
          (other) => other.eventType === 'court.sentence.imposed' && other.occurredAt >= approval.occurredAt,
        );
        if (!sentencedSince) person(fact, 'court-decisions', 'declined', sectionOf(approval.requirementTypes));
        break;
      }
      case 'treatment.appointment.attended':
        event(fact, 'attendance', 'attended');
        if (!before.some((earlier) => earlier.eventType === 'treatment.appointment.attended'))
          person(fact, 'orders-commenced', 'total');
        break;
      case 'treatment.appointment.missed':
        event(fact, 'attendance', 'missed');
        if (fact.outcome) event(fact, 'attendance', `missed-${fact.outcome}`);
        break;
      case 'gp.registration.checked':
      case 'gp.registration.changed': {
        const previous = [...before]
          .reverse()
          .find(
            (earlier) =>
              earlier.eventType === 'gp.registration.checked' || earlier.eventType === 'gp.registration.changed',
          );
        const onPathway = before.some(
          (earlier) => earlier.eventType in REFERRAL_SOURCES || earlier.eventType === 'court.sentence.imposed',
        );
        if (fact.outcome === 'registered' && previous?.outcome === 'not-registered' && onPathway)
          person(fact, 'gp-registered-as-result', 'total');
        break;
      }
      case 'probation.enforcement.decided':
        if (fact.outcome) event(fact, 'enforcement-decisions', fact.outcome);
        if (fact.outcome === 'breach-proceedings' || fact.outcome === 'return-to-court')
          person(fact, 'breaches', 'total');
        break;
      case 'probation.requirement.terminated':
        if (fact.outcome) person(fact, 'requirements-ended', fact.outcome);
        if (fact.outcome === 'breached') person(fact, 'breaches', 'total');
        break;
      case 'treatment.episode.ended':
        if (fact.outcome) person(fact, 'episodes-ended', fact.outcome);
        break;
      case 'treatment.progress.reported':
        for (const score of fact.scores) {
          const band = scoreBand(score.instrument, score.score);
          const stage = SCORE_STAGES.includes(score.stage as (typeof SCORE_STAGES)[number])
            ? score.stage
            : 'not-stated';
          if (band) event(fact, 'outcome-scores', `${score.instrument}/${stage}/${band}`);
        }
        break;
    }
  }

  const sections = Object.fromEntries(
    DATASET_SECTIONS.map((section) => [
      section,
      Object.fromEntries(
        DATASET_MEASURES.map(({ measure, breakdowns }) => [
          measure,
          Object.fromEntries(
            breakdowns.map((breakdown) => [
              breakdown,
              suppress(
                people.get(key(section, measure, breakdown))?.size ?? events.get(key(section, measure, breakdown)) ?? 0,
              ),
            ]),
          ),
        ]),
      ),
    ]),
  ) as MinimumDataset['sections'];
  return { month, suppression: { below: SUPPRESSION_THRESHOLD, shownAs: SUPPRESSED }, sections };
}

/** The dataset as rows, in publication order. */
export function datasetRows(dataset: MinimumDataset): DatasetRow[] {
  return DATASET_SECTIONS.flatMap((section) =>
    DATASET_MEASURES.flatMap(({ measure, breakdowns }) =>
      breakdowns.map((breakdown) => ({
        section,
        measure,
        breakdown,
        value: dataset.sections[section][measure][breakdown],
      })),
    ),
  );
}

/** The dataset as CSV (`month,section,measure,breakdown,value`, CRLF line ends, RFC 4180). */
export function datasetCsv(dataset: MinimumDataset): string {
  const lines = [
    ['month', 'section', 'measure', 'breakdown', 'value'],
    ...datasetRows(dataset).map((row) => [dataset.month, row.section, row.measure, row.breakdown, String(row.value)]),
  ];
  return `${lines.map((cells) => cells.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
