/**
 * A validation worker of {@link ValidationPool}: parses each body and validates it as a message
 * Bundle. A body that is not JSON gets the OperationOutcome the hub gives it inline.
 */
import { parentPort } from 'node:worker_threads';
import { validateMessageBundle } from './message-bundle.rules';
import { ukCoreKit } from './uk-core-kit';
import type { WorkResponse } from './validation-pool';

ukCoreKit();
parentPort?.postMessage({ ready: true });
parentPort?.on('message', (request: { id: number; bodies: string[] }) => {
  try {
    const outcomes = request.bodies.map((body) => validateMessageBundle(parsed(body)));
    parentPort?.postMessage({ id: request.id, outcomes } satisfies WorkResponse);
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: String(error) } satisfies WorkResponse);
  }
});

function parsed(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
