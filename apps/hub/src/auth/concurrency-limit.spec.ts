import { ConcurrencyLimit, ConcurrencyLimitFullError } from './concurrency-limit';

/** A task that finishes when told to, recording when it started. */
function gate(started: string[], name: string): { task: () => Promise<string>; finish: () => void } {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    task: async () => {
      started.push(name);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimit', () => {
  it('runs at most `concurrency` tasks at once, the others in arrival order', async () => {
    const limit = new ConcurrencyLimit(2, 10);
    const started: string[] = [];
    const gates = ['a', 'b', 'c', 'd'].map((name) => gate(started, name));
    const results = gates.map((each) => limit.run(each.task));
    await tick();
    expect(started).toEqual(['a', 'b']);
    expect([limit.active, limit.queued]).toEqual([2, 2]);
    gates[1].finish();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    gates[0].finish();
    gates[2].finish();
    gates[3].finish();
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd']);
    expect([limit.active, limit.queued]).toEqual([0, 0]);
  });

  it('refuses at once when the queue is full, and frees a place when a task fails', async () => {
    const limit = new ConcurrencyLimit(1, 1);
    const started: string[] = [];
    const first = gate(started, 'first');
    const running = limit.run(first.task);
    const waiting = limit.run(() => Promise.reject(new Error('boom')));
    await expect(limit.run(() => Promise.resolve('third'))).rejects.toBeInstanceOf(ConcurrencyLimitFullError);
    first.finish();
    await expect(running).resolves.toBe('first');
    await expect(waiting).rejects.toThrow('boom');
    await expect(limit.run(() => Promise.resolve('later'))).resolves.toBe('later');
    expect([limit.active, limit.queued]).toEqual([0, 0]);
  });

  it('keeps a flood of slow tasks to its cap', async () => {
    const limit = new ConcurrencyLimit(2, 1000);
    let now = 0;
    let peak = 0;
    const task = async (): Promise<void> => {
      now += 1;
      peak = Math.max(peak, now);
      await new Promise((resolve) => setTimeout(resolve, 1));
      now -= 1;
    };
    await Promise.all(Array.from({ length: 200 }, () => limit.run(task)));
    expect(peak).toBe(2);
  });
});
