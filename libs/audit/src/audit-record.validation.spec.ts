import { CRN_SYSTEM, NHS_NUMBER_SYSTEM } from '@cstr/identity';
import type { AuditRecordInput } from './audit-record.types';
import { checkAuditRecordInput } from './audit-record.validation';

const delivery: AuditRecordInput = {
  kind: 'decision',
  outcome: 'delivered',
  eventId: 'e1',
  eventType: 'treatment.appointment.attended',
  sender: 'slam-mh',
  recipient: 'nps-london',
  agreement: { id: 'cstr-south-london', version: 3 },
  flowId: 'attendance-to-probation',
};

function problems(input: unknown): string[] {
  const result = checkAuditRecordInput(input, 'r');
  return result.ok ? [] : result.issues.map((issue) => `${issue.expression?.[0]} ${issue.code}`);
}

describe('checkAuditRecordInput', () => {
  it('accepts a complete delivery and fills absent optional fields with null or empty lists', () => {
    const result = checkAuditRecordInput(delivery);
    expect(result).toEqual({
      ok: true,
      record: expect.objectContaining({
        kind: 'decision',
        outcome: 'delivered',
        refusingRule: null,
        legalBasis: null,
        removedElements: [],
        personIdentifiers: [],
        reason: null,
      }),
    });
    expect(result.ok && 'recordedAt' in result.record).toBe(false);
  });

  it('normalises person identifiers the identity lib knows, trims others, and drops duplicates', () => {
    const result = checkAuditRecordInput({
      ...delivery,
      personIdentifiers: [
        { system: CRN_SYSTEM, value: 'x123456' },
        { system: CRN_SYSTEM, value: 'X123456' },
        { system: NHS_NUMBER_SYSTEM, value: '9990000018' },
        { system: 'https://example.org/local-id', value: ' abc ' },
      ],
    });
    expect(result.ok && result.record.personIdentifiers).toEqual([
      { system: CRN_SYSTEM, value: 'X123456' },
      { system: NHS_NUMBER_SYSTEM, value: '9990000018' },
      { system: 'https://example.org/local-id', value: 'abc' },
    ]);
  });

  it('never throws on garbage, and names every bad field', () => {
    expect(problems(null)).toEqual(['r structure']);
    expect(problems('x')).toEqual(['r structure']);
    expect(
      problems({
        kind: 'opinion',
        outcome: 'maybe',
        eventId: 7,
        agreement: { id: '', version: 1.5 },
        removedElements: 'all',
        recordedAt: 'today',
      }),
    ).toEqual([
      'r.kind code-invalid',
      'r.outcome code-invalid',
      'r.recordedAt value',
      'r.eventId structure',
      'r.agreement.id value',
      'r.agreement.version value',
      'r.removedElements structure',
    ]);
  });

  it.each<[string, Partial<Record<keyof AuditRecordInput, unknown>>, string[]]>([
    [
      'a delivery without agreement and flow',
      { agreement: undefined, flowId: undefined },
      ['r.agreement required', 'r.flowId required'],
    ],
    ['a refusal without its rule', { outcome: 'refused' }, ['r.refusingRule required']],
    ['a decision without recipient', { recipient: undefined }, ['r.recipient required']],
    ['a decision read', { outcome: 'read' }, ['r.outcome invariant']],
    ['a read without actor', { kind: 'read', outcome: 'read' }, ['r.actor required']],
    ['a NUL character (PostgreSQL text cannot hold it)', { reason: 'a\u0000b' }, ['r.reason value']],
    ['a lone surrogate (it would not read back the same)', { reason: 'a\uD800b' }, ['r.reason value']],
    ['an empty text', { flowId: '' }, ['r.flowId value']],
    ['a legal basis that is not texts', { legalBasis: { article6: 6 } }, ['r.legalBasis.article6 value']],
    [
      'a person identifier without a system',
      { personIdentifiers: [{ value: '9990000018' }] },
      ['r.personIdentifiers[0] value'],
    ],
    ['a date outside 2000–9999', { recordedAt: new Date('1969-12-31T00:00:00Z') }, ['r.recordedAt value']],
  ])('refuses %s', (_name, change, expected) => {
    expect(problems({ ...delivery, ...change })).toEqual(expected);
  });

  it('accepts each kind with its outcome', () => {
    expect(problems({ kind: 'read', outcome: 'read', actor: 'ig-lead' })).toEqual([]);
    expect(problems({ kind: 'refusal-at-ingress', outcome: 'refused', refusingRule: 'invalid-bundle' })).toEqual([]);
    expect(problems({ kind: 'dead-letter', outcome: 'dead-lettered', eventId: 'e1' })).toEqual([]);
    expect(
      problems({
        ...delivery,
        outcome: 'refused',
        refusingRule: 'default-deny',
        agreement: undefined,
        flowId: undefined,
      }),
    ).toEqual([]);
  });
});
