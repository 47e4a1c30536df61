import fc from 'fast-check';
import { AuditChainKey, GENESIS_HASH } from './audit-chain';
import type { AuditRecord } from './audit-record.types';
import { ChainVerifier, type ChainHead } from './chain-verifier';

const key = new AuditChainKey('chain-verifier-test-key-0123456789');

/** A valid chain of `count` records, and its head, built as AuditLog.append builds them. */
function chain(count: number): { records: AuditRecord[]; head: ChainHead } {
  const records: AuditRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq += 1) {
    const content = {
      seq,
      recordedAt: new Date(Date.UTC(2026, 4, 1, 9, 0, seq)),
      kind: 'decision' as const,
      outcome: seq % 3 === 0 ? ('refused' as const) : ('delivered' as const),
      eventId: `event-${seq}`,
      eventType: 'treatment.appointment.attended',
      sender: 'slam-mh',
      recipient: `partner-${seq % 4}`,
      agreement: seq % 3 === 0 ? null : { id: 'cstr-south-london', version: 3 },
      flowId: seq % 3 === 0 ? null : 'attendance-to-probation',
      refusingRule: seq % 3 === 0 ? 'default-deny' : null,
      legalBasis: { article6: '6(1)(e)' },
      consentReference: null,
      removedElements: [`Patient.address`],
      actor: null,
      personIdentifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' }],
      reason: null,
    };
    const hash = key.recordHash(prevHash, content);
    records.push({ ...content, prevHash, hash });
    prevHash = hash;
  }
  return {
    records,
    head: { lastSeq: count, lastHash: prevHash, headMac: count === 0 ? null : key.headMac(count, prevHash) },
  };
}

function verify(records: readonly AuditRecord[], head: ChainHead): { seq: number; reason: string } | undefined {
  const verifier = new ChainVerifier(key);
  for (const record of records) {
    const broken = verifier.next(record);
    if (broken) return { seq: broken.seq, reason: broken.reason };
  }
  const broken = verifier.end(head);
  return broken && { seq: broken.seq, reason: broken.reason };
}

describe('ChainVerifier', () => {
  it('accepts a valid chain of any length, the empty one included', () => {
    for (const count of [0, 1, 2, 17]) {
      const { records, head } = chain(count);
      expect(verify(records, head)).toBeUndefined();
    }
  });

  it('names the edited record, whatever record and field is edited', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom('recipient', 'outcome', 'reason', 'removedElements', 'recordedAt', 'legalBasis'),
        (seq, field) => {
          const { records, head } = chain(12);
          const edits: Record<string, Partial<AuditRecord>> = {
            recipient: { recipient: 'somebody-else' },
            outcome: { outcome: records[seq - 1].outcome === 'refused' ? 'delivered' : 'refused' },
            reason: { reason: 'nothing to see' },
            removedElements: { removedElements: [] },
            recordedAt: { recordedAt: new Date(records[seq - 1].recordedAt.getTime() + 1) },
            legalBasis: { legalBasis: { article6: '6(1)(a)' } },
          };
          records[seq - 1] = { ...records[seq - 1], ...edits[field] };
          expect(verify(records, head)).toEqual({ seq, reason: 'hash-mismatch' });
        },
      ),
    );
  });

  it('names the first missing record when records are deleted from the middle', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 3 }), (from, count) => {
        const { records, head } = chain(12);
        records.splice(from - 1, Math.min(count, 12 - from));
        expect(verify(records, head)).toEqual({ seq: from, reason: 'sequence-gap' });
      }),
    );
  });

  it('names the first of two swapped records, whether numbers or contents are swapped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 11 }), fc.boolean(), (seq, keepNumbers) => {
        const { records, head } = chain(12);
        const [a, b] = [records[seq - 1], records[seq]];
        records[seq - 1] = keepNumbers
          ? { ...b, seq: a.seq }
          : { ...b, seq: a.seq, prevHash: a.prevHash, hash: a.hash };
        records[seq] = keepNumbers ? { ...a, seq: b.seq } : { ...a, seq: b.seq, prevHash: b.prevHash, hash: b.hash };
        expect(verify(records, head)?.seq).toBe(seq);
      }),
    );
  });

  it('names a record forged without the key, even one that links to the chain correctly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.string({ minLength: 32, maxLength: 64 }), (seq, guessedKey) => {
        fc.pre(guessedKey !== 'chain-verifier-test-key-0123456789');
        const { records, head } = chain(12);
        const forger = new AuditChainKey(guessedKey.padEnd(32, '.'));
        const forged = { ...records[seq - 1], reason: 'forged' };
        records[seq - 1] = { ...forged, hash: forger.recordHash(forged.prevHash, forged) };
        expect(verify(records, head)).toEqual({ seq, reason: 'hash-mismatch' });
      }),
    );
  });

  it('sees the newest records deleted, with or without the head rewound', () => {
    const { records, head } = chain(10);
    expect(verify(records.slice(0, 8), head)).toEqual({ seq: 9, reason: 'missing-tail' });
    const rewound: ChainHead = { lastSeq: 8, lastHash: records[7].hash, headMac: head.headMac };
    expect(verify(records.slice(0, 8), rewound)).toEqual({ seq: 8, reason: 'head-mismatch' });
    expect(verify(records.slice(0, 8), { ...rewound, headMac: key.headMac(8, records[7].hash) })).toBeUndefined();
  });

  it('sees a record beyond the head, and a head of an empty chain with a MAC', () => {
    const { records, head } = chain(3);
    expect(verify(records, { ...head, lastSeq: 2, lastHash: records[1].hash })).toEqual({
      seq: 2,
      reason: 'head-mismatch',
    });
    expect(verify([], { lastSeq: 0, lastHash: GENESIS_HASH, headMac: 'f'.repeat(64) })).toEqual({
      seq: 0,
      reason: 'head-mismatch',
    });
  });

  it('sees a timestamp with digits the hash cannot cover, and a record numbered below 1', () => {
    const { records } = chain(2);
    expect(new ChainVerifier(key).next(records[0], true)).toMatchObject({ seq: 1, reason: 'hash-mismatch' });
    expect(new ChainVerifier(key).next({ ...records[0], seq: 0 })).toMatchObject({ seq: 0, reason: 'sequence-gap' });
  });
});
