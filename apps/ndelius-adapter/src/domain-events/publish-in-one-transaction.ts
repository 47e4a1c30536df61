import type { DataSource } from 'typeorm';
import type { OperationOutcome } from '@cstr/contracts';
import type { EventInput } from '@cstr/fhir';
import type { IngressPublisher } from '@cstr/platform';

/**
 * Queues the events of one partner message in the outbox in a single transaction: all of them, or
 * (when one cannot be published) none, returning that event's OperationOutcome.
 */
export async function publishInOneTransaction(
  dataSource: DataSource,
  publisher: IngressPublisher,
  events: readonly EventInput[],
): Promise<OperationOutcome | undefined> {
  try {
    await dataSource.transaction(async (manager) => {
      for (const input of events) {
        const outcome = await publisher.publish(manager, input);
        if (outcome) throw new RefusedEvent(outcome);
      }
    });
  } catch (error) {
    if (error instanceof RefusedEvent) return error.outcome;
    throw error;
  }
  publisher.notifyCommitted();
  return undefined;
}

/** Rolls the transaction back when one event cannot be published. */
class RefusedEvent extends Error {
  constructor(readonly outcome: OperationOutcome) {
    super('An event could not be published.');
  }
}
