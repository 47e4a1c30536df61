import { Outcome, describeFailure, toOutcome } from './handler-outcome';

describe('handler outcomes', () => {
  it('treats a handler that returns nothing as done', () => {
    expect(toOutcome(undefined)).toEqual({ kind: 'done' });
  });

  it('keeps an explicit retry or dead-letter outcome', () => {
    expect(toOutcome(Outcome.retry('partner down'))).toEqual({ kind: 'retry', reason: 'partner down' });
    expect(toOutcome(Outcome.deadLetter('bad-event', 'no patient'))).toEqual({
      kind: 'dead-letter',
      code: 'bad-event',
      reason: 'no patient',
    });
  });

  it('does not mistake an arbitrary object with a kind for an outcome', () => {
    expect(toOutcome({ kind: 'something-else' })).toEqual({ kind: 'done' });
  });

  it('describes a thrown error on one short line', () => {
    const reason = describeFailure(new TypeError(`line one\nline two ${'x'.repeat(500)}`));
    expect(reason.startsWith('TypeError: line one line two')).toBe(true);
    expect(reason).not.toContain('\n');
    expect(reason.length).toBeLessThanOrEqual(300);
  });
});
