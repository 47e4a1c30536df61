import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { safeErrorText } from '@cstr/contracts';

/** Longest statement excerpt in a log line, in characters. */
const MAX_STATEMENT_LENGTH = 200;

/**
 * The TypeORM logger of every data source: a failed or slow statement is logged by its text
 * alone — truncated, with the error's SQLSTATE and a message stripped of the values it echoes
 * ({@link safeErrorText}) — never with its parameters, which hold names, identifiers and whole
 * FHIR Bundles. Statements that succeed are not logged.
 */
export class DatabaseLogger implements TypeOrmLogger {
  private readonly logger: NestLogger;

  constructor(context = 'Database') {
    this.logger = new NestLogger(context);
  }

  logQuery(_query: string, _parameters?: unknown[]): void {
    // Every statement would be too many lines; its parameters are personal data.
  }

  logQueryError(error: string | Error, query: string, _parameters?: unknown[]): void {
    const reason = typeof error === 'string' ? 'a driver error' : safeErrorText(error);
    this.logger.error(`Statement failed: ${reason} — ${statementText(query)}`);
  }

  logQuerySlow(time: number, query: string, _parameters?: unknown[]): void {
    this.logger.warn(`Slow statement (${time} ms): ${statementText(query)}`);
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(statementText(message));
  }

  logMigration(message: string): void {
    this.logger.debug(statementText(message));
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = message instanceof Error ? safeErrorText(message) : statementText(String(message));
    if (level === 'warn') this.logger.warn(text);
    else this.logger.debug(text);
  }
}

/** A statement on one line, at most {@link MAX_STATEMENT_LENGTH} characters. */
export function statementText(query: string): string {
  const line = query.replace(/\s+/g, ' ').trim();
  return line.length > MAX_STATEMENT_LENGTH ? `${line.slice(0, MAX_STATEMENT_LENGTH - 1)}…` : line;
}
