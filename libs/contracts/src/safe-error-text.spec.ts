import { QueryFailedError } from 'typeorm';
import { safeErrorText } from './safe-error-text';

/** A PostgreSQL error as the driver raises it: the values are in `detail`, and sometimes in the message. */
function postgresError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), { name: 'error', severity: 'ERROR', ...fields });
}

describe('safeErrorText', () => {
  const NHS_NUMBER = '9434765919';

  it('keeps the SQLSTATE and the constraint of a failed query, never its parameters or detail', () => {
    const error = new QueryFailedError(
      'INSERT INTO person_identifier (system, value) VALUES ($1, $2)',
      ['https://fhir.nhs.uk/Id/nhs-number', NHS_NUMBER, { name: [{ family: 'Marsh' }] }],
      postgresError('duplicate key value violates unique constraint "person_identifier_value_key"', {
        code: '23505',
        detail: `Key (value)=(${NHS_NUMBER}) already exists.`,
        constraint: 'person_identifier_value_key',
        table: 'person_identifier',
        schema: 'hub',
      }),
    );
    const text = safeErrorText(error);
    expect(text).toBe(
      'QueryFailedError 23505: duplicate key value violates unique constraint "…" (constraint person_identifier_value_key, table person_identifier)',
    );
    expect(text).not.toContain(NHS_NUMBER);
    expect(text).not.toContain('Marsh');
  });

  it('cuts a value PostgreSQL quotes in its message', () => {
    const error = postgresError('invalid input syntax for type date: "1991-03-14 Jordan"', { code: '22007' });
    expect(safeErrorText(error)).toBe('Error 22007: invalid input syntax for type date: "…"');
  });

  it('cuts the input a JSON parser quotes, quotes within it included', () => {
    let error: unknown;
    try {
      JSON.parse(`x{"nhsNumber":"${NHS_NUMBER}","family":"Marsh"}`);
    } catch (caught) {
      error = caught;
    }
    const text = safeErrorText(error);
    expect(text.startsWith('SyntaxError: ')).toBe(true);
    expect(text).not.toContain(NHS_NUMBER);
    expect(text).not.toContain('Marsh');
  });

  it('keeps the message of any other error on one short line, with one level of cause', () => {
    const error = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
    expect(safeErrorText(error)).toBe('TypeError: fetch failed (cause: Error: connect ECONNREFUSED 127.0.0.1:1)');
    const long = safeErrorText(new Error(`line one\nline two ${'x'.repeat(500)}`));
    expect(long.startsWith('Error: line one line two')).toBe(true);
    expect(long).toHaveLength(300);
  });

  it('adds the stack frames, not the stack message, when asked', () => {
    const error = postgresError(`invalid input syntax for type uuid: "${NHS_NUMBER}"`, { code: '22P02' });
    const [first, ...frames] = safeErrorText(error, { stack: true }).split('\n');
    expect(first).toBe('Error 22P02: invalid input syntax for type uuid: "…"');
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.every((frame) => frame.trimStart().startsWith('at '))).toBe(true);
  });

  it('names what was thrown when it is not an error, without printing it', () => {
    expect(safeErrorText(NHS_NUMBER)).toBe('Non-error thrown (string)');
  });
});
