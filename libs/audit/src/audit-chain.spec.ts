import {
  AuditChainKey,
  AuditKeyError,
  GENESIS_HASH,
  hashedContent,
  sameDigest,
  type ChainedContent,
} from './audit-chain';

const KEY = 'k'.repeat(32);

function content(overrides: Partial<ChainedContent> = {}): ChainedContent {
  return {
    seq: 1,
    recordedAt: new Date('2026-05-01T10:00:00.123Z'),
    kind: 'decision',
    outcome: 'delivered',
    eventId: '0b8f1c2e-7c1a-4f7e-9a51-2f3c4d5e6f70',
    eventType: 'treatment.appointment.attended',
    sender: 'slam-mh',
    recipient: 'nps-london',
    agreement: { id: 'cstr-south-london', version: 3 },
    flowId: 'attendance-to-probation',
    refusingRule: null,
    legalBasis: { article6: '6(1)(e)', article9: '9(2)(h)' },
    consentReference: 'Consent/c1',
    removedElements: ['Patient.address'],
    actor: null,
    personIdentifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' }],
    reason: null,
    ...overrides,
  };
}

describe('AuditChainKey', () => {
  const key = new AuditChainKey(KEY);

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => new AuditChainKey('short')).toThrow(AuditKeyError);
    expect(() => new AuditChainKey(Buffer.alloc(31))).toThrow(AuditKeyError);
  });

  it('gives a 64-hex-digit hash that depends on the key', () => {
    const hash = key.recordHash(GENESIS_HASH, content());
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(new AuditChainKey('x'.repeat(32)).recordHash(GENESIS_HASH, content())).not.toBe(hash);
  });

  it('gives the same hash however the jsonb round trip reorders keys', () => {
    const reordered = content({ legalBasis: { article9: '9(2)(h)', article6: '6(1)(e)' } });
    expect(key.recordHash(GENESIS_HASH, reordered)).toBe(key.recordHash(GENESIS_HASH, content()));
  });

  it.each<[string, Partial<ChainedContent>]>([
    ['seq', { seq: 2 }],
    ['recordedAt (one millisecond)', { recordedAt: new Date('2026-05-01T10:00:00.124Z') }],
    ['outcome', { outcome: 'refused' }],
    ['recipient', { recipient: 'other-probation' }],
    ['agreement version', { agreement: { id: 'cstr-south-london', version: 4 } }],
    ['removed elements', { removedElements: [] }],
    ['removed element order', { removedElements: ['Patient.address', 'Patient.telecom'] }],
    ['person identifiers', { personIdentifiers: [] }],
    ['a null becoming an empty text', { reason: '' }],
  ])('changes when %s changes', (_name, change) => {
    expect(key.recordHash(GENESIS_HASH, content(change))).not.toBe(key.recordHash(GENESIS_HASH, content()));
  });

  it('chains: the same record after another previous hash has another hash', () => {
    expect(key.recordHash('1'.repeat(64), content())).not.toBe(key.recordHash(GENESIS_HASH, content()));
  });

  it('hashes the timestamp as ISO 8601 UTC to the millisecond', () => {
    expect(hashedContent(content())).toMatchObject({ recordedAt: '2026-05-01T10:00:00.123Z', seq: 1, format: 1 });
  });

  it('MACs the chain head over seq and hash', () => {
    const mac = key.headMac(5, 'a'.repeat(64));
    expect(key.headMac(5, 'a'.repeat(64))).toBe(mac);
    expect(key.headMac(4, 'a'.repeat(64))).not.toBe(mac);
    expect(key.headMac(5, 'b'.repeat(64))).not.toBe(mac);
  });
});

describe('sameDigest', () => {
  it('compares texts of any length without throwing', () => {
    expect(sameDigest('abc', 'abc')).toBe(true);
    expect(sameDigest('abc', 'abd')).toBe(false);
    expect(sameDigest('abc', 'abcd')).toBe(false);
  });
});
