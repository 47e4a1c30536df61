/**
 * A task an app runs on a timer: first after a delay of its choosing, then one interval after
 * each run ends (so runs never overlap), until {@link PeriodicTask.stop}. The timer never keeps
 * the process alive. Each run handles (logs) its own failures; a rejected run is ignored here and
 * the next one still comes.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly intervalMs: number,
  ) {}

  /** Schedules the first run `firstDelayMs` from now. */
  start(firstDelayMs: number): void {
    this.schedule(firstDelayMs);
  }

  /**
   * Cancels the next run at once (before the promise settles), then waits for a run in progress,
   * so that what the run uses (the database) closes after it.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const run = this.run();
      this.running = run;
      void run.catch(() => undefined).finally(() => this.schedule(this.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
