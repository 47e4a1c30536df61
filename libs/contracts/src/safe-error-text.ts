/** Options of {@link safeErrorText}. */
export interface SafeErrorTextOptions {
  /** Adds the stack frames (file and line only) under the first line. Default false. */
  readonly stack?: boolean;
  /** Longest first line, in characters. Default 300. */
  readonly maxLength?: number;
}

/** Names of schema objects a PostgreSQL error carries in fields of their own (never values). */
const SCHEMA_FIELDS = ['constraint', 'table', 'column'] as const;
const SCHEMA_NAME = /^[A-Za-z_][\w$.]{0,62}$/;
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * What of a thrown error may be written to a log line or a header: its class, its code and its
 * message on one line — never its other properties. A database error (TypeORM's
 * `QueryFailedError`, or the driver's own) keeps its SQLSTATE and the names of the constraint,
 * table and column, but not its `parameters`, `detail` (`Key (nhs_number)=(…) already exists`),
 * `where` or `query`, and anything its message quotes is cut out (`invalid input syntax for type
 * date: "…"`). A `SyntaxError` loses what it quotes too (a JSON parser quotes the input it
 * refused). One level of `cause` is described the same way.
 */
export function safeErrorText(error: unknown, options: SafeErrorTextOptions = {}): string {
  const first = oneLine(describe(error), options.maxLength ?? 300);
  if (!options.stack || !(error instanceof Error) || typeof error.stack !== 'string') return first;
  const frames = error.stack.split('\n').filter((line) => /^\s+at /.test(line));
  return [first, ...frames].join('\n');
}

function describe(error: unknown, depth = 0): string {
  if (typeof error !== 'object' || error === null) return `Non-error thrown (${typeof error})`;
  const fields = error as Record<string, unknown>;
  // The PostgreSQL driver's errors are named `error`: their class says more.
  const name = typeof fields.name === 'string' && fields.name !== 'error' ? fields.name : error.constructor.name;
  const message = typeof fields.message === 'string' ? fields.message : '';
  const cause =
    depth === 0 && typeof fields.cause === 'object' && fields.cause !== null
      ? ` (cause: ${describe(fields.cause, depth + 1)})`
      : '';
  if (isDatabaseError(fields)) {
    const code = typeof fields.code === 'string' && SQLSTATE.test(fields.code) ? ` ${fields.code}` : '';
    const names = SCHEMA_FIELDS.flatMap((field) => {
      const value = fields[field];
      return typeof value === 'string' && SCHEMA_NAME.test(value) ? [`${field} ${value}`] : [];
    });
    return `${name}${code}: ${withoutQuoted(message)}${names.length > 0 ? ` (${names.join(', ')})` : ''}${cause}`;
  }
  const text = name === 'SyntaxError' ? withoutQuoted(message) : message;
  return `${name}: ${text}${cause}`;
}

/** TypeORM's QueryFailedError (which copies the driver's fields onto itself) or a PostgreSQL error. */
function isDatabaseError(fields: Record<string, unknown>): boolean {
  return (
    fields.name === 'QueryFailedError' ||
    'driverError' in fields ||
    (typeof fields.code === 'string' && SQLSTATE.test(fields.code) && 'severity' in fields)
  );
}

/**
 * Cuts everything from the first double quote to the last: quoted values may themselves hold
 * quotes (a JSON excerpt), so the span is cut whole rather than pair by pair.
 */
function withoutQuoted(message: string): string {
  const first = message.indexOf('"');
  if (first < 0) return message;
  const last = message.lastIndexOf('"');
  return last === first ? `${message.slice(0, first)}"…` : `${message.slice(0, first)}"…"${message.slice(last + 1)}`;
}

function oneLine(text: string, maxLength: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}
