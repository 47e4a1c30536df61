/**
 * Small conversions shared by the partner mappers: genders, names, addresses, durations and
 * local (Europe/London) times as partners write them.
 */
import type { AddressInput, GenderInput, HumanNameInput } from '../events/event-inputs';
import type { PayloadNode } from './payload-reader';

const NAME_TITLES = ['MR', 'MRS', 'MS', 'MISS', 'MX', 'DR', 'SIR', 'DAME', 'REV', 'PROF'];

/**
 * The gender code a partner sends, as FHIR administrative gender. Common Platform sends
 * `MALE`/`FEMALE`/`NOT_KNOWN`/`NOT_SPECIFIED`, Libra `M`/`F`/`N`/`U`, Delius `Male`/`Female`.
 * Anything unrecognised or absent is `unknown`: gender is not a reason to refuse a person.
 */
export function genderFrom(value: string | undefined): GenderInput {
  switch (value?.toUpperCase()) {
    case 'M':
    case 'MALE':
      return 'male';
    case 'F':
    case 'FEMALE':
      return 'female';
    case 'O':
    case 'OTHER':
    case 'NOT_SPECIFIED':
      return 'other';
    default:
      return 'unknown';
  }
}

/** A title such as `Mr` as a name prefix list (empty when absent). */
function prefixFrom(title: string | undefined): { prefix?: string[] } {
  return title ? { prefix: [title] } : {};
}

/** A name from separate parts; given names in order, blanks dropped. */
export function nameFromParts(family: string, given: (string | undefined)[], title?: string): HumanNameInput {
  return {
    family,
    given: given.filter((part): part is string => part !== undefined && part.length > 0),
    ...prefixFrom(title),
  };
}

/**
 * A name written as one string, as court lists do: `SURNAME, Forenames` or `Mr Forenames
 * SURNAME`. A leading title is kept as the prefix. Undefined when no family name can be found.
 */
export function nameFromFullName(fullName: string): HumanNameInput | undefined {
  const comma = fullName.indexOf(',');
  if (comma >= 0) {
    const family = fullName.slice(0, comma).trim();
    const rest = fullName
      .slice(comma + 1)
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    const title =
      rest.length > 0 && NAME_TITLES.includes(rest[0].replace(/\.$/, '').toUpperCase()) ? rest.shift() : undefined;
    return family ? nameFromParts(family, rest, title) : undefined;
  }
  const words = fullName.trim().split(/\s+/).filter(Boolean);
  const title =
    words.length > 1 && NAME_TITLES.includes(words[0].replace(/\.$/, '').toUpperCase()) ? words.shift() : undefined;
  const family = words.pop();
  return family ? nameFromParts(family, words, title) : undefined;
}

/**
 * An address from numbered lines (`address1`…`address5`, or `line1`…`line5`) and a postcode.
 * Lines are kept in order without guessing which is the town. Undefined when nothing is there.
 */
export function addressFromLines(
  node: PayloadNode | undefined,
  lineKeys: readonly string[],
  postcodeKey: string,
): AddressInput | undefined {
  if (!node) return undefined;
  const line = lineKeys
    .map((key) => node.get(key).string({ required: false }))
    .filter((text): text is string => text !== undefined);
  const postalCode = node.get(postcodeKey).string({ required: false });
  if (line.length === 0 && !postalCode) return undefined;
  return { line, ...(postalCode ? { postalCode } : {}), use: 'home' };
}

/** A length of time as a court or a case system writes it: `9 months`, `20 weeks`, `2 years`. */
export interface NativeDuration {
  readonly amount: number;
  readonly unit: 'day' | 'working-day' | 'week' | 'month' | 'year';
}

const DURATION = /(\d{1,3})\s*(working\s+days?|days?|weeks?|months?|years?)\b/i;

/** The first duration written in `text`, or undefined. */
export function durationIn(text: string | undefined): NativeDuration | undefined {
  if (!text) return undefined;
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const word = match[2].toLowerCase();
  if (word.startsWith('working')) return { amount, unit: 'working-day' };
  if (word.startsWith('day')) return { amount, unit: 'day' };
  if (word.startsWith('week')) return { amount, unit: 'week' };
  if (word.startsWith('month')) return { amount, unit: 'month' };
  return { amount, unit: 'year' };
}

/**
 * A duration in months, as the event inputs carry lengths. Months and years are exact; weeks
 * and days are converted at 52 weeks (365 days) to 12 months and rounded to one decimal place,
 * since courts set short terms (custodial periods, for one) in weeks.
 */
export function durationInMonths(duration: NativeDuration): number {
  switch (duration.unit) {
    case 'year':
      return duration.amount * 12;
    case 'month':
      return duration.amount;
    case 'week':
      return Math.round(((duration.amount * 12) / 52) * 10) / 10;
    case 'day':
    case 'working-day':
      return Math.round(((duration.amount * 12) / 365) * 10) / 10;
  }
}

/** Whole calendar months from one `YYYY-MM-DD` date to another, counting a month from day n to day n-1 as whole. */
export function monthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number);
  const [ty, tm, td] = to.split('-').map(Number);
  let months = (ty - fy) * 12 + (tm - fm);
  // An order from 15 December ends on 14 December the next year: that is 12 months, not 11.
  if (td < fd - 1) months -= 1;
  return months;
}

/** The UTC offset of Europe/London at `instant`, in minutes (0 in winter, 60 in summer time). */
function londonOffsetMinutes(instant: Date): number {
  const part = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'longOffset' })
    .formatToParts(instant)
    .find((p) => p.type === 'timeZoneName')?.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? '');
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/**
 * A local London date and time (`YYYY-MM-DD`, `hh:mm`) as an ISO 8601 instant with its offset:
 * `2026-12-01T09:30:00Z` in winter, `2027-06-03T10:00:00+01:00` in summer time. Court lists
 * give local times; the events carry instants. In the hour skipped or repeated when the clocks
 * change (never a court sitting time) the earlier offset is used.
 */
export function londonLocalToInstant(date: string, time: string): string {
  const [year, month, day] = date.split('-').map(Number);
  const [hour, minute] = time.split(':').map(Number);
  const asIfUtc = Date.UTC(year, month - 1, day, hour, minute);
  const offset = londonOffsetMinutes(new Date(asIfUtc - londonOffsetMinutes(new Date(asIfUtc)) * 60_000));
  const local = `${date}T${time.padStart(5, '0')}:00`;
  if (offset === 0) return `${local}Z`;
  const sign = offset > 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** A copy of `record` without its undefined members, so events carry no empty keys. */
export function withoutUndefined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

/** The year of an ISO 8601 date or date-time, to expand two-digit PNC years repeatably. */
export function yearOf(isoDateOrTime: string): number | undefined {
  const year = Number(isoDateOrTime.slice(0, 4));
  return Number.isInteger(year) && year > 0 ? year : undefined;
}
