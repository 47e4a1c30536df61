import { Worker } from 'node:worker_threads';
import { extname, join } from 'node:path';
import type { OperationOutcome } from '@cstr/contracts';

/** A batch of message Bundles sent to a worker: their JSON text, which the worker parses itself. */
interface WorkRequest {
  readonly id: number;
  readonly bodies: readonly string[];
}

/** A worker's answer: one OperationOutcome per body, in order, or why it could not validate. */
export interface WorkResponse {
  readonly id: number;
  readonly outcomes?: readonly OperationOutcome[];
  readonly error?: string;
}

interface PooledWorker {
  readonly worker: Worker;
  /** True once the worker has loaded the kit and said so. */
  ready: boolean;
  readonly pending: Map<number, { resolve(outcomes: readonly OperationOutcome[]): void; reject(error: Error): void }>;
}

/**
 * Validates message Bundles (`validateMessageBundle`) on worker threads, so that a batch's
 * validation runs beside the main thread's database and broker work. Each worker loads the UK
 * Core kit once. A batch goes whole to the least busy worker; a worker that dies fails its
 * batches (the caller validates them inline) and is replaced.
 */
export class ValidationPool {
  private readonly workers: PooledWorker[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly size: number) {
    for (let index = 0; index < size; index++) this.workers.push(this.startWorker());
  }

  /** True when a worker has loaded the kit: before that, callers validate inline rather than wait. */
  get ready(): boolean {
    return this.workers.some((each) => each.ready);
  }

  /** Validates each body (the JSON text of a message Bundle); one OperationOutcome per body, in order. */
  validate(bodies: readonly string[]): Promise<readonly OperationOutcome[]> {
    if (this.closed) return Promise.reject(new Error('The validation pool is closed'));
    if (bodies.length === 0) return Promise.resolve([]);
    const candidates = this.workers.some((each) => each.ready)
      ? this.workers.filter((each) => each.ready)
      : this.workers;
    const chosen = candidates.reduce((least, each) => (each.pending.size < least.pending.size ? each : least));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      chosen.pending.set(id, { resolve, reject });
      chosen.worker.postMessage({ id, bodies } satisfies WorkRequest);
    });
  }

  /** Stops the workers; batches in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }

  private startWorker(): PooledWorker {
    const pooled: PooledWorker = { worker: newWorker(), ready: false, pending: new Map() };
    pooled.worker.unref();
    pooled.worker.on('message', (response: WorkResponse | { ready: true }) => {
      if ('ready' in response) {
        pooled.ready = true;
        return;
      }
      const waiting = pooled.pending.get(response.id);
      pooled.pending.delete(response.id);
      if (response.outcomes) waiting?.resolve(response.outcomes);
      else waiting?.reject(new Error(response.error ?? 'The validation worker gave no outcome'));
    });
    pooled.worker.on('error', (error) => this.replace(pooled, error));
    pooled.worker.on('exit', (code) => this.replace(pooled, new Error(`The validation worker exited (${code})`)));
    return pooled;
  }

  private replace(pooled: PooledWorker, error: Error): void {
    for (const waiting of pooled.pending.values()) waiting.reject(error);
    pooled.pending.clear();
    const index = this.workers.indexOf(pooled);
    if (index < 0 || this.closed) return;
    this.workers[index] = this.startWorker();
  }
}

/** The worker script beside this file: compiled JavaScript, or TypeScript through ts-node (tests, `run-ts`). */
function newWorker(): Worker {
  const typescript = extname(__filename) === '.ts';
  return new Worker(join(__dirname, `validation-worker${typescript ? '.ts' : '.js'}`), {
    execArgv: typescript ? ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'] : [],
  });
}
