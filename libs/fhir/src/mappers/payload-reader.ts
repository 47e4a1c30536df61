/**
 * Reading untrusted partner JSON field by field. Every read names its path in the native
 * payload (`hearing.prosecutionCases[0].defendants[1].pncId`); every problem becomes an
 * OperationOutcome issue with that path as its `expression`, and reading goes on, so one
 * answer lists everything wrong with a payload. Nothing here throws on bad input.
 */
import type { IssueType, OperationOutcomeIssue } from '@cstr/contracts';
import type { IdentifierParseResult, IdentifierKind } from '@cstr/identity';

/** The issues found while reading one payload, in the order found. */
export class PayloadIssues {
  readonly list: OperationOutcomeIssue[] = [];

  /** Records an error at `path`. */
  error(code: IssueType, diagnostics: string, path: string): void {
    this.list.push({ severity: 'error', code, diagnostics, expression: [path] });
  }

  /** Records a warning at `path`: worth telling the sender, not a reason to refuse. */
  warning(code: IssueType, diagnostics: string, path: string): void {
    this.list.push({ severity: 'warning', code, diagnostics, expression: [path] });
  }

  /** True when at least one error (not warning) was recorded. */
  get hasErrors(): boolean {
    return this.list.some((issue) => issue.severity === 'error' || issue.severity === 'fatal');
  }
}

/** Options shared by the scalar reads. */
export interface ReadOptions {
  /** When true (the default), an absent or null value is an error; otherwise it reads as undefined. */
  readonly required?: boolean;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// A date-time with seconds optional, fractions optional, and a zone (Z or ±hh:mm) required:
// an instant without a zone is ambiguous by an hour for half of the year.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
const UK_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;

/** True when year-month-day is a real calendar date (no 31 April, 29 February only in leap years). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

function plainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * One position in a partner payload: its value (anything at all) and its path. Reads check the
 * type, record an issue when it is wrong, and return `undefined` so the caller can carry on.
 */
export class PayloadNode {
  constructor(
    readonly value: unknown,
    readonly path: string,
    readonly issues: PayloadIssues,
  ) {}

  /** The root of a payload. `rootPath` names it in issues (e.g. `$this`, or a FHIR resource type). */
  static root(value: unknown, rootPath: string, issues = new PayloadIssues()): PayloadNode {
    return new PayloadNode(value, rootPath, issues);
  }

  /** True when the value is neither undefined nor null. */
  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  /** The member `key` of this node (absent when this is not an object). */
  get(key: string): PayloadNode {
    const value = plainObject(this.value) ? this.value[key] : undefined;
    return new PayloadNode(value, this.path === '$this' ? key : `${this.path}.${key}`, this.issues);
  }

  /** This node if it holds an object; otherwise an issue (when required) and undefined. */
  object(options: ReadOptions = {}): PayloadNode | undefined {
    if (!this.present) return this.missing(options);
    if (plainObject(this.value)) return this;
    this.issues.error('structure', `Must be an object, but is ${describeType(this.value)}.`, this.path);
    return undefined;
  }

  /**
   * The elements of the array at this node. An absent optional array reads as empty;
   * `minItems` makes an empty one an error.
   */
  array(options: ReadOptions & { readonly minItems?: number } = {}): PayloadNode[] {
    if (!this.present) {
      this.missing(options);
      return [];
    }
    if (!Array.isArray(this.value)) {
      this.issues.error('structure', `Must be an array, but is ${describeType(this.value)}.`, this.path);
      return [];
    }
    const minItems = options.minItems ?? 0;
    if (this.value.length < minItems) {
      this.issues.error(
        'required',
        `Must have at least ${minItems} item${minItems === 1 ? '' : 's'}, but has ${this.value.length}.`,
        this.path,
      );
    }
    // Array.from visits the holes of a sparse array (as undefined), which map would skip.
    return Array.from(
      this.value as unknown[],
      (item, index) => new PayloadNode(item, `${this.path}[${index}]`, this.issues),
    );
  }

  /** A string with something other than whitespace in it, trimmed. An empty string counts as absent. */
  string(options: ReadOptions = {}): string | undefined {
    if (!this.present) return this.missing(options);
    if (typeof this.value !== 'string') {
      this.issues.error('structure', `Must be a string, but is ${describeType(this.value)}.`, this.path);
      return undefined;
    }
    const trimmed = this.value.trim();
    if (trimmed.length === 0) return this.missing(options);
    return trimmed;
  }

  /** One of `allowed` (compared exactly, after trimming). */
  oneOf<T extends string>(allowed: readonly T[], options: ReadOptions = {}): T | undefined {
    const text = this.string(options);
    if (text === undefined) return undefined;
    if ((allowed as readonly string[]).includes(text)) return text as T;
    this.issues.error('value', `Must be one of ${allowed.map((a) => `'${a}'`).join(', ')}.`, this.path);
    return undefined;
  }

  /** A boolean. */
  boolean(options: ReadOptions = {}): boolean | undefined {
    if (!this.present) return this.missing(options);
    if (typeof this.value === 'boolean') return this.value;
    this.issues.error('structure', `Must be true or false, but is ${describeType(this.value)}.`, this.path);
    return undefined;
  }

  /** A whole number at least `min` (default 0). */
  integer(options: ReadOptions & { readonly min?: number; readonly max?: number } = {}): number | undefined {
    if (!this.present) return this.missing(options);
    const min = options.min ?? 0;
    if (typeof this.value !== 'number' || !Number.isSafeInteger(this.value)) {
      this.issues.error('structure', `Must be a whole number, but is ${describeType(this.value)}.`, this.path);
      return undefined;
    }
    if (this.value < min) {
      this.issues.error('value', `Must be at least ${min}.`, this.path);
      return undefined;
    }
    if (options.max !== undefined && this.value > options.max) {
      this.issues.error('value', `Must be at most ${options.max}.`, this.path);
      return undefined;
    }
    return this.value;
  }

  /** An ISO 8601 calendar date `YYYY-MM-DD`, checked to exist. */
  isoDate(options: ReadOptions = {}): string | undefined {
    const text = this.string(options);
    if (text === undefined) return undefined;
    const match = ISO_DATE.exec(text);
    if (!match || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
      this.issues.error('value', 'Must be a real calendar date written YYYY-MM-DD.', this.path);
      return undefined;
    }
    return text;
  }

  /**
   * An ISO 8601 date or a date-time with a time zone. Partners that send a plain date where a
   * date-time is usual (FHIR `period.start`, for one) are accepted as they are.
   */
  isoDateOrDateTime(options: ReadOptions = {}): string | undefined {
    const text = this.string(options);
    if (text === undefined) return undefined;
    if (ISO_DATE.test(text)) return this.isoDate(options);
    return this.isoDateTime(options);
  }

  /** An ISO 8601 date-time with seconds optional and a time zone (`Z` or `±hh:mm`) required. */
  isoDateTime(options: ReadOptions = {}): string | undefined {
    const text = this.string(options);
    if (text === undefined) return undefined;
    const match = ISO_DATE_TIME.exec(text);
    if (!match || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
      this.issues.error(
        'value',
        'Must be a date-time written YYYY-MM-DDThh:mm[:ss][.fff] with a time zone (Z or +hh:mm).',
        this.path,
      );
      return undefined;
    }
    return text;
  }

  /** A UK date `dd/MM/yyyy`, returned as ISO `YYYY-MM-DD`. */
  ukDate(options: ReadOptions = {}): string | undefined {
    const text = this.string(options);
    if (text === undefined) return undefined;
    const match = UK_DATE.exec(text);
    if (!match || !isCalendarDate(Number(match[3]), Number(match[2]), Number(match[1]))) {
      this.issues.error('value', 'Must be a real calendar date written dd/MM/yyyy.', this.path);
      return undefined;
    }
    return `${match[3]}-${match[2]}-${match[1]}`;
  }

  /**
   * A person identifier checked by its `@cstr/identity` parser; the normalised value, or an
   * issue naming this path with the parser's reason and stable code.
   */
  identifier<K extends IdentifierKind>(
    parse: (input: unknown) => IdentifierParseResult<K, string>,
    options: ReadOptions = {},
  ): string | undefined {
    if (!this.present || (typeof this.value === 'string' && this.value.trim() === '')) return this.missing(options);
    const result = parse(this.value);
    if (result.ok) return result.value;
    this.issues.error('value', `${result.reason} [${result.code}]`, this.path);
    return undefined;
  }

  private missing(options: ReadOptions): undefined {
    if (options.required ?? true) this.issues.error('required', 'Is required but missing.', this.path);
    return undefined;
  }
}
