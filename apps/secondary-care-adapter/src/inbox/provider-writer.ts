import { Outcome, type HandlerOutcome } from '@cstr/messaging';
import type { FhirCallResult, ProviderFhirWriter } from '../provider/provider-fhir.client';
import type { CreatedIds, ProviderWritePlanOrNothing } from './provider-writes';

/**
 * Carries out a {@link ProviderWritePlan} in order (Patient first, then what references it), each a
 * conditional create. Outcomes: all created or found → done; server down / 5xx / timeout → retry
 * later (back-off, then the DLQ); a request the server refuses → dead-letter `rejected-by-provider`;
 * an event with nothing for this provider → done, without a call.
 */
export async function executeProviderWrites(
  fhir: ProviderFhirWriter,
  plan: ProviderWritePlanOrNothing,
): Promise<HandlerOutcome> {
  if (plan.kind === 'nothing-for-provider') return Outcome.done();
  if (plan.kind === 'unusable') return Outcome.deadLetter(plan.code, plan.reason);
  const ids: CreatedIds = {};
  const patient = await fhir.conditionalCreate(plan.patient.build(ids), plan.patient.query);
  if (patient.kind !== 'ok') return failureOutcome(patient, 'Patient');
  ids.patient = patient.resource.id;
  for (const step of plan.then) {
    const resource = step.build(ids);
    const created = await fhir.conditionalCreate(resource, step.query);
    if (created.kind !== 'ok') return failureOutcome(created, resource.resourceType);
    if (step.role) ids[step.role] = created.resource.id;
  }
  return Outcome.done();
}

function failureOutcome(result: Exclude<FhirCallResult<unknown>, { kind: 'ok' }>, what: string): HandlerOutcome {
  return result.kind === 'unavailable'
    ? Outcome.retry(`Provider FHIR server unavailable creating the ${what}: ${result.reason}`)
    : Outcome.deadLetter('rejected-by-provider', `The provider refused the ${what}: ${result.reason}`);
}
