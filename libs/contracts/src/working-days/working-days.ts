/**
 * Working days for pathway deadlines (SPEC §8): Monday to Friday except the bank holidays of
 * England and Wales. Pure functions over calendar dates (`YYYY-MM-DD`) and over instants in the
 * `Europe/London` day, where the courts, probation and providers of the pathway work.
 */
import {
  ENGLAND_AND_WALES_BANK_HOLIDAYS,
  ENGLAND_AND_WALES_FIRST_YEAR,
  ENGLAND_AND_WALES_LAST_YEAR,
} from './england-and-wales-bank-holidays';

/** A calendar of non-working days besides weekends, and the years it is known for. */
export interface WorkingDayCalendar {
  readonly name: string;
  readonly firstYear: number;
  readonly lastYear: number;
  /** `YYYY-MM-DD` of every holiday in the covered years. */
  readonly holidays: ReadonlySet<string>;
}

/** England and Wales: weekends and the gov.uk bank holidays of the years listed. */
export const ENGLAND_AND_WALES_CALENDAR: WorkingDayCalendar = {
  name: 'england-and-wales',
  firstYear: ENGLAND_AND_WALES_FIRST_YEAR,
  lastYear: ENGLAND_AND_WALES_LAST_YEAR,
  holidays: new Set(ENGLAND_AND_WALES_BANK_HOLIDAYS.map((holiday) => holiday.date)),
};

/** The time zone of the pathway's working day. */
export const PATHWAY_TIME_ZONE = 'Europe/London';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Thrown for a date that is not a real `YYYY-MM-DD` calendar date (a caller's bug, not partner input). */
export class InvalidCalendarDateError extends Error {
  readonly code = 'invalid-calendar-date';
  constructor(readonly date: string) {
    super(`Not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
    this.name = 'InvalidCalendarDateError';
  }
}

function utcDayOf(date: string): number {
  const match = DATE.exec(date);
  if (!match) throw new InvalidCalendarDateError(date);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const time = Date.UTC(year, month - 1, day);
  const back = new Date(time);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day)
    throw new InvalidCalendarDateError(date);
  return time;
}

function dateOfUtcDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** The calendar date `days` days after `date` (negative: before). */
export function addCalendarDays(date: string, days: number): string {
  return dateOfUtcDay(utcDayOf(date) + days * DAY_MS);
}

/** True on Saturday and Sunday. */
export function isWeekend(date: string): boolean {
  const weekday = new Date(utcDayOf(date)).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/** True on a weekday that is not a holiday of the calendar (outside its years: every weekday). */
export function isWorkingDay(date: string, calendar: WorkingDayCalendar = ENGLAND_AND_WALES_CALENDAR): boolean {
  return !isWeekend(date) && !calendar.holidays.has(date);
}

/** True when `date` falls in the years the calendar lists holidays for. */
export function isCovered(date: string, calendar: WorkingDayCalendar = ENGLAND_AND_WALES_CALENDAR): boolean {
  const year = Number(date.slice(0, 4));
  utcDayOf(date);
  return year >= calendar.firstYear && year <= calendar.lastYear;
}

/**
 * The `days`-th working day after `date` (`date` itself does not count, whether it is a working
 * day or not): Friday + 1 is Monday; Thursday 24 December 2026 + 2 is Tuesday 29 December.
 * `days` 0 gives `date` itself. Throws a RangeError for a negative or fractional count.
 */
export function addWorkingDays(
  date: string,
  days: number,
  calendar: WorkingDayCalendar = ENGLAND_AND_WALES_CALENDAR,
): string {
  if (!Number.isInteger(days) || days < 0) throw new RangeError(`days must be a whole number ≥ 0, not ${days}`);
  let time = utcDayOf(date);
  for (let left = days; left > 0;) {
    time += DAY_MS;
    if (isWorkingDay(dateOfUtcDay(time), calendar)) left -= 1;
  }
  return dateOfUtcDay(time);
}

const LONDON_PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: PATHWAY_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** London's offset from UTC at `instant`, in milliseconds (0 in winter, 3,600,000 in summer time). */
function londonOffset(instant: number): number {
  const parts = Object.fromEntries(
    LONDON_PARTS.formatToParts(new Date(instant)).map((part) => [part.type, part.value]),
  );
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The London calendar date of an instant. */
export function londonDateOf(instant: Date): string {
  return dateOfUtcDay(Math.floor((instant.getTime() + londonOffset(instant.getTime())) / DAY_MS) * DAY_MS);
}

/** The first instant of a London calendar date (midnight; clocks never change at midnight in the UK). */
export function startOfLondonDay(date: string): Date {
  const midnightUtc = utcDayOf(date);
  return new Date(midnightUtc - londonOffset(midnightUtc));
}

/** The last millisecond of a London calendar date: a deadline "by the end of" that day. */
export function endOfLondonDay(date: string): Date {
  return new Date(startOfLondonDay(addCalendarDays(date, 1)).getTime() - 1);
}
