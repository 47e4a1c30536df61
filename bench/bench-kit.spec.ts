import { benchOptions, cpuSecondsOfStat, processCpuSeconds } from './bench-kit';

describe('benchOptions', () => {
  const defaults = { events: 5_000, 'no-build': false, profile: '' };

  it('gives the defaults when no option is given', () => {
    expect(benchOptions(defaults, [])).toEqual({ events: 5_000, 'no-build': false, profile: '' });
  });

  it('reads numbers, flags and texts, each typed by its default', () => {
    const options = benchOptions(defaults, ['--events', '200', '--no-build', '--profile', 'profiles']);
    expect(options).toEqual({ events: 200, 'no-build': true, profile: 'profiles' });
    expect(benchOptions(defaults, ['--events=50']).events).toBe(50);
  });

  it('refuses a number that is not positive, naming the option', () => {
    expect(() => benchOptions(defaults, ['--events', 'many'])).toThrow('--events must be a positive number, not many');
    expect(() => benchOptions(defaults, ['--events', '0'])).toThrow('--events must be a positive number');
  });

  it('refuses an option it does not know', () => {
    expect(() => benchOptions(defaults, ['--event', '200'])).toThrow(/event/);
  });
});

describe('processCpuSeconds', () => {
  it('reads utime and stime after the command name, whatever the name holds', () => {
    const stat = '4242 (node (hub) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 900 1000 200';
    expect(cpuSecondsOfStat(stat, 100)).toBe(3);
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => cpuSecondsOfStat('no fields here', 100)).toThrow('Not a /proc/<pid>/stat line');
  });

  (process.platform === 'linux' ? it : it.skip)('agrees with this process’s own CPU time', () => {
    const end = Date.now() + 200;
    while (Date.now() < end); // spend some CPU
    const usage = process.cpuUsage();
    const own = (usage.user + usage.system) / 1e6;
    expect(Math.abs(processCpuSeconds(process.pid) - own)).toBeLessThan(0.1);
  });
});
