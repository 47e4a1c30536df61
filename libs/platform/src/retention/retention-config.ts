import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * `config/retention.yaml`, read and checked: how long each class of data is kept (README
 * "Retention"). The hub and the adapters that hold a class in their own schema read the same file.
 */

/** The classes of data the hub purges itself, each with its table and the time it is kept from. */
export const HUB_RETENTION_CLASSES = [
  'dead-letter-bodies',
  'person-state-and-index',
  'report-facts',
  'audit-personal-data',
] as const;
/** A class of data the hub's purge deletes. */
export type HubRetentionClass = (typeof HUB_RETENTION_CLASSES)[number];

/**
 * Classes a partner adapter holds in its own schema, which the hub cannot reach: the adapter named
 * by `enforcedBy` purges them (the court adapter's raw payload archive, the GP registration
 * adapter's last practice seen per NHS number).
 */
export const ADAPTER_RETENTION_CLASSES = ['partner-payload-archives', 'known-gp-registrations'] as const;
/** A class of data an adapter's purge deletes. */
export type AdapterRetentionClass = (typeof ADAPTER_RETENTION_CLASSES)[number];

/** Classes the file states for the record that nobody keeps (`keep: not-kept`): nothing purges them. */
export const OTHER_RETENTION_CLASSES = ['delivered-copies'] as const;
export type OtherRetentionClass = (typeof OTHER_RETENTION_CLASSES)[number];

/** A period as the file writes it (ISO 8601, years, months, weeks or days: `P20Y`, `P6M`, `P90D`). */
export interface RetentionPeriod {
  readonly text: string;
  readonly years: number;
  readonly months: number;
  readonly days: number;
}

/** How long one class is kept, and on what authority. */
export interface RetentionRule {
  readonly keep: RetentionPeriod;
  /** Where the period comes from (README "Retention"). */
  readonly source: string;
  /** The app that purges the class, when not the hub. */
  readonly enforcedBy?: string;
}

/** The checked retention file. */
export interface RetentionConfig {
  readonly classes: Readonly<Record<HubRetentionClass | AdapterRetentionClass, RetentionRule>>;
  readonly others: Readonly<
    Record<OtherRetentionClass, { readonly keep: RetentionPeriod | 'not-kept'; readonly source: string }>
  >;
}

/** `config/retention.yaml` is wrong: the message names the file and every bad key. */
export class RetentionConfigError extends Error {
  readonly code = 'retention-config-invalid';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`Retention configuration ${file} is invalid:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'RetentionConfigError';
  }
}

const PERIOD = /^P(?:(\d{1,3})Y)?(?:(\d{1,4})M)?(?:(\d{1,4})W)?(?:(\d{1,5})D)?$/;
/** Shortest period accepted: a purge due sooner would race the work that still needs the data. */
const MIN_DAYS = 1;

/** Reads and checks the retention file; throws {@link RetentionConfigError} naming every bad key. */
export function loadRetentionConfig(file: string): RetentionConfig {
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message;
    throw new RetentionConfigError(file, [`cannot be read as YAML: ${reason}`]);
  }
  return checkRetentionConfig(document, file);
}

/** Checks a parsed retention document (see {@link loadRetentionConfig}). */
export function checkRetentionConfig(document: unknown, file = 'retention config'): RetentionConfig {
  const problems: string[] = [];
  const root = isRecord(document) ? document : (problems.push('the file must be a mapping with classes'), {});
  for (const key of Object.keys(root)) if (key !== 'classes') problems.push(`${key}: unknown key`);
  const classes = isRecord(root.classes)
    ? root.classes
    : (problems.push('classes: must be a mapping of data classes'), {});
  const known: readonly string[] = [...HUB_RETENTION_CLASSES, ...ADAPTER_RETENTION_CLASSES, ...OTHER_RETENTION_CLASSES];
  for (const key of Object.keys(classes))
    if (!known.includes(key)) problems.push(`classes.${key}: unknown data class (${known.join(', ')})`);
  const hub = Object.fromEntries(
    HUB_RETENTION_CLASSES.map((name) => [name, checkRule(classes[name], `classes.${name}`, false, problems)]),
  );
  const adapters = Object.fromEntries(
    ADAPTER_RETENTION_CLASSES.map((name) => {
      const rule = checkRule(classes[name], `classes.${name}`, false, problems);
      const enforcedBy = isRecord(classes[name]) ? classes[name].enforcedBy : undefined;
      if (isRecord(classes[name]) && (typeof enforcedBy !== 'string' || enforcedBy.trim() === ''))
        problems.push(`classes.${name}.enforcedBy: must name the app that purges it`);
      return [name, rule && typeof enforcedBy === 'string' ? { ...rule, enforcedBy: enforcedBy.trim() } : rule];
    }),
  );
  const others = Object.fromEntries(
    OTHER_RETENTION_CLASSES.map((name) => [name, checkRule(classes[name], `classes.${name}`, true, problems)]),
  );
  if (problems.length > 0) throw new RetentionConfigError(file, problems);
  return { classes: { ...hub, ...adapters }, others } as unknown as RetentionConfig;
}

function checkRule(
  value: unknown,
  path: string,
  mayBeNotKept: boolean,
  problems: string[],
): { keep: RetentionPeriod | 'not-kept'; source: string } | undefined {
  if (!isRecord(value)) {
    problems.push(`${path}: missing (a mapping with keep and source)`);
    return undefined;
  }
  for (const key of Object.keys(value))
    if (!['keep', 'source', 'enforcedBy'].includes(key)) problems.push(`${path}.${key}: unknown key`);
  const source = typeof value.source === 'string' && value.source.trim() !== '' ? value.source.trim() : undefined;
  if (!source) problems.push(`${path}.source: must say where the period comes from`);
  if (mayBeNotKept && value.keep === 'not-kept') return { keep: 'not-kept', source: source ?? '' };
  const keep = parsePeriod(value.keep);
  if (!keep)
    problems.push(
      `${path}.keep: must be an ISO 8601 period of years, months, weeks or days of at least ${MIN_DAYS} day (P20Y, P6M, P90D)${mayBeNotKept ? ', or not-kept' : ''}`,
    );
  return keep && source ? { keep, source } : undefined;
}

/** `P20Y`, `P1Y6M`, `P90D`, `P2W`… as a period, or undefined. */
export function parsePeriod(value: unknown): RetentionPeriod | undefined {
  if (typeof value !== 'string') return undefined;
  const match = PERIOD.exec(value.trim());
  if (!match || value.trim() === 'P') return undefined;
  const [years, months, weeks, days] = match.slice(1).map((part) => Number(part ?? 0));
  const period = { text: value.trim(), years, months, days: weeks * 7 + days };
  const roughDays = years * 365 + months * 28 + period.days;
  return roughDays >= MIN_DAYS ? period : undefined;
}

/**
 * The moment before which data kept for `period` is due at `now` (calendar arithmetic in UTC). A
 * day the earlier month lacks becomes its last day (31 March less one month is 28 or 29
 * February), so nothing is ever due before its full period.
 */
export function dueBefore(period: RetentionPeriod, now: Date): Date {
  const monthIndex = now.getUTCFullYear() * 12 + now.getUTCMonth() - period.years * 12 - period.months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const cutoff = new Date(now.getTime());
  cutoff.setUTCFullYear(year, month, Math.min(now.getUTCDate(), lastDay));
  cutoff.setUTCDate(cutoff.getUTCDate() - period.days);
  return cutoff;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
