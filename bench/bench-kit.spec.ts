import { benchOptions } from './bench-kit';

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
