import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditChainKey, AuditKeyRing } from './audit-chain';
import {
  FileCheckpointStore,
  chainsCheckpointName,
  checkChainsCheckpoint,
  checkCheckpoint,
  checkpointLayout,
  checkpointName,
  checkpointNumber,
  recordsCovered,
  signChainsCheckpoint,
  signCheckpoint,
} from './audit-checkpoint';
import { AUDIT_CHAIN_SEQ_SPAN } from './audit-schema.migration';
import { ChainVerifier } from './chain-verifier';

const key = new AuditChainKey('audit-checkpoint-spec-key-0123456789abcdef');
const ring = new AuditKeyRing([key]);
const AT = new Date('2026-05-01T10:00:00.000Z');
const hash = (digit: string): string => digit.repeat(64);

const HEADS = [
  { chain: 'main', seq: 12, hash: hash('a') },
  { chain: 'hub.ingress.p0', seq: AUDIT_CHAIN_SEQ_SPAN + 5, hash: hash('b') },
  { chain: 'hub.ingress.p1', seq: 2 * AUDIT_CHAIN_SEQ_SPAN + 1, hash: hash('c') },
];

describe('checkpoints of every chain', () => {
  it('counts the records the heads cover, each chain from its own base', () => {
    expect(recordsCovered(HEADS)).toBe(12 + 5 + 1);
    expect(recordsCovered([{ chain: 'main', seq: AUDIT_CHAIN_SEQ_SPAN, hash: hash('a') }])).toBe(AUDIT_CHAIN_SEQ_SPAN);
    expect(chainsCheckpointName(18)).toBe('audit-checkpoint-chains-0000000000000018.json');
  });

  it('tells the two layouts apart by name', () => {
    expect(checkpointLayout(checkpointName(12))).toBe('main');
    expect(checkpointLayout(chainsCheckpointName(18))).toBe('chains');
    expect(checkpointLayout('audit-checkpoint-12.json')).toBeUndefined();
    expect(checkpointLayout(`.${chainsCheckpointName(18)}.1.tmp`)).toBeUndefined();
    expect(checkpointNumber(checkpointName(12))).toBe(12);
    expect(checkpointNumber(chainsCheckpointName(18))).toBe(18);
    // Every name of the new layout sorts after every name from before chains.
    expect([chainsCheckpointName(1), checkpointName(9_999_999_999)].sort()[1]).toBe(chainsCheckpointName(1));
  });

  it('signs the heads in seq order, and checks a stored checkpoint: its name, its signature, its key', () => {
    const checkpoint = signChainsCheckpoint(key, [HEADS[2], HEADS[0], HEADS[1]], AT);
    expect(checkpoint).toEqual({
      format: 2,
      at: '2026-05-01T10:00:00.000Z',
      keyId: 'k1',
      heads: HEADS,
      mac: key.chainsCheckpointMac('2026-05-01T10:00:00.000Z', HEADS),
    });
    const text = JSON.stringify(checkpoint);
    const name = chainsCheckpointName(18);
    expect(checkChainsCheckpoint({ name, text }, ring)).toEqual({ ok: true, checkpoint });
    expect(checkChainsCheckpoint({ name: chainsCheckpointName(17), text }, ring)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/covers 18 records, not the number of its name/),
    });
    const other = new AuditKeyRing([new AuditChainKey('audit-checkpoint-spec-other-key-0123456789', 'k2')]);
    expect(checkChainsCheckpoint({ name, text }, other)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/key the ring does not hold/),
    });
    expect(checkChainsCheckpoint({ name, text: '{' }, ring)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not JSON/),
    });
  });

  it('binds every head to its chain: a head moved, swapped to another chain, dropped or listed twice fails', () => {
    const checkpoint = signChainsCheckpoint(key, HEADS, AT);
    const check = (heads: unknown[]) =>
      checkChainsCheckpoint(
        {
          name: chainsCheckpointName(recordsCovered(heads as typeof HEADS)),
          text: JSON.stringify({ ...checkpoint, heads }),
        },
        ring,
      );
    const [main, p0, p1] = HEADS;
    expect(check([main, { ...p0, hash: hash('d') }, p1])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not signed/),
    });
    expect(check([main, { ...p0, chain: 'hub.ingress.p2' }, p1])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not signed/),
    });
    expect(check([main, p0])).toMatchObject({ ok: false, reason: expect.stringMatching(/not signed/) });
    expect(check([main, p0, { ...p1, chain: 'hub.ingress.p0' }])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/each chain once/),
    });
    expect(check([main, p1, p0])).toMatchObject({ ok: false, reason: expect.stringMatching(/in seq order/) });
    expect(check([])).toMatchObject({ ok: false, reason: expect.stringMatching(/not a checkpoint of format 2/) });
    expect(check([main, { ...p0, chain: 'Not A Chain\n' }, p1])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/format 2/),
    });
  });

  it('never takes one layout for the other', () => {
    const legacy = signCheckpoint(key, 12, hash('a'), AT);
    expect(checkChainsCheckpoint({ name: chainsCheckpointName(12), text: JSON.stringify(legacy) }, ring)).toMatchObject(
      { ok: false, reason: expect.stringMatching(/not a checkpoint of format 2/) },
    );
    const chains = signChainsCheckpoint(key, [HEADS[0]], AT);
    expect(checkCheckpoint({ name: checkpointName(12), text: JSON.stringify(chains) }, ring)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a checkpoint of format 1/),
    });
    // The same head under the two MACs: different texts are signed.
    expect(key.chainsCheckpointMac(legacy.at, [HEADS[0]])).not.toBe(legacy.mac);
  });

  it('a partition chain cut back before its checkpoint is truncated, counted from its own first record', () => {
    const first = AUDIT_CHAIN_SEQ_SPAN + 1;
    const verifier = new ChainVerifier(
      ring,
      { seq: AUDIT_CHAIN_SEQ_SPAN + 5, hash: hash('b'), at: AT.toISOString() },
      first,
    );
    expect(verifier.end({ lastSeq: first - 1, lastHash: '0'.repeat(64), headMac: null })).toEqual({
      seq: first,
      reason: 'truncated',
      detail: `The checkpoint of 2026-05-01T10:00:00.000Z saw 5 records, up to ${AUDIT_CHAIN_SEQ_SPAN + 5}; the chain has none.`,
    });
  });
});

describe('FileCheckpointStore', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'audit-checkpoint-store-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('keeps both layouts and gives the latest of each', async () => {
    const store = await FileCheckpointStore.open(folder, { create: false });
    expect(await store.latest('chains')).toBeUndefined();
    expect(await store.put(checkpointName(9), 'nine')).toBe('written');
    expect(await store.put(checkpointName(12), 'twelve')).toBe('written');
    expect(await store.put(chainsCheckpointName(18), 'eighteen')).toBe('written');
    expect(await store.put(chainsCheckpointName(7), 'seven')).toBe('written');
    expect(await store.put(chainsCheckpointName(7), 'other')).toBe('exists');
    expect(await store.latest('main')).toEqual({ name: checkpointName(12), text: 'twelve' });
    expect(await store.latest('chains')).toEqual({ name: chainsCheckpointName(18), text: 'eighteen' });
    await expect(store.put('audit-checkpoint-chains-7.json', 'x')).rejects.toThrow(/Not a checkpoint name/);
  });
});
