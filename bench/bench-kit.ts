/**
 * What every benchmark shares: its command-line options and how it ends. Percentiles come from
 * `percentile` of libs/testing, as in the tests.
 */
import { parseArgs } from 'node:util';

/** A benchmark option's default: a number (`--name 10`), a flag (`--name`, default false) or a text (`--name x`). */
type OptionDefault = number | boolean | string;

/** The options read, each of the type of its default. */
export type BenchOptions<T extends Record<string, OptionDefault>> = {
  readonly [K in keyof T]: T[K] extends number ? number : T[K] extends boolean ? boolean : string;
};

/**
 * Reads the benchmark's `--name value` options from `argv` (default: this process's). Every option
 * has a default, which also gives its type: a number must be positive, a flag takes no value, an
 * option not in `defaults` is refused with its name.
 */
export function benchOptions<const T extends Record<string, OptionDefault>>(
  defaults: T,
  argv: readonly string[] = process.argv.slice(2),
): BenchOptions<T> {
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(
      Object.entries(defaults).map(([name, fallback]) => [
        name,
        { type: typeof fallback === 'boolean' ? ('boolean' as const) : ('string' as const) },
      ]),
    ),
    strict: true,
    allowPositionals: false,
  });
  const read = Object.entries(defaults).map(([name, fallback]) => {
    const given = values[name];
    if (given === undefined) return [name, fallback];
    if (typeof fallback !== 'number') return [name, given];
    const value = Number(given);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, not ${given}`);
    return [name, value];
  });
  return Object.fromEntries(read) as BenchOptions<T>;
}

/**
 * Runs a benchmark's `main` and ends the process: 0 once it resolves (open connections of the
 * systems under test do not keep it waiting), 1 with the error printed when it fails.
 */
export function runBench(main: () => Promise<void> | void): void {
  Promise.resolve()
    .then(main)
    .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
}
