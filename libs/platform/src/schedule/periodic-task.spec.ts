import { PeriodicTask } from './periodic-task';

/** A run that takes `ms` (fake time), counting starts and ends, failing when told to. */
function slowRun(ms: number, fail = false) {
  const counts = { started: 0, ended: 0 };
  const run = async (): Promise<void> => {
    counts.started += 1;
    await new Promise((resolve) => setTimeout(resolve, ms));
    counts.ended += 1;
    if (fail) throw new Error('database down');
  };
  return { run, counts };
}

describe('PeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs after the first delay, then one interval after each run ends, so runs never overlap', async () => {
    const { run, counts } = slowRun(500);
    const task = new PeriodicTask(run, 1_000);
    task.start(200);
    await jest.advanceTimersByTimeAsync(199);
    expect(counts.started).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(counts.started).toBe(1);
    // The run ends at 700 ms; the next starts at 1 700 ms, not at 1 200 ms.
    await jest.advanceTimersByTimeAsync(1_499);
    expect(counts).toEqual({ started: 1, ended: 1 });
    await jest.advanceTimersByTimeAsync(1);
    expect(counts.started).toBe(2);
    const stopping = task.stop();
    await jest.advanceTimersByTimeAsync(500);
    await stopping;
  });

  it('keeps going after a failed run', async () => {
    const { run, counts } = slowRun(0, true);
    const task = new PeriodicTask(run, 1_000);
    task.start(0);
    await jest.advanceTimersByTimeAsync(2_500);
    expect(counts).toEqual({ started: 3, ended: 3 });
    await task.stop();
  });

  it('stop cancels the next run and waits for the one in progress', async () => {
    const { run, counts } = slowRun(500);
    const task = new PeriodicTask(run, 1_000);
    task.start(0);
    await jest.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(399);
    expect(stopped).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await stopping;
    expect(counts).toEqual({ started: 1, ended: 1 });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(counts.started).toBe(1);
  });
});
