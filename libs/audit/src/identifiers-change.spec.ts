import fc from 'fast-check';
import { AUDIT_RECORD_FORMAT, AuditChainKey, AuditKeyRing, GENESIS_HASH, type ChainedContent } from './audit-chain';
import type { AuditIdentifiersChangeKind, AuditPersonIdentifier, AuditRecord } from './audit-record.types';
import { ChainVerifier, recordContentBreak, type ChainHead } from './chain-verifier';

const ring = AuditKeyRing.parse('k1:identifiers-change-test-key-0123456789,k2:identifiers-change-second-key-012345');
const k1 = ring.key('k1') as AuditChainKey;
const NHS = { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' };
const CRN = { system: 'https://cstr-hub.org.uk/fhir/Id/crn', value: 'X123456' };
const CHANGED_AT = new Date('2027-01-05T10:00:00.000Z');

/** A valid chain of `count` records in `format`, about one person, as AuditLog.append builds them. */
function chain(count: number, format: 1 | 2): { records: AuditRecord[]; head: ChainHead } {
  const records: AuditRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq += 1) {
    const personIdentifiers = [NHS, CRN];
    const content: ChainedContent = {
      seq,
      recordedAt: new Date(Date.UTC(2026, 4, 1, 9, 0, seq)),
      kind: 'decision',
      outcome: 'delivered',
      eventId: `event-${seq}`,
      eventType: 'treatment.appointment.attended',
      sender: 'slam-mh',
      recipient: 'nps-london',
      agreement: { id: 'cstr-south-london', version: 3 },
      flowId: 'attendance-to-probation',
      refusingRule: null,
      legalBasis: { article6: '6(1)(e)' },
      consentReference: null,
      removedElements: ['Patient.address'],
      actor: null,
      personIdentifiers,
      reason: null,
      ...(format === AUDIT_RECORD_FORMAT
        ? { format, personKeys: personIdentifiers.map((identifier) => k1.personKey(identifier)) }
        : {}),
    };
    const hash = k1.recordHash(prevHash, content);
    records.push({ ...content, prevHash, hash, keyId: k1.id });
    prevHash = hash;
  }
  return { records, head: { lastSeq: count, lastHash: prevHash, headMac: k1.headMac(count, prevHash) } };
}

/** `record` with its identifiers changed as AuditLog changes them, under `key`. */
function changed(
  record: AuditRecord,
  kind: AuditIdentifiersChangeKind,
  personIdentifiers: readonly AuditPersonIdentifier[],
  key: AuditChainKey = ring.current,
): AuditRecord {
  const mac = key.identifiersMac(record, { kind, at: CHANGED_AT, personIdentifiers });
  return { ...record, personIdentifiers, identifiersChange: { kind, at: CHANGED_AT, keyId: key.id, mac } };
}

function verify(records: readonly AuditRecord[], head: ChainHead): { seq: number; reason: string } | undefined {
  const verifier = new ChainVerifier(ring);
  for (const record of records) {
    const broken = verifier.next(record);
    if (broken) return { seq: broken.seq, reason: broken.reason };
  }
  const broken = verifier.end(head);
  return broken && { seq: broken.seq, reason: broken.reason };
}

describe('person identifiers beside the chain (format 2)', () => {
  it('the chain commits to keyed hashes only: no identifier value is in the hashed content', () => {
    const [record] = chain(1, 2).records;
    expect(record.personKeys).toHaveLength(2);
    expect(record.personKeys?.[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(record.personKeys)).not.toContain(NHS.value);
    // Another key gives other keyed hashes: nobody without the key can test a guess.
    expect(ring.key('k2')?.personKey(NHS)).not.toBe(k1.personKey(NHS));
  });

  it('a chain whose records were erased, rectified, or both verifies', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('keep', 'erase', 'rectify', 'both'), { minLength: 6, maxLength: 6 }),
        (plan) => {
          const { records, head } = chain(6, 2);
          const edited = records.map((record, index) => {
            const step = plan[index];
            if (step === 'keep') return record;
            if (step === 'erase') return changed(record, 'erased', []);
            const rectified = changed(record, 'rectified', [NHS, { ...CRN, value: 'X654321' }], k1);
            return step === 'both' ? changed(rectified, 'erased', []) : rectified;
          });
          expect(verify(edited, head)).toBeUndefined();
        },
      ),
    );
  });

  it('identifiers changed without the key are found: edited, put back after an erasure, or a change forged', () => {
    const { records, head } = chain(5, 2);
    const erased = changed(records[2], 'erased', []);
    const cases: [AuditRecord, string][] = [
      [{ ...records[1], personIdentifiers: [{ ...NHS, value: '9990000026' }, CRN] }, 'edited'],
      [{ ...erased, personIdentifiers: [NHS] }, 'put back'],
      [{ ...records[1], personIdentifiers: [], identifiersChange: erased.identifiersChange }, 'forged'],
      [changed(records[1], 'erased', [], new AuditChainKey('a-key-the-hub-does-not-hold-0123456789')), 'wrong key'],
    ];
    for (const [record, label] of cases) {
      const tampered = records.map((each) => (each.seq === record.seq ? record : each));
      expect({ label, broken: verify(tampered, head) }).toEqual({
        label,
        broken: { seq: record.seq, reason: 'identifiers-mismatch' },
      });
    }
  });

  it('an erased record whose decision is then edited is still found', () => {
    const { records, head } = chain(4, 2);
    const erased = changed(records[1], 'erased', []);
    const edited = [records[0], { ...erased, recipient: 'somebody-else' }, records[2], records[3]];
    expect(verify(edited, head)).toEqual({ seq: 2, reason: 'hash-mismatch' });
  });
});

describe('records of format 1 (identifiers hashed as they are)', () => {
  it('still verify as written', () => {
    const { records, head } = chain(4, 1);
    expect(records[0].format).toBeUndefined();
    expect(verify(records, head)).toBeUndefined();
  });

  it('verify once erased, the change MAC standing for the identifiers the hash covered', () => {
    const { records, head } = chain(4, 1);
    const erased = records.map((record) => (record.seq % 2 === 0 ? changed(record, 'erased', []) : record));
    expect(verify(erased, head)).toBeUndefined();
  });

  it('an erased record edited afterwards, or erased without the key, is found', () => {
    const { records, head } = chain(4, 1);
    const erased = changed(records[2], 'erased', []);
    const edited = records.map((record) => (record.seq === 3 ? { ...erased, reason: 'rewritten' } : record));
    expect(verify(edited, head)).toEqual({ seq: 3, reason: 'hash-mismatch' });
    const stripped = records.map((record) => (record.seq === 3 ? { ...record, personIdentifiers: [] } : record));
    expect(verify(stripped, head)).toEqual({ seq: 3, reason: 'hash-mismatch' });
  });

  it('recordContentBreak checks one record alone, as AuditLog does before it changes identifiers', () => {
    const { records } = chain(2, 1);
    expect(recordContentBreak(ring, k1, records[1], records[1].prevHash)).toBeUndefined();
    expect(recordContentBreak(ring, k1, { ...records[1], sender: 'x' }, records[1].prevHash)).toBe('hash-mismatch');
  });
});
