import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createConnection } from 'node:net';

/** Outcome of {@link runCommand}. */
export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly timeoutMs?: number;
}

/** A helper process failed; carries what it printed so the caller can show why. */
export class LocalStackCommandError extends Error {
  readonly code = 'local-stack-command-failed';
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    super(
      `${command} failed (exit ${result.code ?? result.signal}): ${(result.stderr || result.stdout).trim().slice(-2000)}`,
    );
    this.name = 'LocalStackCommandError';
  }
}

/**
 * Runs a command to completion and captures its output. Resolves on process exit rather than
 * on stream close: daemons started by the command (epmd, postmaster) may inherit its pipes.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      uid: options.uid,
      gid: options.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      // Let already-buffered output arrive, then stop listening to pipes a daemon may hold open.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ code, signal, stdout, stderr });
      }, 20);
    });
  });
}

/** Like {@link runCommand}, but rejects with {@link LocalStackCommandError} unless the exit code is 0. */
export async function runChecked(
  command: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) throw new LocalStackCommandError([command, ...args].join(' '), result);
  return result;
}

/** Whether a process with this pid exists (and we may signal it). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The argv of a live process (Linux `/proc`), or undefined when it is gone or unreadable. */
export function processArgv(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** The working folder of a live process (Linux `/proc`), or undefined when it is gone or unreadable. */
export function processCwd(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** The environment of a live process (Linux `/proc`), or undefined when it is gone or unreadable. */
export function processEnvironment(pid: number): Map<string, string> | undefined {
  try {
    const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
    return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  } catch {
    return undefined;
  }
}

/** The pids of every live process (Linux `/proc`). */
export function processIds(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/**
 * The pids of the processes listening on TCP `port` (any address), from Linux `/proc`: the
 * listening sockets' inodes in `/proc/net/tcp{,6}`, then the processes holding one of them.
 */
export function listeningPids(port: number): number[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const rows = existsSync(table) ? readFileSync(table, 'utf8').split('\n').slice(1) : [];
    for (const fields of rows.map((row) => row.trim().split(/\s+/))) {
      // local_address is HEXADDR:HEXPORT; state 0A is LISTEN; field 9 is the socket's inode.
      const localPort = Number.parseInt(fields[1]?.split(':').pop() ?? '', 16);
      if (fields[3] === '0A' && localPort === port && fields[9]) inodes.add(`socket:[${fields[9]}]`);
    }
  }
  if (inodes.size === 0) return [];
  return processIds().filter((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}

/**
 * Sends `signal` to a process and waits until it is gone; SIGKILL when it outlives `timeoutMs`.
 * A process already gone is fine.
 */
export async function terminateProcess(
  pid: number,
  what: string,
  signal: NodeJS.Signals = 'SIGTERM',
  timeoutMs = 30_000,
): Promise<void> {
  const send = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  send(signal);
  try {
    await waitUntil(`${what} (pid ${pid}) to exit`, () => !isProcessAlive(pid), timeoutMs, 100);
  } catch {
    send('SIGKILL');
    await waitUntil(`${what} (pid ${pid}) to die`, () => !isProcessAlive(pid), 10_000, 100);
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Polls `probe` until it returns true; throws a timeout error naming `what`. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether this process runs as root (may install packages, must drop privileges for PostgreSQL). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Installs Debian packages with apt-get (root only). Output goes to `logFile`, not to stdout.
 * Package maintainer scripts may start the system's own service; callers never rely on that.
 */
export async function aptInstall(packages: readonly string[], logFile: string): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', ...packages]]) {
    const result = await runCommand('apt-get', args, { env });
    appendFileSync(logFile, `$ apt-get ${args.join(' ')}\n${result.stdout}${result.stderr}\n`);
    if (result.code !== 0) throw new LocalStackCommandError(`apt-get ${args.join(' ')}`, result);
  }
}

/** Reads a positive integer from a file (a pid file), or undefined. */
export function readPidFile(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
