/** Pathway code systems: deadlines (SPEC §8) and the tasks the hub tracks. */
import { HUB_CODE_SYSTEM_BASE, hubCodeSystem, type HubConcept } from './hub-code-system';

const DEADLINE_KIND_CONCEPTS = [
  {
    code: 'assessment-decision',
    display: 'Assessment decision',
    definition: 'Assessment requested to Clinical Lead decision: same day.',
  },
  {
    code: 'first-appointment',
    display: 'First treatment appointment',
    definition:
      'Sentence to treatment start (the first appointment, or a treatment start reported by the service): DRR 2 working days, ATR 14 days, MHTR the timescale in the sentence (default 10 working days).',
  },
  {
    code: 'three-way-meeting',
    display: 'Three/four-way meeting',
    definition: 'Sentence to three- or four-way meeting: 5 working days.',
  },
  {
    code: 'outcome-reporting',
    display: 'Attendance outcome reported',
    definition: 'Appointment end to attended or missed outcome reported: 1 working day.',
  },
  {
    code: 'gp-registration-support',
    display: 'GP registration support',
    definition: 'Not registered with a GP at sentence: the provider supports registration.',
  },
  {
    code: 'review-report',
    display: 'Court review report',
    definition:
      'Court review listed to probation review report sent to the court: 2 working days before the review hearing.',
  },
] as const satisfies readonly HubConcept[];

/** A pathway deadline (SPEC §8). */
export type DeadlineKindCode = (typeof DEADLINE_KIND_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const DEADLINE_KIND_CODES: readonly DeadlineKindCode[] = DEADLINE_KIND_CONCEPTS.map((concept) => concept.code);
/** Canonical URL of the deadline-kind CodeSystem. */
export const DEADLINE_KIND_SYSTEM = `${HUB_CODE_SYSTEM_BASE}deadline-kind`;
/** The pathway deadlines the hub watches. */
export const DEADLINE_KIND_CODE_SYSTEM = hubCodeSystem<DeadlineKindCode>({
  id: 'deadline-kind',
  name: 'CstrDeadlineKind',
  title: 'Pathway deadlines',
  description: 'The pathway steps with a deadline (SPEC §8); timescales are configurable.',
  concepts: DEADLINE_KIND_CONCEPTS,
});

const TASK_TYPE_CONCEPTS = [
  {
    code: 'suitability-assessment',
    display: 'Complete suitability assessment',
    definition: 'Assess the person for a treatment requirement and report the outcome for the pre-sentence report.',
  },
  {
    code: 'treatment-referral',
    display: 'Act on treatment referral',
    definition: 'Accept or reject a treatment referral and start treatment in the timescale.',
  },
  {
    code: 'overdue-step',
    display: 'Overdue pathway step',
    definition: 'A pathway step is overdue; the owner is asked to complete it.',
  },
] as const satisfies readonly HubConcept[];

/** A kind of task. */
export type TaskTypeCode = (typeof TASK_TYPE_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const TASK_TYPE_CODES: readonly TaskTypeCode[] = TASK_TYPE_CONCEPTS.map((concept) => concept.code);
/** Canonical URL of the task-type CodeSystem. */
export const TASK_TYPE_SYSTEM = `${HUB_CODE_SYSTEM_BASE}task-type`;
/** Kinds of `Task` on the pathway (`Task.code`). */
export const TASK_TYPE_CODE_SYSTEM = hubCodeSystem<TaskTypeCode>({
  id: 'task-type',
  name: 'CstrTaskType',
  title: 'Pathway task types',
  description: 'The tasks partners are asked to do on the pathway.',
  concepts: TASK_TYPE_CONCEPTS,
});

const ALERT_TYPE_CONCEPTS = [
  {
    code: 'pathway-candidate',
    display: 'Possible treatment requirement candidate',
    definition:
      'Listed in court, and an earlier Liaison & Diversion screen identified a need: the person may be suitable for a community sentence treatment requirement.',
  },
] as const satisfies readonly HubConcept[];

/** A kind of hub alert. */
export type AlertTypeCode = (typeof ALERT_TYPE_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const ALERT_TYPE_CODES: readonly AlertTypeCode[] = ALERT_TYPE_CONCEPTS.map((concept) => concept.code);
/** Canonical URL of the alert-type CodeSystem. */
export const ALERT_TYPE_SYSTEM = `${HUB_CODE_SYSTEM_BASE}alert-type`;
/** Alerts the hub raises itself (`Flag.code`). */
export const ALERT_TYPE_CODE_SYSTEM = hubCodeSystem<AlertTypeCode>({
  id: 'alert-type',
  name: 'CstrAlertType',
  title: 'Hub alert types',
  description: 'Alerts the hub raises to partners on the pathway.',
  concepts: ALERT_TYPE_CONCEPTS,
});
