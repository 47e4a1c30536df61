import { Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { DatabaseLogger, statementText } from './database-logger';

describe('DatabaseLogger', () => {
  const NHS_NUMBER = '9434765919';
  const BUNDLE = JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: { name: [{ family: 'Marsh' }] } }] });
  const STATEMENT = 'INSERT INTO person_identifier (system, value, bundle)\n       VALUES ($1, $2, $3)';
  let lines: string[];

  beforeEach(() => {
    lines = [];
    for (const level of ['error', 'warn', 'log', 'debug'] as const)
      jest.spyOn(Logger.prototype, level).mockImplementation((message: unknown, ...rest: unknown[]) => {
        lines.push([message, ...rest].map(String).join(' '));
      });
  });

  afterEach(() => jest.restoreAllMocks());

  it('logs a failed statement by its text, SQLSTATE and constraint: no parameter, no detail', () => {
    const driverError = Object.assign(
      new Error('duplicate key value violates unique constraint "person_identifier_value_key"'),
      {
        severity: 'ERROR',
        code: '23505',
        detail: `Key (value)=(${NHS_NUMBER}) already exists.`,
        constraint: 'person_identifier_value_key',
      },
    );
    const parameters = ['https://fhir.nhs.uk/Id/nhs-number', NHS_NUMBER, BUNDLE];
    const logger = new DatabaseLogger();
    logger.logQueryError(driverError, STATEMENT, parameters);
    logger.logQueryError(new QueryFailedError(STATEMENT, parameters, driverError), STATEMENT, parameters);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toContain('23505');
      expect(line).toContain('constraint person_identifier_value_key');
      expect(line).toContain('INSERT INTO person_identifier (system, value, bundle) VALUES ($1, $2, $3)');
      expect(line).not.toContain(NHS_NUMBER);
      expect(line).not.toContain('Marsh');
    }
  });

  it('logs a slow statement by its text and time only; a statement that succeeds not at all', () => {
    const logger = new DatabaseLogger();
    logger.logQuery(STATEMENT, [NHS_NUMBER]);
    logger.logQuerySlow(6_000, STATEMENT, [NHS_NUMBER, BUNDLE]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Slow statement (6000 ms): INSERT INTO person_identifier');
    expect(lines[0]).not.toContain(NHS_NUMBER);
  });

  it('truncates a long statement to one line of 200 characters', () => {
    const text = statementText(`SELECT ${'column_name, '.repeat(50)}\n  1`);
    expect(text).toHaveLength(200);
    expect(text).not.toContain('\n');
    expect(text.endsWith('…')).toBe(true);
  });
});
