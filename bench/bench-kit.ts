/**
 * What every benchmark shares: its command-line options and how it ends. Percentiles come from
 * `percentile` of libs/testing, as in the tests.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/** Linux's USER_HZ, used when `getconf` is not there: it is 100 on every architecture Node runs on. */
const USER_HZ = 100;
let clockTicksPerSecond: number | undefined;

/** Clock ticks per second of the CPU times in `/proc/<pid>/stat`. */
function ticksPerSecond(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || USER_HZ;
    } catch {
      clockTicksPerSecond = USER_HZ;
    }
  }
  return clockTicksPerSecond;
}

/**
 * CPU seconds (user + system, all its threads) a process has used so far, from `/proc/<pid>/stat`
 * (Linux): the way to time another process, such as an app the benchmark started.
 */
export function processCpuSeconds(pid: number): number {
  return cpuSecondsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), ticksPerSecond());
}

/**
 * User + system CPU seconds of a `/proc/<pid>/stat` line. Fields are counted after the command
 * name's closing parenthesis, as the name itself may hold spaces and parentheses.
 */
export function cpuSecondsOfStat(stat: string, ticks: number): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  const [utime, stime] = [Number(fields[11]), Number(fields[12])];
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`Not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
  return (utime + stime) / ticks;
}
