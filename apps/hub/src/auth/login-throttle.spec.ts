import { LoginThrottle } from './login-throttle';

describe('LoginThrottle', () => {
  let now = 0;
  const throttle = (): LoginThrottle =>
    new LoginThrottle({ maxFailures: 3, windowMs: 60_000, maxTracked: 2, now: () => now });

  beforeEach(() => (now = 1_000_000));

  it('refuses an id after too many failures, until the window has passed', () => {
    const subject = throttle();
    subject.failed('a');
    subject.failed('a');
    expect(subject.retryAfterMs('a')).toBe(0);
    subject.failed('a');
    now += 10_000;
    expect(subject.retryAfterMs('a')).toBe(50_000);
    expect(subject.retryAfterMs('b')).toBe(0);
    now += 50_000;
    expect(subject.retryAfterMs('a')).toBe(0);
  });

  it('a success clears the failures', () => {
    const subject = throttle();
    subject.failed('a');
    subject.failed('a');
    subject.succeeded('a');
    subject.failed('a');
    subject.failed('a');
    expect(subject.retryAfterMs('a')).toBe(0);
  });

  it('tracks a bounded number of ids, forgetting the oldest', () => {
    const subject = throttle();
    for (let i = 0; i < 3; i++) subject.failed('old');
    subject.failed('x');
    subject.failed('y');
    expect(subject.retryAfterMs('old')).toBe(0);
  });
});
