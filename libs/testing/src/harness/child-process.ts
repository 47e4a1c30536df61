import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { projectRoot } from '../local-stack/project-root';

const ROOT = projectRoot();

/** A TypeScript program run in its own process (so a test can SIGKILL it), with its output kept. */
export class TestProcess {
  private output = '';

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Starts `script` (a path from the project root) with extra environment variables. */
  static start(script: string, env: Record<string, string>): TestProcess {
    const child = spawn(process.execPath, [path.join(ROOT, 'tools/run-ts.js'), path.join(ROOT, script)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new TestProcess(child);
  }

  /** Everything it printed so far. */
  get log(): string {
    return this.output;
  }

  /** Waits until it prints a line matching `pattern` (or fails, quoting its output). */
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (this.child.exitCode !== null || this.child.signalCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `Process did not print ${pattern} (exit ${this.child.exitCode ?? this.child.signalCode}); output:\n${this.output.slice(-3000)}`,
    );
  }

  /** Sends a signal and waits for the process to end. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }

  /** Waits for the process to exit by itself. */
  async exited(timeoutMs = 30_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await Promise.race([
      once(this.child, 'exit'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('process did not exit')), timeoutMs)),
    ]);
  }
}
