import { Gauge, type Registry } from 'prom-client';

/** What the dead-letter gauges read when Prometheus scrapes. */
export interface DeadLetterReadings {
  /** The DLQs the hub drains (each gets a 0 when nothing waits). */
  readonly drained: readonly string[];
  pendingByQueue(): Promise<readonly { queue: string; count: number }[]>;
  oldestPendingByQueue(): Promise<readonly { queue: string; ageSeconds: number }[]>;
  /** Messages waiting in the broker queue; undefined when the broker does not answer. */
  brokerDepth(queue: string): Promise<number | undefined>;
}

/**
 * Registers the dead-letter gauges on `registry`, read at each scrape: dead letters kept and not
 * replayed, the age of the oldest of them, and what waits in the DLQs themselves, by queue.
 */
export function registerDeadLetterMetrics(registry: Registry, readings: DeadLetterReadings): void {
  const { drained } = readings;
  new Gauge({
    name: 'cstr_hub_dead_letters_pending',
    help: 'Dead letters kept by the hub and not replayed, by dead-letter queue.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of drained) this.set({ queue }, 0);
      for (const row of await readings.pendingByQueue()) this.set({ queue: row.queue }, row.count);
    },
  });
  new Gauge({
    name: 'cstr_hub_dead_letter_oldest_age_seconds',
    help: 'Age of the oldest dead letter kept by the hub and not replayed, by dead-letter queue (0 when none waits).',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of drained) this.set({ queue }, 0);
      for (const row of await readings.oldestPendingByQueue()) this.set({ queue: row.queue }, row.ageSeconds);
    },
  });
  new Gauge({
    name: 'cstr_hub_dlq_depth',
    help: 'Messages waiting in each dead-letter queue the hub drains (normally 0: they move to the database at once).',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of drained) {
        const count = await readings.brokerDepth(queue);
        if (count !== undefined) this.set({ queue }, count);
      }
    },
  });
}
