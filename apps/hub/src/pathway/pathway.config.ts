import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  addCalendarDays,
  addWorkingDays,
  endOfLondonDay,
  ENGLAND_AND_WALES_CALENDAR,
  isWorkingDay,
  londonDateOf,
  type WorkingDayCalendar,
} from '@cstr/contracts';

/** DI token of the checked {@link PathwayConfig} (`config/pathway.yaml`). */
export const PATHWAY_CONFIG = Symbol('PATHWAY_CONFIG');

/** How long a step may take: working days or calendar days after the day it starts, due at the end of the last day. */
export type Timescale = { readonly workingDays: number } | { readonly calendarDays: number };

/** The deadlines of `config/pathway.yaml` (SPEC §8); `undefined` = off. */
export interface PathwayConfig {
  readonly calendar: WorkingDayCalendar;
  readonly assessmentDecision?: Timescale;
  readonly firstAppointment: { readonly drr?: Timescale; readonly atr?: Timescale; readonly mhtr?: Timescale };
  readonly threeWayMeeting?: Timescale;
  readonly outcomeReporting?: Timescale;
  readonly gpRegistrationSupport?: Timescale;
  /** Probation's written review report is due this many working days before the court review hearing. */
  readonly reviewReport?: { readonly workingDaysBeforeHearing: number };
}

/** `config/pathway.yaml` is wrong: the message names the file and the key. */
export class PathwayConfigError extends Error {
  readonly code = 'pathway-config-invalid';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`Pathway configuration ${file} is invalid:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'PathwayConfigError';
  }
}

const CALENDARS: Readonly<Record<string, WorkingDayCalendar>> = { 'england-and-wales': ENGLAND_AND_WALES_CALENDAR };
const KINDS = [
  'assessment-decision',
  'first-appointment',
  'three-way-meeting',
  'outcome-reporting',
  'gp-registration-support',
  'review-report',
];
const REQUIREMENT_GROUPS = ['drr', 'atr', 'mhtr'];

/** Reads and checks the pathway file; throws {@link PathwayConfigError} naming every bad key. */
export function loadPathwayConfig(file: string): PathwayConfig {
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PathwayConfigError(file, [`cannot be read as YAML: ${(error as Error).message}`]);
  }
  return checkPathwayConfig(document, file);
}

/** Checks a parsed pathway document (see {@link loadPathwayConfig}). */
export function checkPathwayConfig(document: unknown, file = 'pathway config'): PathwayConfig {
  const problems: string[] = [];
  const root = isRecord(document)
    ? document
    : (problems.push('the file must be a mapping with calendar and deadlines'), {});
  const calendarName = root.calendar ?? 'england-and-wales';
  const calendar = typeof calendarName === 'string' ? CALENDARS[calendarName] : undefined;
  if (!calendar) problems.push(`calendar: must be one of ${Object.keys(CALENDARS).join(', ')}`);
  for (const key of Object.keys(root))
    if (!['calendar', 'deadlines'].includes(key)) problems.push(`${key}: unknown key`);
  const deadlines = isRecord(root.deadlines)
    ? root.deadlines
    : (problems.push('deadlines: must be a mapping of deadline kinds'), {});
  for (const key of Object.keys(deadlines))
    if (!KINDS.includes(key)) problems.push(`deadlines.${key}: unknown deadline kind (${KINDS.join(', ')})`);

  const timescale = (value: unknown, at: string): Timescale | undefined => {
    if (value === undefined || value === 'off' || value === false) return undefined;
    if (isRecord(value) && Object.keys(value).length === 1) {
      const [[unit, count]] = Object.entries(value);
      if (
        (unit === 'workingDays' || unit === 'calendarDays') &&
        Number.isInteger(count) &&
        (count as number) >= 0 &&
        (count as number) <= 366
      ) {
        return unit === 'workingDays' ? { workingDays: count as number } : { calendarDays: count as number };
      }
    }
    problems.push(`${at}: must be { workingDays: n } or { calendarDays: n } (0-366), or off`);
    return undefined;
  };
  const first = deadlines['first-appointment'];
  const firstAppointment: Record<string, Timescale | undefined> = {};
  if (first !== undefined && first !== 'off') {
    if (!isRecord(first)) problems.push('deadlines.first-appointment: must be a mapping of drr, atr, mhtr');
    else {
      for (const key of Object.keys(first))
        if (!REQUIREMENT_GROUPS.includes(key))
          problems.push(`deadlines.first-appointment.${key}: unknown requirement (${REQUIREMENT_GROUPS.join(', ')})`);
      for (const group of REQUIREMENT_GROUPS)
        firstAppointment[group] = timescale(first[group], `deadlines.first-appointment.${group}`);
    }
  }
  const review = deadlines['review-report'];
  let reviewReport: PathwayConfig['reviewReport'];
  if (review !== undefined && review !== 'off' && review !== false) {
    const days = isRecord(review) && Object.keys(review).length === 1 ? review.workingDaysBeforeHearing : undefined;
    if (Number.isInteger(days) && (days as number) >= 0 && (days as number) <= 366)
      reviewReport = { workingDaysBeforeHearing: days as number };
    else problems.push('deadlines.review-report: must be { workingDaysBeforeHearing: n } (0-366), or off');
  }
  const config: PathwayConfig = {
    calendar: calendar ?? ENGLAND_AND_WALES_CALENDAR,
    ...defined('assessmentDecision', timescale(deadlines['assessment-decision'], 'deadlines.assessment-decision')),
    firstAppointment: Object.fromEntries(Object.entries(firstAppointment).filter(([, value]) => value !== undefined)),
    ...defined('threeWayMeeting', timescale(deadlines['three-way-meeting'], 'deadlines.three-way-meeting')),
    ...defined('outcomeReporting', timescale(deadlines['outcome-reporting'], 'deadlines.outcome-reporting')),
    ...defined(
      'gpRegistrationSupport',
      timescale(deadlines['gp-registration-support'], 'deadlines.gp-registration-support'),
    ),
    ...defined('reviewReport', reviewReport),
  };
  if (problems.length > 0) throw new PathwayConfigError(file, problems);
  return config;
}

/** When a step that starts at `start` is due: the end (London time) of the timescale's last day. */
export function dueAt(start: Date, timescale: Timescale, calendar: WorkingDayCalendar): Date {
  const day = londonDateOf(start);
  const last =
    'workingDays' in timescale
      ? addWorkingDays(day, timescale.workingDays, calendar)
      : addCalendarDays(day, timescale.calendarDays);
  return endOfLondonDay(last);
}

/**
 * When something due `days` working days before `hearing` is due: the end (London time) of the
 * `days`-th working day before the hearing's day (0: the hearing's day itself).
 */
export function dueBeforeHearing(hearing: Date, days: number, calendar: WorkingDayCalendar): Date {
  let day = londonDateOf(hearing);
  for (let left = days; left > 0;) {
    day = addCalendarDays(day, -1);
    if (isWorkingDay(day, calendar)) left -= 1;
  }
  return endOfLondonDay(day);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function defined<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
