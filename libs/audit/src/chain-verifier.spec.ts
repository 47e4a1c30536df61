import fc from 'fast-check';
import { AuditChainKey, AuditKeyRing, GENESIS_HASH } from './audit-chain';
import { checkCheckpoint, checkpointName, signCheckpoint } from './audit-checkpoint';
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
    records.push({ ...content, prevHash, hash, keyId: key.id });
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

  describe('key rotation', () => {
    const ring = new AuditKeyRing([key, new AuditChainKey('chain-verifier-second-key-0123456789', 'k2')]);
    const k2 = ring.key('k2') as AuditChainKey;

    /** `count` records: the first `underFirst` under k1, the rest under k2 (the head under the last one's key). */
    function rotated(count: number, underFirst: number): { records: AuditRecord[]; head: ChainHead } {
      const { records } = chain(count);
      let prevHash = GENESIS_HASH;
      const rechained = records.map((record) => {
        const signer = record.seq <= underFirst ? key : k2;
        const hash = signer.recordHash(prevHash, record);
        const next = { ...record, prevHash, hash, keyId: signer.id };
        prevHash = hash;
        return next;
      });
      const signer = count <= underFirst ? key : k2;
      return {
        records: rechained,
        head: { lastSeq: count, lastHash: prevHash, headMac: signer.headMac(count, prevHash), keyId: signer.id },
      };
    }

    function verifyWith(keys: AuditKeyRing, records: readonly AuditRecord[], head: ChainHead) {
      const verifier = new ChainVerifier(keys);
      for (const record of records) {
        const broken = verifier.next(record);
        if (broken) return { seq: broken.seq, reason: broken.reason };
      }
      const broken = verifier.end(head);
      return broken && { seq: broken.seq, reason: broken.reason };
    }

    it('accepts records under an earlier key of the ring, and the head under the later one', () => {
      const { records, head } = rotated(10, 6);
      expect(verifyWith(ring, records, head)).toBeUndefined();
      // Without the retired key the records made under it cannot be checked.
      expect(verifyWith(new AuditKeyRing([k2]), records, head)).toEqual({ seq: 1, reason: 'unknown-key' });
    });

    it('refuses a record under a key the ring does not hold, and a return to a retired key', () => {
      const { records, head } = rotated(10, 6);
      const stranger = new AuditChainKey('somebody-elses-key-0123456789abcdef', 'k9');
      const forged = { ...records[7], keyId: 'k9' };
      records[7] = { ...forged, hash: stranger.recordHash(forged.prevHash, forged) };
      expect(verifyWith(ring, records, head)).toEqual({ seq: 8, reason: 'unknown-key' });

      const again = rotated(10, 6);
      const back = { ...again.records[7], keyId: 'k1' };
      again.records[7] = { ...back, hash: key.recordHash(back.prevHash, back) };
      expect(verifyWith(ring, again.records, again.head)).toEqual({ seq: 8, reason: 'unknown-key' });
    });

    it('refuses a record that names another key than the one it was made under', () => {
      const { records, head } = rotated(10, 6);
      records[2] = { ...records[2], keyId: 'k2' };
      expect(verifyWith(ring, records, head)).toEqual({ seq: 3, reason: 'hash-mismatch' });
    });

    it('chooses the later of the current key and the head key to append with', () => {
      const staged = new AuditKeyRing([key, k2], 'k1');
      expect(staged.appendKey('k1')?.id).toBe('k1');
      expect(staged.appendKey('k2')?.id).toBe('k2');
      expect(staged.appendKey('k7')).toBeUndefined();
      expect(AuditKeyRing.parse('a1:' + 'x'.repeat(32) + ', a2:' + 'y'.repeat(40)).current.id).toBe('a2');
      expect(() => AuditKeyRing.parse('a1:short')).toThrow(/a1 needs at least 32 bytes/);
      expect(() => AuditKeyRing.parse('a1:' + 'x'.repeat(32), 'a3')).toThrow(/a3 is not in the ring/);
      expect(() => AuditKeyRing.parse(`a1:${'x'.repeat(32)},a1:${'y'.repeat(32)}`)).toThrow(/used twice/);
      expect(() => AuditKeyRing.parse('x'.repeat(40))).toThrow(/must be id:secret/);
    });
  });

  describe('checkpoints', () => {
    const ring = new AuditKeyRing([key]);

    function verifyAgainst(records: readonly AuditRecord[], head: ChainHead, seq: number, hash: string) {
      const checkpoint = signCheckpoint(key, seq, hash, new Date('2026-05-01T10:00:00Z'));
      const verifier = new ChainVerifier(ring, checkpoint);
      for (const record of records) {
        const broken = verifier.next(record);
        if (broken) return { seq: broken.seq, reason: broken.reason };
      }
      const broken = verifier.end(head);
      return broken && { seq: broken.seq, reason: broken.reason };
    }

    it('accepts a chain that reaches the checkpoint with its hash there', () => {
      const { records, head } = chain(10);
      expect(verifyAgainst(records, head, 7, records[6].hash)).toBeUndefined();
      expect(verifyAgainst(records, head, 10, records[9].hash)).toBeUndefined();
    });

    it('sees a chain cut back before the checkpoint even with a head that verifies', () => {
      const { records } = chain(10);
      const head = { lastSeq: 6, lastHash: records[5].hash, headMac: key.headMac(6, records[5].hash) };
      expect(verifyAgainst(records.slice(0, 6), head, 9, records[8].hash)).toEqual({ seq: 7, reason: 'truncated' });
    });

    it('sees a chain rewound and written again past the checkpoint', () => {
      const { records, head } = chain(10);
      expect(verifyAgainst(records, head, 8, 'e'.repeat(64))).toEqual({ seq: 8, reason: 'rewound' });
    });

    it('checks a stored checkpoint: its signature, its key and its name', () => {
      const checkpoint = signCheckpoint(key, 12, 'a'.repeat(64), new Date('2026-05-01T10:00:00Z'));
      const text = JSON.stringify(checkpoint);
      expect(checkCheckpoint({ name: checkpointName(12), text }, ring)).toEqual({ ok: true, checkpoint });
      expect(checkCheckpoint({ name: checkpointName(13), text }, ring)).toMatchObject({ ok: false });
      const moved = JSON.stringify({ ...checkpoint, seq: 13 });
      expect(checkCheckpoint({ name: checkpointName(13), text: moved }, ring)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/not signed/),
      });
      const other = new AuditKeyRing([new AuditChainKey('chain-verifier-second-key-0123456789', 'k2')]);
      expect(checkCheckpoint({ name: checkpointName(12), text }, other)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/key the ring does not hold/),
      });
      expect(checkCheckpoint({ name: checkpointName(12), text: '{' }, ring)).toMatchObject({ ok: false });
    });
  });
});
