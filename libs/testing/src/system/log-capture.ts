import { inspect } from 'node:util';
import { ConsoleLogger, Logger, type LogLevel, type LoggerService } from '@nestjs/common';

/** Where a captured line came from. */
export type CapturedSource = 'stdout' | 'stderr' | 'console' | 'nest';

/** One captured line (a Nest Logger call is one line: its message and every argument, printed whole). */
export interface CapturedLine {
  readonly source: CapturedSource;
  readonly text: string;
}

const ALL_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/**
 * Captures everything the apps of this process log, for tests that scan logs: every write to
 * `process.stdout` and `process.stderr` (what any logger prints) and every `console` call, split
 * into lines, and every Nest `Logger` call with its arguments printed whole (`util.inspect`, all
 * depths: an object logged as an argument shows every property, even those a printer would skip).
 * While installed, the Nest logger prints every level whatever an app's `LOG_LEVEL` says (start
 * the apps with `LOG_LEVEL=verbose` too, for code that asks `Logger.isLevelEnabled`), and nothing
 * reaches the terminal.
 */
export class LogCapture {
  private readonly captured: CapturedLine[] = [];
  private readonly restore: (() => void)[] = [];

  /** The lines captured so far, oldest first. */
  get lines(): readonly CapturedLine[] {
    return this.captured;
  }

  /** Starts capturing; {@link uninstall} gives everything back. */
  install(): void {
    if (this.restore.length > 0) return;
    for (const source of ['stdout', 'stderr'] as const) {
      const stream = process[source];
      const write = stream.write;
      stream.write = ((chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
        this.add(source, typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        const done = typeof encoding === 'function' ? encoding : callback;
        if (typeof done === 'function') (done as () => void)();
        return true;
      }) as typeof stream.write;
      this.restore.push(() => (stream.write = write));
    }
    for (const method of CONSOLE_METHODS) {
      const original = console[method];
      console[method] = (...args: unknown[]): void => this.add('console', args.map(printed).join(' '));
      this.restore.push(() => (console[method] = original));
    }
    const previous = (Logger as unknown as { staticInstanceRef?: LoggerService }).staticInstanceRef;
    Logger.overrideLogger(new CapturingLogger((text) => this.add('nest', text)));
    this.restore.push(() => Logger.overrideLogger(previous ?? false));
  }

  /** Stops capturing; the lines stay. */
  uninstall(): void {
    for (const undo of this.restore.splice(0).reverse()) undo();
  }

  private add(source: CapturedSource, text: string): void {
    if (source === 'nest') {
      this.captured.push({ source, text });
      return;
    }
    for (const line of text.split('\n')) if (line.trim() !== '') this.captured.push({ source, text: line });
  }
}

/** A Nest logger at every level that hands each call, arguments printed whole, to `record`, then prints it. */
class CapturingLogger extends ConsoleLogger {
  constructor(private readonly record: (text: string) => void) {
    super({ logLevels: ALL_LEVELS });
  }

  override setLogLevels(): void {
    super.setLogLevels(ALL_LEVELS);
  }

  override log(message: unknown, ...optionalParams: unknown[]): void {
    this.keep('log', message, optionalParams);
    super.log(message, ...optionalParams);
  }

  override error(message: unknown, ...optionalParams: unknown[]): void {
    this.keep('error', message, optionalParams);
    super.error(message, ...optionalParams);
  }

  override warn(message: unknown, ...optionalParams: unknown[]): void {
    this.keep('warn', message, optionalParams);
    super.warn(message, ...optionalParams);
  }

  override debug(message: unknown, ...optionalParams: unknown[]): void {
    this.keep('debug', message, optionalParams);
    super.debug(message, ...optionalParams);
  }

  override verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.keep('verbose', message, optionalParams);
    super.verbose(message, ...optionalParams);
  }

  override fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.keep('fatal', message, optionalParams);
    super.fatal(message, ...optionalParams);
  }

  private keep(level: LogLevel, message: unknown, optionalParams: readonly unknown[]): void {
    this.record(`${level} ${[message, ...optionalParams].map(printed).join(' ')}`);
  }
}

/** A value as a log would print it at most: strings as they are, anything else in full. */
function printed(value: unknown): string {
  return typeof value === 'string' ? value : inspect(value, { depth: null, showHidden: true, breakLength: Infinity });
}
