import type { ConsentRecord } from '@cstr/policy';
import { EMPTY_PERSON_STATE, mergePersonStates, type PersonState } from './person-state.repository';

const consent = (ref: string, status: ConsentRecord['status'], withdrawnRecipients: string[] = []): ConsentRecord => ({
  ref,
  discloser: 'slam-mhtr',
  status,
  recipients: ['nps-london-croydon'],
  withdrawnRecipients,
});

describe('mergePersonStates', () => {
  it('keeps every connection of both persons, reasons united', () => {
    const survivor: PersonState = {
      ...EMPTY_PERSON_STATE,
      relationships: { connections: { 'nps-london-croydon': ['covers-court'] } },
    };
    const merged: PersonState = {
      ...EMPTY_PERSON_STATE,
      relationships: { connections: { 'nps-london-croydon': ['allocated-case'], 'slam-mhtr': ['accepted-referral'] } },
    };
    expect(mergePersonStates(survivor, merged).relationships.connections).toEqual({
      'nps-london-croydon': ['covers-court', 'allocated-case'],
      'slam-mhtr': ['accepted-referral'],
    });
  });

  it('keeps every consent, and a withdrawal on either side wins', () => {
    const survivor: PersonState = {
      ...EMPTY_PERSON_STATE,
      consent: { records: { a: consent('a', 'active'), b: consent('b', 'active') } },
    };
    const merged: PersonState = {
      ...EMPTY_PERSON_STATE,
      consent: {
        records: {
          a: consent('a', 'withdrawn'),
          b: consent('b', 'active', ['nps-london-croydon']),
          c: consent('c', 'active'),
        },
      },
    };
    const records = mergePersonStates(survivor, merged).consent.records;
    expect(Object.keys(records).sort()).toEqual(['a', 'b', 'c']);
    expect(records.a.status).toBe('withdrawn');
    expect(records.b.withdrawnRecipients).toEqual(['nps-london-croydon']);
  });
});
