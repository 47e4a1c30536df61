import { Logger } from '@nestjs/common';
import { InboxAcknowledgements } from '@cstr/platform';
import type { GpRegistrationAdapterConfig } from '../gp-registration-adapter.config';
import { KnownRegistrationPurgeScheduler } from './known-registration-purge.scheduler';
import type { KnownRegistrationPurge } from './known-registration.purge';

const DUE_BEFORE = new Date('2023-12-06T09:00:00.000Z');

function schedulerWith(run: KnownRegistrationPurge['run']): {
  scheduler: KnownRegistrationPurgeScheduler;
  metrics: InboxAcknowledgements;
} {
  const metrics = new InboxAcknowledgements('gp', 'PDS');
  const config = { RETENTION_PURGE_INTERVAL_MS: 0 } as GpRegistrationAdapterConfig;
  return {
    scheduler: new KnownRegistrationPurgeScheduler({ run } as KnownRegistrationPurge, config, metrics),
    metrics,
  };
}

describe('KnownRegistrationPurgeScheduler', () => {
  afterEach(() => jest.restoreAllMocks());

  it('counts what each run deleted at GET /metrics and logs counts only', async () => {
    const logged = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const deleted = [7, 0, 5];
    const { scheduler, metrics } = schedulerWith(async () => ({
      deleted: deleted.shift() ?? 0,
      dueBefore: DUE_BEFORE,
    }));
    for (let run = 0; run < 3; run += 1) await scheduler.runOnce();
    expect(await metrics.registry.metrics()).toMatch(/^cstr_gp_known_registrations_purged_total 12$/m);
    // A run that deleted nothing logs nothing.
    expect(logged.mock.calls.map(([message]) => message)).toEqual([
      'Retention purge of known-gp-registrations: 7 known GP registrations deleted, last read before 2023-12-06T09:00:00.000Z.',
      'Retention purge of known-gp-registrations: 5 known GP registrations deleted, last read before 2023-12-06T09:00:00.000Z.',
    ]);
  });

  it('a failed run counts nothing and is tried again on the next', async () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    let calls = 0;
    const { scheduler, metrics } = schedulerWith(async () => {
      calls += 1;
      if (calls === 1) throw new Error('database down');
      return { deleted: 2, dueBefore: DUE_BEFORE };
    });
    expect(await scheduler.runOnce()).toBeUndefined();
    expect(warned).toHaveBeenCalledWith(
      expect.stringMatching(/^Retention purge of known-gp-registrations not finished/),
    );
    expect(await metrics.registry.metrics()).toMatch(/^cstr_gp_known_registrations_purged_total 0$/m);
    expect(await scheduler.runOnce()).toEqual({ deleted: 2, dueBefore: DUE_BEFORE });
    expect(await metrics.registry.metrics()).toMatch(/^cstr_gp_known_registrations_purged_total 2$/m);
  });
});
