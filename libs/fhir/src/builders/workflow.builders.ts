/**
 * Builders of the workflow resources of the pathway: requests, tasks, appointments, plans,
 * episodes, teams. Each sets `resourceType`, `id` and (where UK Core has one) `meta.profile`; the
 * `fhir/r4` types make the elements FHIR requires mandatory, and the TSDoc names what UK Core
 * adds on top.
 */
import type {
  Appointment,
  CarePlan,
  CareTeam,
  Communication,
  EpisodeOfCare,
  Goal,
  ServiceRequest,
  Task,
} from 'fhir/r4';
import { baseResource, ukCoreResource, type ResourceFields } from './profiled-resource';

/** UKCore-ServiceRequest: `status`, `intent` and `subject` are required. */
export function buildServiceRequest(id: string, fields: ResourceFields<ServiceRequest>): ServiceRequest {
  return ukCoreResource<ServiceRequest>('ServiceRequest', id, fields);
}

/** UKCore-Task: `status` and `intent` are required. */
export function buildTask(id: string, fields: ResourceFields<Task>): Task {
  return ukCoreResource<Task>('Task', id, fields);
}

/**
 * UKCore-Appointment: `status` and at least one `participant` (each with a `status`); a booked,
 * fulfilled or no-show appointment has both `start` and `end` (R4 app-2, app-3).
 */
export function buildAppointment(id: string, fields: ResourceFields<Appointment>): Appointment {
  return ukCoreResource<Appointment>('Appointment', id, fields);
}

/** UKCore-CarePlan: `status`, `intent` and `subject` are required. */
export function buildCarePlan(id: string, fields: ResourceFields<CarePlan>): CarePlan {
  return ukCoreResource<CarePlan>('CarePlan', id, fields);
}

/** UKCore-Communication: `status` is required. */
export function buildCommunication(id: string, fields: ResourceFields<Communication>): Communication {
  return ukCoreResource<Communication>('Communication', id, fields);
}

/** Base R4 Goal (UK Core has no Goal profile): `lifecycleStatus`, `description` and `subject`. */
export function buildGoal(id: string, fields: ResourceFields<Goal>): Goal {
  return baseResource<Goal>('Goal', id, fields);
}

/** Base R4 EpisodeOfCare (no UK Core profile): `status` and `patient` are required. */
export function buildEpisodeOfCare(id: string, fields: ResourceFields<EpisodeOfCare>): EpisodeOfCare {
  return baseResource<EpisodeOfCare>('EpisodeOfCare', id, fields);
}

/** Base R4 CareTeam (no UK Core profile). */
export function buildCareTeam(id: string, fields: ResourceFields<CareTeam>): CareTeam {
  return baseResource<CareTeam>('CareTeam', id, fields);
}
