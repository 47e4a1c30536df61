import { OperationOutcomeError } from '@cstr/contracts';
import { intParam, onlyParams, textParam } from './query-params';

function outcomeOf(run: () => unknown): { status: number; expression?: string[] } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OperationOutcomeError);
    return {
      status: (error as OperationOutcomeError).status,
      expression: (error as OperationOutcomeError).outcome.issue[0].expression,
    };
  }
  throw new Error('expected an OperationOutcomeError');
}

describe('query parameters', () => {
  it('reads single text parameters and refuses repeated, nested, over-long or control-character ones (400, naming the parameter)', () => {
    expect(textParam({ partner: 'slam-mhtr' }, 'partner')).toBe('slam-mhtr');
    expect(textParam({}, 'partner')).toBeUndefined();
    expect(outcomeOf(() => textParam({ partner: ['a', 'b'] }, 'partner'))).toEqual({
      status: 400,
      expression: ['partner'],
    });
    expect(outcomeOf(() => textParam({ partner: { a: '1' } }, 'partner')).status).toBe(400);
    expect(outcomeOf(() => textParam({ partner: 'x'.repeat(501) }, 'partner')).status).toBe(400);
    expect(outcomeOf(() => textParam({ partner: 'a\u0000b' }, 'partner')).status).toBe(400);
  });

  it('reads bounded whole numbers with a default', () => {
    expect(intParam({}, 'limit', 1, 10, 5)).toBe(5);
    expect(intParam({ limit: '10' }, 'limit', 1, 10, 5)).toBe(10);
    for (const bad of ['0', '11', '-1', '1.5', '1e3', 'ten'])
      expect(outcomeOf(() => intParam({ limit: bad }, 'limit', 1, 10, 5)).status).toBe(400);
  });

  it('refuses unknown parameters', () => {
    expect(() => onlyParams({ from: 'x' }, ['from', 'to'])).not.toThrow();
    expect(outcomeOf(() => onlyParams({ form: 'x' }, ['from', 'to']))).toEqual({ status: 400, expression: ['form'] });
  });
});
