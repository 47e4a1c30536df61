import type { AuditEvent } from 'fhir/r4';
import { toAuditEvent, type AuditRecord } from '@cstr/audit';
import {
  flowLineOf,
  formatArrival,
  formatFlowLine,
  newLines,
  summariseArrival,
  type ArrivalRecord,
} from './demo-output';

/** An audit record as the hub keeps it; the AuditEvent under test is made by the hub's own mapper. */
function record(fields: Partial<AuditRecord>): AuditRecord {
  return {
    seq: 7,
    recordedAt: new Date('2026-11-30T10:51:02.345Z'),
    kind: 'decision',
    outcome: 'delivered',
    eventId: '0f4c3a52-1b6e-4c8a-9d2f-3e4a5b6c7d8e',
    eventType: 'treatment.appointment.missed',
    sender: 'slam-mhtr',
    recipient: 'nps-london-croydon',
    agreement: { id: 'cstr-south-london-mhtr', version: 1 },
    flowId: 'attendance-to-probation',
    refusingRule: null,
    reason: null,
    legalBasis: null,
    consentReference: null,
    removedElements: [],
    personIdentifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000123' }],
    actor: null,
    prevHash: '0'.repeat(64),
    hash: '1'.repeat(64),
    ...fields,
  } as unknown as AuditRecord;
}

describe('flowLineOf / formatFlowLine', () => {
  it('prints a delivery as time, sender → hub → recipient, event type and the agreement flow', () => {
    const line = flowLineOf(toAuditEvent(record({})));
    expect(line).toEqual({
      id: 'cstr-audit-7',
      at: '2026-11-30T10:51:02.345Z',
      sender: 'slam-mhtr',
      recipient: 'nps-london-croydon',
      eventType: 'treatment.appointment.missed',
      outcome: 'delivered',
      because: 'attendance-to-probation',
    });
    expect(formatFlowLine(line!)).toMatch(
      /^10:51:02 {2}slam-mhtr → hub → nps-london-croydon +treatment\.appointment\.missed +delivered \(attendance-to-probation\)$/,
    );
  });

  it('prints a refusal with the rule and the reason', () => {
    const line = flowLineOf(
      toAuditEvent(
        record({
          outcome: 'refused',
          flowId: null,
          agreement: null,
          refusingRule: 'consent-required',
          reason: 'No consent to share with this recipient',
        } as Partial<AuditRecord>),
      ),
    );
    expect(line).toMatchObject({
      outcome: 'refused',
      because: 'consent-required: No consent to share with this recipient',
    });
    expect(formatFlowLine(line!)).toContain('refused (consent-required: No consent to share with this recipient)');
  });

  it('prints a refusal at ingress without a recipient', () => {
    const line = flowLineOf(
      toAuditEvent(
        record({
          kind: 'refusal-at-ingress',
          outcome: 'refused',
          recipient: null,
          flowId: null,
          refusingRule: 'invalid-bundle',
          reason: 'MessageHeader missing',
        } as Partial<AuditRecord>),
      ),
    );
    expect(line?.recipient).toBeUndefined();
    expect(formatFlowLine(line!)).toMatch(
      /slam-mhtr → hub +treatment\.appointment\.missed +refused at ingress \(invalid-bundle: MessageHeader missing\)$/,
    );
  });

  it('prints an event only the hub keeps as kept by the hub', () => {
    const kept = record({
      kind: 'kept-by-hub',
      outcome: 'kept',
      recipient: 'cstr-hub',
      flowId: null,
      refusingRule: 'no-recipient',
      reason: "The hub applied it to the person's state",
    } as Partial<AuditRecord>);
    expect(formatFlowLine(flowLineOf(toAuditEvent(kept))!)).toMatch(
      /slam-mhtr → hub +treatment\.appointment\.missed +kept by the hub \(The hub applied it/,
    );
  });

  it("skips reads of audit data, operators' acts and records that name no event", () => {
    expect(
      flowLineOf(
        toAuditEvent(
          record({
            kind: 'read',
            outcome: 'read',
            actor: 'ig-lead',
            sender: null,
            recipient: null,
            eventType: null,
          } as Partial<AuditRecord>),
        ),
      ),
    ).toBeUndefined();
    expect(
      flowLineOf(
        toAuditEvent(
          record({
            kind: 'operator-action',
            outcome: 'performed',
            actor: 'ops',
            recipient: null,
            flowId: null,
          } as Partial<AuditRecord>),
        ),
      ),
    ).toBeUndefined();
    expect(flowLineOf({ resourceType: 'AuditEvent' } as AuditEvent)).toBeUndefined();
  });
});

describe('arrivals in stand-ins', () => {
  const contact: ArrivalRecord = {
    id: 'r1',
    kind: 'delius',
    partnerId: 'nps-london-croydon',
    direction: 'received',
    at: '2026-11-30T10:51:03.000Z',
    method: 'POST',
    url: '/sandbox/delius/nps-london-croydon/case/X412563/contacts',
    status: 201,
    body: { type: 'AFTA', date: '2026-11-29', externalReference: 'e1' },
  };

  it('summarises Delius contacts and alerts, and FHIR writes by resource type and status', () => {
    expect(summariseArrival(contact)).toBe('contact AFTA');
    expect(
      summariseArrival({
        ...contact,
        url: '/sandbox/delius/nps-london-croydon/case/X412563/alerts',
        body: { type: 'MHTR', notes: 'Missed session' },
      }),
    ).toBe('alert MHTR');
    expect(
      summariseArrival({
        ...contact,
        kind: 'fhir',
        url: '/sandbox/fhir/slam-mhtr/Task',
        body: { resourceType: 'Task', status: 'requested' },
      }),
    ).toBe('Task requested');
    expect(formatArrival(contact)).toMatch(
      /^10:51:03 {4}↳ written in nps-london-croydon \(delius\) +contact AFTA +201$/,
    );
  });

  it('leaves out reads and the pushes the stand-ins made', () => {
    expect(formatArrival({ ...contact, method: 'GET' })).toBeUndefined();
    expect(formatArrival({ ...contact, direction: 'sent' })).toBeUndefined();
  });
});

describe('newLines', () => {
  it('returns each flow and arrival once, oldest first', () => {
    const seen = new Set<string>();
    const later = toAuditEvent(record({ seq: 9, recordedAt: new Date('2026-11-30T10:51:05Z') }));
    const earlier = toAuditEvent(record({ seq: 8, recordedAt: new Date('2026-11-30T10:51:01Z') }));
    const arrival: ArrivalRecord = {
      id: 'a1',
      kind: 'fhir',
      partnerId: 'slam-mhtr',
      direction: 'received',
      at: '2026-11-30T10:51:03Z',
      method: 'POST',
      url: '/sandbox/fhir/slam-mhtr/CareTeam',
      status: 201,
      body: { resourceType: 'CareTeam', status: 'active' },
    };
    const first = newLines(seen, [later, earlier], [arrival]);
    expect(first.map((line) => line.at)).toEqual([
      '2026-11-30T10:51:01.000Z',
      '2026-11-30T10:51:03Z',
      '2026-11-30T10:51:05.000Z',
    ]);
    expect(first[1].text).toContain('CareTeam active');
    expect(newLines(seen, [later, earlier], [arrival])).toEqual([]);
  });
});
