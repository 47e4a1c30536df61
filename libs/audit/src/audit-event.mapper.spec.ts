import { errorsOf, validateResource } from '@cstr/fhir';
import { CRN_SYSTEM, NHS_NUMBER_SYSTEM } from '@cstr/identity';
import type { AuditRecord } from './audit-record.types';
import { toAuditEvent, UK_CORE_AUDIT_EVENT_PROFILE } from './audit-event.mapper';

function record(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    seq: 42,
    recordedAt: new Date('2026-05-01T10:00:00.123Z'),
    kind: 'decision',
    outcome: 'delivered',
    eventId: '0B8F1C2E-7C1A-4F7E-9A51-2F3C4D5E6F70',
    eventType: 'treatment.appointment.attended',
    sender: 'slam-mh',
    recipient: 'nps-london',
    agreement: { id: 'cstr-south-london', version: 3 },
    flowId: 'attendance-to-probation',
    refusingRule: null,
    legalBasis: { statute: 'Criminal Justice Act 2003 s207', article6: '6(1)(e)' },
    consentReference: 'Consent/consent-1',
    removedElements: ['Patient.address', 'Observation[phq9]'],
    actor: null,
    personIdentifiers: [
      { system: NHS_NUMBER_SYSTEM, value: '9990000018' },
      { system: CRN_SYSTEM, value: 'X123456' },
    ],
    reason: null,
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
    keyId: 'k1',
    ...overrides,
  };
}

const details = (event: ReturnType<typeof toAuditEvent>): [string, string | undefined][] =>
  (event.entity?.[0].detail ?? []).map((detail) => [detail.type, detail.valueString]);

describe('toAuditEvent', () => {
  it('exports a delivery as a DICOM Export with the sender as source and the recipient as destination', () => {
    const event = toAuditEvent(record());
    expect(event).toMatchObject({
      resourceType: 'AuditEvent',
      id: 'cstr-audit-42',
      meta: { profile: [UK_CORE_AUDIT_EVENT_PROFILE] },
      type: { code: '110106', display: 'Export' },
      subtype: [
        { system: 'https://cstr-hub.org.uk/fhir/CodeSystem/event-type', code: 'treatment.appointment.attended' },
      ],
      action: 'R',
      recorded: '2026-05-01T10:00:00.123Z',
      outcome: '0',
      source: { observer: { identifier: { value: 'urn:cstr-hub:partner:cstr-hub' } } },
    });
    expect(event.agent).toEqual([
      expect.objectContaining({
        type: { coding: [expect.objectContaining({ code: '110153' })] },
        who: expect.objectContaining({ display: 'slam-mh' }),
        requestor: true,
      }),
      expect.objectContaining({
        type: { coding: [expect.objectContaining({ code: '110152' })] },
        who: expect.objectContaining({ display: 'nps-london' }),
        requestor: false,
      }),
    ]);
    expect(event.entity?.[0].what).toEqual({
      identifier: { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:0b8f1c2e-7c1a-4f7e-9a51-2f3c4d5e6f70' },
    });
    expect(event.entity?.slice(1).map((entity) => entity.what)).toEqual([
      { identifier: { system: NHS_NUMBER_SYSTEM, value: '9990000018' } },
      { identifier: { system: CRN_SYSTEM, value: 'X123456' } },
      { reference: 'Consent/consent-1' },
    ]);
  });

  it('carries the agreement, flow, legal basis, removed elements and chain links as entity details', () => {
    expect(details(toAuditEvent(record()))).toEqual([
      ['event-type', 'treatment.appointment.attended'],
      ['agreement', 'cstr-south-london|3'],
      ['flow', 'attendance-to-probation'],
      ['legal-basis', '{"article6":"6(1)(e)","statute":"Criminal Justice Act 2003 s207"}'],
      ['removed-element', 'Patient.address'],
      ['removed-element', 'Observation[phq9]'],
      ['audit-seq', '42'],
      ['audit-prev-hash', 'a'.repeat(64)],
      ['audit-hash', 'b'.repeat(64)],
      ['audit-key-id', 'k1'],
    ]);
  });

  it('exports a refusal as a minor failure described by its rule', () => {
    const event = toAuditEvent(
      record({
        outcome: 'refused',
        agreement: null,
        flowId: null,
        refusingRule: 'consent-withdrawn',
        reason: 'Consent withdrawn on 2026-04-30.',
      }),
    );
    expect(event).toMatchObject({ outcome: '4', outcomeDesc: 'consent-withdrawn: Consent withdrawn on 2026-04-30.' });
    expect(details(event)).toContainEqual(['refusing-rule', 'consent-withdrawn']);
  });

  it('exports a read as a Query by its actor, and a dead letter with the hub as the only participant', () => {
    const read = toAuditEvent(
      record({
        kind: 'read',
        outcome: 'read',
        eventId: null,
        eventType: null,
        sender: null,
        recipient: null,
        agreement: null,
        flowId: null,
        actor: 'ig-lead',
        reason: 'GET /audit',
      }),
    );
    expect(read).toMatchObject({
      type: { code: '110112' },
      action: 'E',
      outcome: '0',
      agent: [{ who: { display: 'ig-lead' }, requestor: true }],
    });
    expect(read.entity?.[0]).toMatchObject({ type: { code: '2' }, description: 'GET /audit' });
    const dead = toAuditEvent(
      record({ kind: 'dead-letter', outcome: 'dead-lettered', sender: null, recipient: null, eventId: 'not-a-uuid' }),
    );
    expect(dead).toMatchObject({
      type: { code: '110107' },
      outcome: '8',
      agent: [{ who: { display: 'cstr-hub' }, requestor: false }],
    });
    expect(dead.entity?.[0].what).toEqual({ identifier: { value: 'not-a-uuid' } });
  });

  it.each<[string, Partial<AuditRecord>]>([
    ['a delivery', {}],
    [
      'a refusal',
      {
        outcome: 'refused',
        refusingRule: 'default-deny',
        agreement: null,
        flowId: null,
        consentReference: 'consent-42',
      },
    ],
    [
      'a refusal at ingress',
      {
        kind: 'refusal-at-ingress',
        outcome: 'refused',
        recipient: null,
        refusingRule: 'invalid-bundle',
        personIdentifiers: [],
      },
    ],
    [
      'a dead letter',
      { kind: 'dead-letter', outcome: 'dead-lettered', sender: null, recipient: null, eventId: 'not-a-uuid' },
    ],
    [
      'a read',
      {
        kind: 'read',
        outcome: 'read',
        eventId: null,
        eventType: null,
        sender: null,
        recipient: null,
        actor: 'ig-lead',
        reason: 'GET /audit/verify',
      },
    ],
  ])('exports %s that validates against UKCore-AuditEvent with no errors', (_name, overrides) => {
    const event = toAuditEvent(record(overrides));
    expect(errorsOf(validateResource(event))).toEqual([]);
  });

  it('the validator does catch a broken export (the check above can fail)', () => {
    const event = { ...toAuditEvent(record()), outcome: '99' };
    expect(errorsOf(validateResource(event)).length).toBeGreaterThan(0);
  });
});
