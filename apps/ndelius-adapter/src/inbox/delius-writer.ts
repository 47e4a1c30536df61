import { Outcome, type HandlerOutcome } from '@cstr/messaging';
import type { DeliusApiClient, DeliusWriteResult } from '../delius/delius-api.client';
import type { DeliusWritePlan } from './delius-writes';

/**
 * Carries out a {@link DeliusWritePlan}: the contact first, then the alert, each idempotent on the
 * event id. Turns Delius's answers into the message's outcome:
 * - created, or 409 on the external reference (written by an earlier delivery) → done;
 * - 404 unknown CRN → dead-letter `unknown-crn` (redelivery cannot help);
 * - 4xx refusal → dead-letter `rejected-by-delius`;
 * - 5xx, timeout, unreachable → retry later (back-off, then the DLQ).
 */
export async function executeDeliusWrites(client: DeliusApiClient, plan: DeliusWritePlan): Promise<HandlerOutcome> {
  if (plan.kind === 'nothing') return Outcome.done();
  if (plan.kind === 'unusable') return Outcome.deadLetter(plan.code, plan.reason);
  if (plan.contact) {
    const failed = failureOutcome(await client.createContact(plan.crn, plan.contact), 'contact');
    if (failed) return failed;
  }
  if (plan.alert) {
    const failed = failureOutcome(await client.createAlert(plan.crn, plan.alert), 'alert');
    if (failed) return failed;
  }
  return Outcome.done();
}

function failureOutcome(result: DeliusWriteResult, what: string): HandlerOutcome | undefined {
  switch (result.kind) {
    case 'created':
    case 'duplicate':
      return undefined;
    case 'unknown-crn':
      return Outcome.deadLetter('unknown-crn', `Delius has no case with this CRN (writing the ${what}).`);
    case 'rejected':
      return Outcome.deadLetter('rejected-by-delius', `Delius refused the ${what}: ${result.reason}`);
    case 'unavailable':
      return Outcome.retry(`Delius unavailable writing the ${what}: ${result.reason}`);
  }
}
