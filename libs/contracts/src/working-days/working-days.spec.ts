import fc from 'fast-check';
import {
  ENGLAND_AND_WALES_BANK_HOLIDAYS,
  ENGLAND_AND_WALES_FIRST_YEAR,
  ENGLAND_AND_WALES_LAST_YEAR,
} from './england-and-wales-bank-holidays';
import {
  addCalendarDays,
  addWorkingDays,
  endOfLondonDay,
  InvalidCalendarDateError,
  isCovered,
  isWeekend,
  isWorkingDay,
  londonDateOf,
  startOfLondonDay,
} from './working-days';

/** Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm), `YYYY-MM-DD`. */
function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const YEARS = Array.from(
  { length: ENGLAND_AND_WALES_LAST_YEAR - ENGLAND_AND_WALES_FIRST_YEAR + 1 },
  (_, index) => ENGLAND_AND_WALES_FIRST_YEAR + index,
);
const HOLIDAYS = ENGLAND_AND_WALES_BANK_HOLIDAYS.map((holiday) => holiday.date);

/** Any date from a year before the list to a year after it. */
const anyDate = fc
  .integer({
    min: Date.UTC(ENGLAND_AND_WALES_FIRST_YEAR - 1, 0, 1),
    max: Date.UTC(ENGLAND_AND_WALES_LAST_YEAR + 1, 11, 31),
  })
  .map((time) => new Date(time).toISOString().slice(0, 10));

describe('England and Wales bank holidays', () => {
  it('lists eight holidays a year, none on a weekend (substitute days are listed instead)', () => {
    for (const year of YEARS) expect(HOLIDAYS.filter((date) => date.startsWith(`${year}-`))).toHaveLength(8);
    expect(HOLIDAYS.filter(isWeekend)).toEqual([]);
    expect(new Set(HOLIDAYS).size).toBe(HOLIDAYS.length);
  });

  it('has Good Friday and Easter Monday around the computed Easter Sunday of every year', () => {
    for (const year of YEARS) {
      const easter = easterSunday(year);
      expect(HOLIDAYS).toContain(addCalendarDays(easter, -2));
      expect(HOLIDAYS).toContain(addCalendarDays(easter, 1));
    }
  });

  it('moves Christmas and Boxing Day falling on a weekend to the following weekdays', () => {
    // 2026: Boxing Day is a Saturday; 2027: Christmas Saturday, Boxing Day Sunday; 2028: New Year Saturday.
    expect(HOLIDAYS).toEqual(
      expect.arrayContaining(['2026-12-25', '2026-12-28', '2027-12-27', '2027-12-28', '2028-01-03']),
    );
    expect(HOLIDAYS).not.toContain('2026-12-26');
    expect(HOLIDAYS).not.toContain('2027-12-25');
  });
});

describe('working days', () => {
  it('skips weekends and bank holidays', () => {
    expect(addWorkingDays('2026-06-05', 1)).toBe('2026-06-08'); // Friday → Monday
    expect(addWorkingDays('2026-06-01', 2)).toBe('2026-06-03'); // Monday → Wednesday
    expect(addWorkingDays('2026-12-24', 2)).toBe('2026-12-30'); // Christmas Friday, substitute Boxing Day Monday 28
    expect(addWorkingDays('2027-12-24', 1)).toBe('2027-12-29'); // both substitute days skipped
    expect(addWorkingDays('2026-04-02', 1)).toBe('2026-04-07'); // Maundy Thursday → past Good Friday and Easter Monday
    expect(addWorkingDays('2026-05-22', 1)).toBe('2026-05-26'); // Spring bank holiday
    expect(addWorkingDays('2026-06-06', 0)).toBe('2026-06-06');
    expect(addWorkingDays('2026-06-06', 1)).toBe('2026-06-08'); // a Saturday does not count itself
  });

  it('knows which days it has holidays for', () => {
    expect(isCovered('2026-01-01')).toBe(true);
    expect(isCovered(`${ENGLAND_AND_WALES_LAST_YEAR + 1}-01-01`)).toBe(false);
    expect(isWorkingDay('2026-12-28')).toBe(false);
    expect(isWorkingDay('2026-12-29')).toBe(true);
  });

  it('refuses dates that do not exist and negative counts', () => {
    expect(() => addWorkingDays('2026-02-30', 1)).toThrow(InvalidCalendarDateError);
    expect(() => addWorkingDays('30/06/2026', 1)).toThrow(InvalidCalendarDateError);
    expect(() => addWorkingDays('2026-06-01', -1)).toThrow(RangeError);
  });

  it('never lands on a weekend or a bank holiday, and counts exactly n working days (property)', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: 1, max: 40 }), (date, days) => {
        const due = addWorkingDays(date, days);
        expect(isWeekend(due)).toBe(false);
        expect(HOLIDAYS).not.toContain(due);
        let counted = 0;
        for (let day = addCalendarDays(date, 1); day <= due; day = addCalendarDays(day, 1))
          if (isWorkingDay(day)) counted += 1;
        expect(counted).toBe(days);
      }),
    );
  });

  it('is additive: n + m working days is m working days after n working days (property)', () => {
    fc.assert(
      fc.property(anyDate, fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), (date, n, m) => {
        expect(addWorkingDays(addWorkingDays(date, n), m)).toBe(addWorkingDays(date, n + m));
      }),
    );
  });
});

describe('the London day', () => {
  it('ends at midnight London time, in winter and in summer time', () => {
    expect(endOfLondonDay('2026-01-15').toISOString()).toBe('2026-01-15T23:59:59.999Z');
    expect(endOfLondonDay('2026-06-03').toISOString()).toBe('2026-06-03T22:59:59.999Z');
    // The clocks go forward on 29 March 2026 and back on 25 October 2026.
    expect(startOfLondonDay('2026-03-29').toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(endOfLondonDay('2026-03-29').toISOString()).toBe('2026-03-29T22:59:59.999Z');
    expect(startOfLondonDay('2026-10-25').toISOString()).toBe('2026-10-24T23:00:00.000Z');
    expect(endOfLondonDay('2026-10-25').toISOString()).toBe('2026-10-25T23:59:59.999Z');
  });

  it('dates an instant by the London calendar', () => {
    expect(londonDateOf(new Date('2026-06-02T23:30:00Z'))).toBe('2026-06-03');
    expect(londonDateOf(new Date('2026-01-02T23:30:00Z'))).toBe('2026-01-02');
    fc.assert(
      fc.property(anyDate, (date) => {
        expect(londonDateOf(startOfLondonDay(date))).toBe(date);
        expect(londonDateOf(endOfLondonDay(date))).toBe(date);
      }),
    );
  });
});
