import type { HubConfig } from '../hub.config';
import type { ClassPurgeOutcome, RetentionPurge } from './retention-purge';
import { RetentionScheduler } from './retention.scheduler';

/** A purge that counts its runs, failing when told to. */
function stubPurge(fail = false): { purge: RetentionPurge; runs: () => number } {
  let runs = 0;
  const purge = {
    run: async (): Promise<ClassPurgeOutcome[]> => {
      runs += 1;
      if (fail) throw new Error('database down');
      return [{ dataClass: 'report-facts', deleted: 2, dueBefore: new Date(0) }];
    },
  } as unknown as RetentionPurge;
  return { purge, runs: () => runs };
}

const config = (interval: number): HubConfig => ({ RETENTION_PURGE_INTERVAL_MS: interval }) as HubConfig;

describe('RetentionScheduler', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs a minute after start, then every interval', async () => {
    const { purge, runs } = stubPurge();
    const scheduler = new RetentionScheduler(purge, config(3_600_000));
    scheduler.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(59_999);
    expect(runs()).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs()).toBe(1);
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(runs()).toBe(2);
    await scheduler.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(10 * 3_600_000);
    expect(runs()).toBe(2);
  });

  it('a short interval is also the first delay; 0 never runs', async () => {
    const short = stubPurge();
    const quick = new RetentionScheduler(short.purge, config(1_000));
    quick.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3_000);
    expect(short.runs()).toBe(3);
    await quick.onApplicationShutdown();
    const off = stubPurge();
    new RetentionScheduler(off.purge, config(0)).onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(off.runs()).toBe(0);
  });

  it('a failed run gives no outcome and the next run still comes', async () => {
    const failing = stubPurge(true);
    const scheduler = new RetentionScheduler(failing.purge, config(1_000));
    await expect(scheduler.runOnce()).resolves.toEqual([]);
    scheduler.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(2_000);
    expect(failing.runs()).toBe(3);
    await scheduler.onApplicationShutdown();
  });
});
