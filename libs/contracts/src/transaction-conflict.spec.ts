import { QueryFailedError } from 'typeorm';
import { isTransactionConflict } from './transaction-conflict';

describe('isTransactionConflict', () => {
  const driverError = (code: string): Error => Object.assign(new Error('could not serialize access'), { code });

  it.each(['40P01', '40001'])('recognises %s raised by the driver', (code) => {
    expect(isTransactionConflict(driverError(code))).toBe(true);
  });

  it.each(['40P01', '40001'])('recognises %s wrapped by TypeORM in a QueryFailedError', (code) => {
    expect(isTransactionConflict(new QueryFailedError('UPDATE person SET …', [], driverError(code)))).toBe(true);
  });

  it("reads the error's own code before the wrapped one", () => {
    const wrapped = Object.assign(new Error('wrapped'), { code: '23505', driverError: { code: '40P01' } });
    expect(isTransactionConflict(wrapped)).toBe(false);
  });

  it('says no to other errors and to what is not an error', () => {
    expect(isTransactionConflict(driverError('23505'))).toBe(false);
    expect(isTransactionConflict(new Error('no code'))).toBe(false);
    expect(isTransactionConflict({ code: 40001 })).toBe(false);
    expect(isTransactionConflict(null)).toBe(false);
    expect(isTransactionConflict('40P01')).toBe(false);
  });
});
