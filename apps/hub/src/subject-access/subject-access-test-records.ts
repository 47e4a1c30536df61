/** Audit records and consents the subject access unit tests build their documents from. */
import type { AuditRecord } from '@cstr/audit';
import type { ConsentRecord } from '@cstr/policy';
import { NHS_NUMBER_SYSTEM, CRN_SYSTEM } from '@cstr/identity';

/** The person of the tests. */
export const TEST_IDENTIFIERS = [
  { system: NHS_NUMBER_SYSTEM, value: '9990000123' },
  { system: CRN_SYSTEM, value: 'X412563' },
];

/** An audit record with the fields a test does not care about filled in. */
export function auditRecord(seq: number, fields: Partial<AuditRecord>): AuditRecord {
  return {
    seq,
    recordedAt: new Date(Date.UTC(2026, 11, 1, 10, 0, seq)),
    kind: 'decision',
    outcome: 'delivered',
    eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    eventType: 'court.sentence.imposed',
    sender: 'croydon-mc',
    recipient: 'slam-mhtr',
    agreement: { id: 'cstr-south-london-court', version: 2 },
    flowId: 'sentence-to-provider',
    refusingRule: null,
    legalBasis: { article6: '6(1)(e)', article9: '9(2)(h)', statute: 'Criminal Justice Act 2003 s207' },
    consentReference: null,
    removedElements: [],
    actor: null,
    personIdentifiers: TEST_IDENTIFIERS,
    reason: 'To arrange the treatment the court required.',
    prevHash: '0'.repeat(64),
    keyId: 'k1',
    hash: 'f'.repeat(64),
    ...fields,
  };
}

/** A consent the provider recorded for probation, relied on by one disclosure. */
export const TEST_CONSENT: ConsentRecord = {
  ref: 'Consent?identifier=https://slam.example/consent|C-1',
  discloser: 'slam-mhtr',
  status: 'active',
  period: { start: '2026-12-01' },
  recipients: ['nps-london-croydon'],
  withdrawnRecipients: [],
};
