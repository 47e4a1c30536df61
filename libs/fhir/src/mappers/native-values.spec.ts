import {
  durationIn,
  durationInMonths,
  genderFrom,
  londonLocalToInstant,
  monthsBetween,
  nameFromFullName,
} from './native-values';
import { PayloadNode } from './payload-reader';

describe('londonLocalToInstant', () => {
  it('gives Z in winter and +01:00 in British Summer Time, switching on the last Sundays of March and October', () => {
    expect(londonLocalToInstant('2026-12-01', '09:30')).toBe('2026-12-01T09:30:00Z');
    expect(londonLocalToInstant('2027-06-03', '10:00')).toBe('2027-06-03T10:00:00+01:00');
    expect(londonLocalToInstant('2027-03-27', '10:00')).toBe('2027-03-27T10:00:00Z');
    expect(londonLocalToInstant('2027-03-28', '10:00')).toBe('2027-03-28T10:00:00+01:00');
    expect(londonLocalToInstant('2027-10-30', '10:00')).toBe('2027-10-30T10:00:00+01:00');
    expect(londonLocalToInstant('2027-10-31', '10:00')).toBe('2027-10-31T10:00:00Z');
  });

  it('names the same instant as the local time it was given', () => {
    expect(Date.parse(londonLocalToInstant('2027-06-03', '10:00'))).toBe(Date.UTC(2027, 5, 3, 9, 0));
  });
});

describe('names, genders and lengths as partners write them', () => {
  it('splits court-list names with and without a comma, keeping a title as prefix', () => {
    expect(nameFromFullName('Mr Jordan Lee MARSH')).toEqual({
      family: 'MARSH',
      given: ['Jordan', 'Lee'],
      prefix: ['Mr'],
    });
    expect(nameFromFullName('HASSAN, Amira')).toEqual({ family: 'HASSAN', given: ['Amira'] });
    expect(nameFromFullName('PRICE, Ms Shannon')).toEqual({ family: 'PRICE', given: ['Shannon'], prefix: ['Ms'] });
    expect(nameFromFullName('DOYLE')).toEqual({ family: 'DOYLE', given: [] });
    expect(nameFromFullName(', Amira')).toBeUndefined();
  });

  it('reads every partner gender spelling, unknown otherwise', () => {
    expect(['M', 'MALE', 'Male', 'F', 'FEMALE', 'NOT_SPECIFIED', 'N', undefined].map(genderFrom)).toEqual([
      'male',
      'male',
      'male',
      'female',
      'female',
      'other',
      'unknown',
      'unknown',
    ]);
  });

  it('reads durations and converts them to months', () => {
    expect(durationIn('Period of treatment: 9 months')).toEqual({ amount: 9, unit: 'month' });
    expect(durationIn('within 10 working days')).toEqual({ amount: 10, unit: 'working-day' });
    expect(durationIn('no length here')).toBeUndefined();
    expect(durationInMonths({ amount: 2, unit: 'year' })).toBe(24);
    expect(durationInMonths({ amount: 20, unit: 'week' })).toBe(4.6);
    expect(durationInMonths({ amount: 26, unit: 'week' })).toBe(6);
  });

  it('counts an order ending the day before its anniversary as whole months', () => {
    expect(monthsBetween('2026-12-15', '2027-12-14')).toBe(12);
    expect(monthsBetween('2026-12-15', '2027-12-10')).toBe(11);
    expect(monthsBetween('2027-01-31', '2027-07-30')).toBe(6);
  });
});

describe('PayloadNode', () => {
  const read = (value: unknown) => PayloadNode.root({ value }, '$this').get('value');

  it('accepts real calendar dates only', () => {
    expect(read('2028-02-29').isoDate()).toBe('2028-02-29');
    const node = read('2027-02-29');
    expect(node.isoDate()).toBeUndefined();
    expect(node.issues.list).toEqual([
      expect.objectContaining({ severity: 'error', code: 'value', expression: ['value'] }),
    ]);
  });

  it('requires a time zone on a date-time', () => {
    expect(read('2026-12-01T10:00:00.000Z').isoDateTime()).toBe('2026-12-01T10:00:00.000Z');
    expect(read('2026-12-01T10:00+01:00').isoDateTime()).toBe('2026-12-01T10:00+01:00');
    expect(read('2026-12-01T10:00:00').isoDateTime()).toBeUndefined();
    expect(read('2026-12-01T24:00:00Z').isoDateTime()).toBeUndefined();
  });

  it('reads dd/MM/yyyy as ISO', () => {
    expect(read('14/03/1991').ukDate()).toBe('1991-03-14');
    expect(read('31/04/1991').ukDate()).toBeUndefined();
  });

  it('treats absent and blank optional values alike, and reports a required one', () => {
    expect(read('  ').string({ required: false })).toBeUndefined();
    const node = read(undefined);
    expect(node.string()).toBeUndefined();
    expect(node.issues.list[0]).toMatchObject({ code: 'required', expression: ['value'] });
  });

  it('paths array items and nested members', () => {
    const root = PayloadNode.root({ a: [{ b: 1 }] }, 'hearing');
    expect(root.get('a').array()[0].get('b').path).toBe('hearing.a[0].b');
  });
});
