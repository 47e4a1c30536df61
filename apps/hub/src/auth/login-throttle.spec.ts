import { LoginThrottle, LoginThrottles } from './login-throttle';

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

describe('LoginThrottles', () => {
  let now = 0;
  const throttles = (): LoginThrottles =>
    new LoginThrottles({ maxFailuresPerId: 3, maxFailuresPerAddress: 5, windowMs: 60_000, now: () => now });

  beforeEach(() => (now = 1_000_000));

  it('refuses one address guessing many ids, while others may still log in to those ids', () => {
    const subject = throttles();
    for (const id of ['a', 'b', 'c', 'd', 'e']) subject.failed(id, '192.0.2.1');
    expect(subject.retryAfter('f', '192.0.2.1')).toEqual({ ms: 60_000, what: 'address' });
    expect(subject.retryAfter('a', '192.0.2.2')).toEqual({ ms: 0 });
    now += 60_000;
    expect(subject.retryAfter('f', '192.0.2.1')).toEqual({ ms: 0 });
  });

  it('refuses one id guessed from many addresses', () => {
    const subject = throttles();
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) subject.failed('a', address);
    now += 1_000;
    expect(subject.retryAfter('a', '192.0.2.4')).toEqual({ ms: 59_000, what: 'id' });
    expect(subject.retryAfter('b', '192.0.2.4')).toEqual({ ms: 0 });
  });

  it("a success clears the id's failures, not the address's", () => {
    const subject = throttles();
    for (const id of ['a', 'b', 'c', 'd']) subject.failed(id, '192.0.2.1');
    subject.failed('mine', '192.0.2.1');
    subject.succeeded('mine');
    expect(subject.retryAfter('mine', '192.0.2.9')).toEqual({ ms: 0 });
    expect(subject.retryAfter('x', '192.0.2.1').what).toBe('address');
  });

  it('counts only ids when the address is unknown', () => {
    const subject = throttles();
    for (let i = 0; i < 3; i++) subject.failed('a', undefined);
    expect(subject.retryAfter('a', undefined).what).toBe('id');
    expect(subject.retryAfter('b', undefined)).toEqual({ ms: 0 });
  });
});
