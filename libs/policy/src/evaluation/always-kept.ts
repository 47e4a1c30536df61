/**
 * Elements every delivered copy keeps whatever a flow's allow-list says, so that it is still a
 * valid message Bundle (SPEC §5): the elements UK Core (or base R4, for types without a UK Core
 * profile) requires (min ≥ 1), what an invariant ties to an element a flow may keep (app-3,
 * prr-1, ppc-1), and the reference to the Patient. `always-kept.spec.ts` checks the table against
 * the snapshots of the kit; the property test checks redacted copies with the validator.
 */

/** Kept on every resource: identity and conformance claims (`meta` is narrowed to these). */
export const ALWAYS_KEPT_META = ['profile', 'security'] as const;

/** Per resource type: required elements and the element referring to the Patient. */
export const ALWAYS_KEPT_ELEMENTS: Readonly<Record<string, readonly string[]>> = {
  MessageHeader: ['eventCoding', 'eventUri', 'source', 'destination', 'sender', 'focus'],
  Patient: [],
  // app-3: a booked, fulfilled or missed appointment keeps its start and end.
  Appointment: ['status', 'participant', 'start', 'end'],
  CarePlan: ['status', 'intent', 'subject'],
  CareTeam: ['subject'],
  Communication: ['status', 'subject'],
  // UK Core requires scope and category; ppc-1 wants a policy or policyRule.
  Consent: ['status', 'scope', 'category', 'patient', 'policy', 'policyRule'],
  Encounter: ['status', 'class', 'subject'],
  EpisodeOfCare: ['status', 'patient'],
  Flag: ['status', 'code', 'subject'],
  Goal: ['lifecycleStatus', 'description', 'subject'],
  Location: [],
  Observation: ['status', 'code', 'subject'],
  Organization: [],
  Practitioner: [],
  PractitionerRole: [],
  RiskAssessment: ['status', 'subject'],
  // prr-1: orderDetail needs code.
  ServiceRequest: ['status', 'intent', 'subject', 'code'],
  Task: ['status', 'intent', 'for'],
};

/** Elements kept for a resource type not in the table: the usual Patient references. */
const DEFAULT_KEPT = ['subject', 'patient'];

/** The elements of `resourceType` no allow-list can remove. */
export function alwaysKeptElements(resourceType: string): readonly string[] {
  return Object.hasOwn(ALWAYS_KEPT_ELEMENTS, resourceType) ? ALWAYS_KEPT_ELEMENTS[resourceType] : DEFAULT_KEPT;
}

/** MessageHeader elements that may go when they point at something removed (sender, focus). */
const MESSAGE_HEADER_OPTIONAL: ReadonlySet<string> = new Set(['eventUri', 'destination', 'sender', 'focus']);

/** Elements whose loss makes a resource unusable: if one would dangle, the resource goes. */
export function requiredElements(resourceType: string): readonly string[] {
  const kept = alwaysKeptElements(resourceType);
  return resourceType === 'MessageHeader' ? kept.filter((element) => !MESSAGE_HEADER_OPTIONAL.has(element)) : kept;
}
