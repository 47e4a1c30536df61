import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { OperationOutcome } from '@cstr/contracts';
import { ValidationPool } from '@cstr/fhir';
import type { InboundMessage } from '@cstr/messaging';
import { APP_CONFIG } from '@cstr/platform';
import type { HubConfig } from '../hub.config';

/**
 * Validates each ingress batch's Bundles ahead, on `VALIDATION_WORKERS` worker threads, before the
 * batch's transaction opens: the pipeline then takes the outcome instead of validating on the main
 * thread. Without workers (0), or when a worker fails, the pipeline validates inline as before.
 */
@Injectable()
export class BundleValidation implements OnApplicationShutdown {
  private readonly logger = new Logger(BundleValidation.name);
  private readonly pool: ValidationPool | undefined;
  /** Outcomes by parsed body: the same object the pipeline receives for that delivery. */
  private readonly outcomes = new WeakMap<object, OperationOutcome>();

  constructor(@Inject(APP_CONFIG) config: HubConfig) {
    this.pool = config.VALIDATION_WORKERS > 0 ? new ValidationPool(config.VALIDATION_WORKERS) : undefined;
    if (this.pool) this.logger.log(`Validating Bundles on ${config.VALIDATION_WORKERS} worker thread(s)`);
  }

  /** Validates the batch's Bundles not validated yet (a retried batch is not validated again). */
  async prepare(batch: readonly InboundMessage[]): Promise<void> {
    // Until a worker has loaded the kit (at boot), the pipeline validates inline rather than wait.
    if (!this.pool?.ready) return;
    const todo = batch.filter(
      (message) => typeof message.body === 'object' && message.body !== null && !this.outcomes.has(message.body),
    );
    // The worker parses the same bytes the consumer parsed into `body`.
    const outcomes = await this.pool.validate(todo.map((message) => message.raw.content.toString('utf8')));
    todo.forEach((message, index) => this.outcomes.set(message.body as object, outcomes[index]));
  }

  /** The outcome validated ahead for this body, if any. */
  validated(body: unknown): OperationOutcome | undefined {
    return typeof body === 'object' && body !== null ? this.outcomes.get(body) : undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.close();
  }
}
