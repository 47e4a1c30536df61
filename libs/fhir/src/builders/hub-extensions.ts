/**
 * Hub extensions (SPEC §3: hub CodeSystems and extensions live under
 * `https://cstr-hub.org.uk/fhir/`), for facts R4 has no element for.
 */
import { HUB_FHIR_BASE } from '@cstr/contracts';

/** On a court-hearing Appointment: what the hearing ended with (valueCodeableConcept, hearing-outcome). */
export const HEARING_OUTCOME_EXTENSION = `${HUB_FHIR_BASE}/StructureDefinition/hearing-outcome`;

/** On a court-review Appointment: what the court decided at the review (valueCodeableConcept, court-review-outcome). */
export const COURT_REVIEW_OUTCOME_EXTENSION = `${HUB_FHIR_BASE}/StructureDefinition/court-review-outcome`;

/** On an EpisodeOfCare: why it ended (valueCodeableConcept, episode-end-reason). */
export const EPISODE_END_REASON_EXTENSION = `${HUB_FHIR_BASE}/StructureDefinition/episode-end-reason`;

/** On a resource the hub raised because of an earlier event: that event's id (valueIdentifier, system `…/Id/event`). */
export const SOURCE_EVENT_EXTENSION = `${HUB_FHIR_BASE}/StructureDefinition/source-event`;

/** On a treatment requirement's `ServiceRequest.orderDetail`: treatment must start by this date, as the court ordered (valueDate). */
export const TREATMENT_START_BY_EXTENSION = `${HUB_FHIR_BASE}/StructureDefinition/treatment-start-by`;

/** On a treatment requirement's `ServiceRequest.orderDetail`: treatment must start within this many working days of sentence (valueUnsignedInt). */
export const TREATMENT_START_WITHIN_WORKING_DAYS_EXTENSION = `${HUB_FHIR_BASE}/StructureDefinition/treatment-start-within-working-days`;
