import { InboxAcknowledgements } from '@cstr/platform';
import type { HmctsListingsAdapterConfig } from '../hmcts-listings-adapter.config';
import { RawPayloadPurgeScheduler } from './raw-payload-purge.scheduler';
import type { RawPayloadPurge } from './raw-payload.purge';

const DUE_BEFORE = new Date('2026-04-01T09:00:00.000Z');

function schedulerWith(run: RawPayloadPurge['run']): {
  scheduler: RawPayloadPurgeScheduler;
  metrics: InboxAcknowledgements;
} {
  const metrics = new InboxAcknowledgements('court', 'Common Platform');
  const config = { RETENTION_PURGE_INTERVAL_MS: 0 } as HmctsListingsAdapterConfig;
  return { scheduler: new RawPayloadPurgeScheduler({ run } as RawPayloadPurge, config, metrics), metrics };
}

describe('RawPayloadPurgeScheduler', () => {
  it('counts what each run deleted at GET /metrics', async () => {
    const deleted = [7, 0, 5];
    const { scheduler, metrics } = schedulerWith(async () => ({
      deleted: deleted.shift() ?? 0,
      dueBefore: DUE_BEFORE,
    }));
    for (let run = 0; run < 3; run += 1) await scheduler.runOnce();
    expect(await metrics.registry.metrics()).toMatch(/^cstr_court_raw_payloads_purged_total 12$/m);
  });

  it('a failed run counts nothing and is tried again on the next', async () => {
    let calls = 0;
    const { scheduler, metrics } = schedulerWith(async () => {
      calls += 1;
      if (calls === 1) throw new Error('database down');
      return { deleted: 2, dueBefore: DUE_BEFORE };
    });
    expect(await scheduler.runOnce()).toBeUndefined();
    expect(await metrics.registry.metrics()).toMatch(/^cstr_court_raw_payloads_purged_total 0$/m);
    expect(await scheduler.runOnce()).toEqual({ deleted: 2, dueBefore: DUE_BEFORE });
    expect(await metrics.registry.metrics()).toMatch(/^cstr_court_raw_payloads_purged_total 2$/m);
  });
});
