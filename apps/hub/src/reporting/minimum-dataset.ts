import { addCalendarDays, addWorkingDays, ENGLAND_AND_WALES_CALENDAR, isWorkingDay } from '@cstr/contracts';
import { suppressCells, type CellRelation } from './complementary-suppression';
import { COMMUNICATION_NEEDS, DISABILITY_STATUSES, ETHNIC_GROUPS, GENDER_IDENTITIES } from './equality-facts';
import { AGE_BANDS, type ReportFact } from './report-facts';

/** The dataset's sections (the national template's tabs), and facts with no known requirement type. */
export const DATASET_SECTIONS = ['MHTR', 'DRR', 'ATR', 'combined', 'unattributed'] as const;
/** One section of {@link DATASET_SECTIONS}. */
export type DatasetSection = (typeof DATASET_SECTIONS)[number];

/** Counts from 1 to this minus one are suppressed. */
export const SUPPRESSION_THRESHOLD = 5;
/** What a suppressed count shows, in JSON and CSV alike. */
export const SUPPRESSED = '<5';
/** What a count hidden so that no suppressed count can be recovered (complementary suppression) shows. */
export const COMPLEMENTARY_SUPPRESSED = '*';
/**
 * A count as published: 0, a number of at least {@link SUPPRESSION_THRESHOLD}, {@link SUPPRESSED},
 * or {@link COMPLEMENTARY_SUPPRESSED}.
 */
export type PublishedCount = number | typeof SUPPRESSED | typeof COMPLEMENTARY_SUPPRESSED;

const GENDERS = ['male', 'female', 'other', 'unknown'] as const;
/**
 * The equality breakdowns of the people assessed, sentenced, starting treatment (orders commenced)
 * and completing their requirement: each group counts every person
 * once (the characteristics as last recorded by the month's end; age at the event), so each
 * group sums to the measure's total.
 */
export const EQUALITY_GROUPS: Readonly<Record<string, readonly string[]>> = {
  gender: GENDERS,
  age: [...AGE_BANDS, 'unknown'],
  ethnicity: [...ETHNIC_GROUPS, 'unknown'],
  'gender-identity': [...GENDER_IDENTITIES, 'not-recorded'],
  disability: [...DISABILITY_STATUSES, 'not-recorded'],
  communication: [...COMMUNICATION_NEEDS, 'not-recorded'],
};
const EQUALITY_BREAKDOWNS = Object.entries(EQUALITY_GROUPS).flatMap(([group, values]) =>
  values.map((value) => `${group}/${value}`),
);
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
  // AUDIT (0-40): the WHO zones; 20+ is the ATR guidance's indicator of possible dependence.
  audit: [
    ['lower-risk', 0],
    ['increasing-risk', 8],
    ['higher-risk', 16],
    ['possible-dependence', 20],
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
  readonly unit: 'people' | 'events' | 'scores' | 'person-weeks';
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
  // DRR and ATR: treatment started (treatment.started) against the clinical standards of the 2014
  // guidance, from the sentence that made the requirement — DRR 2 working days, ATR 14 days.
  { measure: 'treatment-starts', unit: 'people', breakdowns: ['total', 'within-standard', 'outside-standard'] },
  {
    measure: 'drug-tests',
    unit: 'events',
    breakdowns: ['total', 'positive', 'negative', 'inconclusive', 'refused'],
  },
  // Weeks (Monday to Sunday, by their Monday's month) on a DRR, with and without a test recorded:
  // weekly testing is the guidance's minimum.
  { measure: 'drug-testing-weeks', unit: 'person-weeks', breakdowns: ['tested', 'untested'] },
  {
    measure: 'court-reviews',
    unit: 'events',
    breakdowns: [
      'listed',
      'reports-sent',
      'reports-on-time',
      'progress-satisfactory',
      'progress-unsatisfactory',
      'requirement-amended',
      'order-revoked',
      'adjourned',
    ],
  },
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
  { measure: 'equality-assessed', unit: 'people', breakdowns: EQUALITY_BREAKDOWNS },
  { measure: 'equality-sentenced', unit: 'people', breakdowns: EQUALITY_BREAKDOWNS },
  { measure: 'equality-commenced', unit: 'people', breakdowns: EQUALITY_BREAKDOWNS },
  { measure: 'equality-completed', unit: 'people', breakdowns: EQUALITY_BREAKDOWNS },
];

/** A cell of a section: `measure/breakdown`. */
export function cellOf(measure: string, breakdown: string): string {
  return `${measure}/${breakdown}`;
}

const relation = (measure: string, total: string, parts: readonly string[]): CellRelation => ({
  total: cellOf(measure, total),
  parts: parts.map((part) => cellOf(measure, part)),
});
const equalityRelations = (measure: string, total: string): CellRelation[] =>
  Object.entries(EQUALITY_GROUPS).map(([group, values]) => ({
    total,
    parts: values.map((value) => cellOf(measure, `${group}/${value}`)),
  }));

/**
 * The linear relations a section shows (a total and its breakdown), which complementary
 * suppression protects. Where a breakdown may not add up exactly (a person referred from two
 * sources, a test without a result) it is still taken as one: a reader might assume it does.
 */
export const DATASET_RELATIONS: readonly CellRelation[] = [
  relation('referrals', 'total', ['probation-psr-request', 'court-list-match', 'post-sentence-referral']),
  relation('assessed', 'total', ['suitable', 'not-suitable']),
  ...equalityRelations('equality-assessed', cellOf('assessed', 'total')),
  ...equalityRelations('equality-sentenced', cellOf('court-decisions', 'accepted')),
  ...equalityRelations('equality-commenced', cellOf('orders-commenced', 'total')),
  ...equalityRelations('equality-completed', cellOf('requirements-ended', 'completed')),
  relation('treatment-starts', 'total', ['within-standard', 'outside-standard']),
  relation('drug-tests', 'total', ['positive', 'negative', 'inconclusive', 'refused']),
  relation('attendance', 'missed', ['missed-acceptable', 'missed-unacceptable', 'missed-logistics']),
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
  readonly suppression: {
    readonly below: number;
    readonly shownAs: string;
    /** What a count hidden to protect a suppressed one shows. */
    readonly complementaryShownAs: string;
  };
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

/** The true counts of a month, by section and cell (`measure/breakdown`), before any suppression. */
export type DatasetCounts = Record<DatasetSection, Map<string, number>>;

/**
 * The dataset of `month` (`YYYY-MM`) from reporting facts, suppressed: counts 1-4 as
 * {@link SUPPRESSED}, and complementary cells as {@link COMPLEMENTARY_SUPPRESSED} so that no
 * suppressed count follows from a section's totals and breakdowns ({@link DATASET_RELATIONS}). Pure.
 */
export function minimumDataset(
  month: string,
  facts: readonly ReportFact[],
  options: { readonly asOf?: Date } = {},
): MinimumDataset {
  const counts = datasetCounts(month, facts, options);
  const sections = Object.fromEntries(
    DATASET_SECTIONS.map((section) => {
      const cells = counts[section];
      const { primary, complementary } = suppressCells(cells, DATASET_RELATIONS, SUPPRESSION_THRESHOLD);
      const published = (cell: string): PublishedCount =>
        primary.has(cell) ? SUPPRESSED : complementary.has(cell) ? COMPLEMENTARY_SUPPRESSED : (cells.get(cell) ?? 0);
      return [
        section,
        Object.fromEntries(
          DATASET_MEASURES.map(({ measure, breakdowns }) => [
            measure,
            Object.fromEntries(breakdowns.map((breakdown) => [breakdown, published(cellOf(measure, breakdown))])),
          ]),
        ),
      ];
    }),
  ) as MinimumDataset['sections'];
  return {
    month,
    suppression: {
      below: SUPPRESSION_THRESHOLD,
      shownAs: SUPPRESSED,
      complementaryShownAs: COMPLEMENTARY_SUPPRESSED,
    },
    sections,
  };
}

/**
 * The true counts of `month` (`YYYY-MM`) from reporting facts: those of the month, and the earlier
 * facts of the same people (some measures look back: a PSR request before an approval, a first
 * attendance ever). Facts after the month are ignored. Every cell of every section is present. Pure.
 */
export function datasetCounts(
  month: string,
  facts: readonly ReportFact[],
  options: { readonly asOf?: Date } = {},
): DatasetCounts {
  const ordered = facts.filter((fact) => fact.month <= month).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  const byPerson = new Map<string, ReportFact[]>();
  for (const fact of ordered) byPerson.set(fact.personId, [...(byPerson.get(fact.personId) ?? []), fact]);
  // One section per person for every measure: a person on a combined order counts under "combined".
  const sectionOfPerson = new Map([...byPerson].map(([personId, history]) => [personId, personSection(history)]));

  const people = new Map<string, Set<string>>();
  const events = new Map<string, number>();
  const key = (section: DatasetSection, measure: string, breakdown: string): string =>
    `${section}\u0000${measure}\u0000${breakdown}`;
  const sectionOfFact = (fact: ReportFact): DatasetSection =>
    sectionOfPerson.get(fact.personId) ?? sectionOf(fact.requirementTypes);
  const person = (fact: ReportFact, measure: string, breakdown: string, member: string = fact.personId): void => {
    const at = key(sectionOfFact(fact), measure, breakdown);
    people.set(at, (people.get(at) ?? new Set()).add(member));
  };
  const event = (fact: ReportFact, measure: string, breakdown: string): void => {
    const at = key(sectionOfFact(fact), measure, breakdown);
    events.set(at, (events.get(at) ?? 0) + 1);
  };
  // The person's latest fact of each equality measure in the month: one category per group.
  const measured = new Map<string, Map<string, ReportFact>>();
  const equality = (fact: ReportFact, measure: string): void => {
    measured.set(measure, (measured.get(measure) ?? new Map<string, ReportFact>()).set(fact.personId, fact));
  };

  const countScores = (fact: ReportFact): void => {
    for (const score of fact.scores) {
      const band = scoreBand(score.instrument, score.score);
      const stage = SCORE_STAGES.includes(score.stage as (typeof SCORE_STAGES)[number]) ? score.stage : 'not-stated';
      if (band) event(fact, 'outcome-scores', `${score.instrument}/${stage}/${band}`);
    }
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
        countScores(fact); // AUDIT at an ATR assessment
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
        if (!sentencedSince) person(fact, 'court-decisions', 'declined');
        break;
      }
      case 'treatment.appointment.attended':
        event(fact, 'attendance', 'attended');
        if (!before.some(commencesOrder)) {
          person(fact, 'orders-commenced', 'total');
          equality(fact, 'equality-commenced');
        }
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
        if (fact.outcome === 'completed') equality(fact, 'equality-completed');
        if (fact.outcome === 'breached') person(fact, 'breaches', 'total');
        break;
      case 'treatment.episode.ended':
        if (fact.outcome) person(fact, 'episodes-ended', fact.outcome);
        break;
      case 'treatment.started': {
        if (!before.some(commencesOrder)) {
          person(fact, 'orders-commenced', 'total');
          equality(fact, 'equality-commenced');
        }
        person(fact, 'treatment-starts', 'total');
        const judged = startAgainstStandard(fact, before);
        if (judged) person(fact, 'treatment-starts', judged);
        break;
      }
      case 'treatment.drug-test.resulted':
        event(fact, 'drug-tests', 'total');
        if (fact.outcome) event(fact, 'drug-tests', fact.outcome);
        break;
      case 'court.review.listed':
        event(fact, 'court-reviews', 'listed');
        break;
      case 'probation.review.reported':
        event(fact, 'court-reviews', 'reports-sent');
        if (fact.factDate && londonDateOf(fact.occurredAt) <= workingDaysBefore(fact.factDate, REVIEW_REPORT_LEAD))
          event(fact, 'court-reviews', 'reports-on-time');
        break;
      case 'court.review.resulted':
        if (fact.outcome) event(fact, 'court-reviews', fact.outcome);
        break;
      case 'treatment.progress.reported':
        countScores(fact);
        break;
      case 'ld.screening.completed':
        break; // its equality characteristics serve the equality breakdowns of later measures
    }
  }

  for (const [personId, history] of byPerson) {
    const section = sectionOfPerson.get(personId) ?? 'unattributed';
    for (const { week, tested } of drrWeeks(month, history, options.asOf)) {
      const at = key(section, 'drug-testing-weeks', tested ? 'tested' : 'untested');
      people.set(at, (people.get(at) ?? new Set()).add(`${personId}|${week}`));
    }
  }

  for (const [measure, byPersonFact] of measured)
    for (const fact of byPersonFact.values()) {
      const categories = equalityCategories(fact, byPerson.get(fact.personId) ?? []);
      for (const [group, category] of Object.entries(categories)) person(fact, measure, `${group}/${category}`);
    }

  return Object.fromEntries(
    DATASET_SECTIONS.map((section) => [
      section,
      new Map(
        DATASET_MEASURES.flatMap(({ measure, breakdowns }) =>
          breakdowns.map((breakdown): [string, number] => [
            cellOf(measure, breakdown),
            people.get(key(section, measure, breakdown))?.size ?? events.get(key(section, measure, breakdown)) ?? 0,
          ]),
        ),
      ),
    ]),
  ) as DatasetCounts;
}

/**
 * A person's category in each equality group: sex and age band as at the measured event (else as
 * last known), the other characteristics as last recorded by any partner by the month's end.
 */
function equalityCategories(fact: ReportFact, history: readonly ReportFact[]): Record<string, string> {
  const latest = <K extends keyof ReportFact>(field: K): ReportFact[K] | null =>
    [...history].reverse().find((each) => each[field] !== null)?.[field] ?? null;
  const gender = GENDERS.find((each) => each === (fact.gender ?? latest('gender'))) ?? 'unknown';
  return {
    gender,
    age: fact.ageBand ?? 'unknown',
    ethnicity: latest('ethnicGroup') ?? 'unknown',
    'gender-identity': latest('genderIdentity') ?? 'not-recorded',
    disability: latest('disability') ?? 'not-recorded',
    communication: latest('communicationNeeds') ?? 'not-recorded',
  };
}

/**
 * The section of a person: that of their latest sentence up to the month's end, else of every
 * requirement type their events carried (a person considered for an MHTR and an ATR is combined).
 */
function personSection(history: readonly ReportFact[]): DatasetSection {
  const sentence = [...history].reverse().find((fact) => fact.eventType === 'court.sentence.imposed');
  if (sentence && sentence.requirementTypes.length > 0) return sectionOf(sentence.requirementTypes);
  return sectionOf(history.flatMap((fact) => fact.requirementTypes));
}

/**
 * An order commences with its first treatment: the first attended session (MHTR), or the drug and
 * alcohol service's treatment start (DRR, ATR), whichever comes first.
 */
function commencesOrder(fact: ReportFact): boolean {
  return fact.eventType === 'treatment.appointment.attended' || fact.eventType === 'treatment.started';
}

/** Probation's review report is on time when sent this many working days before the hearing (as config/pathway.yaml ships). */
const REVIEW_REPORT_LEAD = 2;
/** The clinical standards of treatment starts (supporting community order treatment requirements 2014). */
const START_STANDARDS: Readonly<Record<string, (sentenced: string) => string>> = {
  drr: (sentenced) => addWorkingDays(sentenced, 2, ENGLAND_AND_WALES_CALENDAR),
  atr: (sentenced) => addCalendarDays(sentenced, 14),
};

/**
 * A DRR or ATR start against its standard, from the latest earlier sentence carrying the
 * requirement; undefined for an MHTR (its timescale is the court's) or when no sentence is known.
 */
function startAgainstStandard(
  start: ReportFact,
  before: readonly ReportFact[],
): 'within-standard' | 'outside-standard' | undefined {
  const type = start.requirementTypes.find((each) => each in START_STANDARDS);
  if (!type || !start.factDate) return undefined;
  const sentence = [...before]
    .reverse()
    .find((fact) => fact.eventType === 'court.sentence.imposed' && fact.requirementTypes.includes(type));
  if (!sentence) return undefined;
  const sentenced = sentence.factDate ?? londonDateOf(sentence.occurredAt);
  return start.factDate <= START_STANDARDS[type](sentenced) ? 'within-standard' : 'outside-standard';
}

/**
 * The weeks (Monday to Sunday) starting in `month` that a person spent on a DRR — from the week of
 * the sentence until the requirement or the episode ended — each with whether a drug test was
 * sampled in it. Weeks not over by `asOf` are left out.
 */
function drrWeeks(month: string, history: readonly ReportFact[], asOf?: Date): { week: string; tested: boolean }[] {
  const sentence = history.find(
    (fact) => fact.eventType === 'court.sentence.imposed' && fact.requirementTypes.includes('drr'),
  );
  if (!sentence) return [];
  const from = sentence.factDate ?? londonDateOf(sentence.occurredAt);
  const ended = history.find(
    (fact) =>
      fact.occurredAt > sentence.occurredAt &&
      (fact.eventType === 'probation.requirement.terminated' || fact.eventType === 'treatment.episode.ended'),
  );
  const until = ended ? londonDateOf(ended.occurredAt) : undefined;
  const today = asOf ? londonDateOf(asOf.toISOString()) : undefined;
  const samples = history.flatMap((fact) =>
    fact.eventType === 'treatment.drug-test.resulted' && fact.factDate ? [fact.factDate] : [],
  );
  const weeks: { week: string; tested: boolean }[] = [];
  for (let monday = firstMondayOf(month); monday.startsWith(month); monday = addCalendarDays(monday, 7)) {
    const sunday = addCalendarDays(monday, 6);
    if (sunday < from || (until !== undefined && monday > until) || (today !== undefined && sunday >= today)) continue;
    weeks.push({ week: monday, tested: samples.some((sample) => sample >= monday && sample <= sunday) });
  }
  return weeks;
}

function firstMondayOf(month: string): string {
  let day = `${month}-01`;
  while (new Date(`${day}T12:00:00Z`).getUTCDay() !== 1) day = addCalendarDays(day, 1);
  return day;
}

/** `date` minus `days` working days. */
function workingDaysBefore(date: string, days: number): string {
  let day = date;
  for (let left = days; left > 0;) {
    day = addCalendarDays(day, -1);
    if (isWorkingDay(day, ENGLAND_AND_WALES_CALENDAR)) left -= 1;
  }
  return day;
}

const LONDON_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' });

function londonDateOf(instant: string): string {
  return LONDON_DATE.format(new Date(instant));
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
