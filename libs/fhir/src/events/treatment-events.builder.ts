/** Treatment provider events: assessment, decision, referral, appointments, progress, end of episode. */
import {
  APPOINTMENT_TYPE_SYSTEM,
  CLINICAL_LEAD_DECISION_SYSTEM,
  ENGAGEMENT_LEVEL_SYSTEM,
  EPISODE_END_REASON_SYSTEM,
  NON_ATTENDANCE_SIGNIFICANCE_SYSTEM,
  OBSERVATION_TYPE_SYSTEM,
  OUTCOME_STAGE_SYSTEM,
  PRACTITIONER_ROLE_SYSTEM,
  REQUEST_TYPE_SYSTEM,
  REQUIREMENT_TYPE_SYSTEM,
  SUITABILITY_OUTCOME_SYSTEM,
  TASK_TYPE_SYSTEM,
  type ObservationTypeCode,
  type PractitionerRoleCode,
  type RequirementTypeCode,
} from '@cstr/contracts';
import type { CodeableConcept, Coding, ObservationComponent, Reference, Task } from 'fhir/r4';
import { buildObservation } from '../builders/clinical.builders';
import { hubCoding, hubConcept } from '../builders/codings';
import { EPISODE_END_REASON_EXTENSION } from '../builders/hub-extensions';
import { partnerIdentifierSystem, REFERRAL_ID_SYSTEM } from '../builders/hub-identifiers';
import { buildPractitionerRole, practitionerTelecom } from '../builders/party.builders';
import {
  buildCarePlan,
  buildEpisodeOfCare,
  buildGoal,
  buildServiceRequest,
  buildTask,
} from '../builders/workflow.builders';
import type {
  OrganizationInput,
  OutcomeInstrumentInput,
  OutcomeScoreInput,
  PractitionerInput,
  TreatmentAppointmentAttendedInput,
  TreatmentAppointmentBookedInput,
  TreatmentAppointmentMissedInput,
  TreatmentAssessmentCompletedInput,
  TreatmentEpisodeEndedInput,
  TreatmentProgressReportedInput,
  TreatmentReferralAcceptedInput,
  TreatmentReferralRejectedInput,
  TreatmentReferralRequestedInput,
  TreatmentSuitabilityDecidedInput,
} from './event-inputs';
import type { EventMessage } from './event-message';
import { requirementFields, treatmentAppointment } from './event-parts';

/** The component naming the treatment requirement an assessment or decision is about. */
function requirementComponent(type: RequirementTypeCode): ObservationComponent {
  return {
    code: hubConcept(REQUEST_TYPE_SYSTEM, 'treatment-requirement'),
    valueCodeableConcept: hubConcept(REQUIREMENT_TYPE_SYSTEM, type),
  };
}

/** The PractitionerRole of a named clinician at a provider; a main resource of the event when `focus`. */
function clinicianRole(
  message: EventMessage,
  clinician: PractitionerInput,
  provider: OrganizationInput,
  code: PractitionerRoleCode,
  focus: boolean,
): Reference {
  const telecom = practitionerTelecom(clinician);
  const role = message.add(
    `PractitionerRole/${code}`,
    (id) =>
      buildPractitionerRole(id, {
        active: true,
        practitioner: message.practitionerRef(clinician, provider),
        organization: message.organizationRef(provider),
        code: [hubConcept(PRACTITIONER_ROLE_SYSTEM, code, clinician.role)],
        ...(telecom.length ? { telecom } : {}),
      }),
    { focus },
  );
  return { reference: role.fullUrl, display: [...clinician.name.given, clinician.name.family].join(' ') };
}

/**
 * `treatment.assessment.completed`: the suitability Observation (suitable / not suitable, the
 * reason as a note) and, when suitable, the proposed CarePlan with its goals.
 */
export function buildAssessmentCompleted(message: EventMessage, input: TreatmentAssessmentCompletedInput): void {
  const { assessment, proposedPlan } = input;
  const practitioner = message.practitionerRef(assessment.practitioner, assessment.provider);
  message.focus('Observation/suitability', (id) =>
    buildObservation(id, {
      identifier: [{ system: partnerIdentifierSystem(message.senderId, 'assessment'), value: assessment.id }],
      status: 'final',
      code: hubConcept(OBSERVATION_TYPE_SYSTEM, 'suitability'),
      subject: message.patient,
      effectiveDateTime: assessment.date,
      performer: [practitioner],
      valueCodeableConcept: hubConcept(SUITABILITY_OUTCOME_SYSTEM, assessment.outcome),
      ...(assessment.reason ? { note: [{ text: assessment.reason }] } : {}),
      component: [requirementComponent(assessment.requirementType)],
    }),
  );
  // AUDIT at an ATR assessment: an outcome score, for the hub's reporting only.
  outcomeScores(message, input.scores ?? [], message.organizationRef(assessment.provider));
  if (!proposedPlan) return;
  const goals = (proposedPlan.goals ?? []).map((description, index) =>
    message.add(`Goal/${index}`, (id) =>
      buildGoal(id, { lifecycleStatus: 'proposed', description: { text: description }, subject: message.patient }),
    ),
  );
  message.focus('CarePlan', (id) =>
    buildCarePlan(id, {
      status: 'draft',
      intent: 'proposal',
      category: [hubConcept(REQUIREMENT_TYPE_SYSTEM, assessment.requirementType)],
      title: 'Proposed treatment plan',
      description: proposedPlan.description,
      subject: message.patient,
      ...(proposedPlan.period ? { period: proposedPlan.period } : {}),
      created: assessment.date,
      author: practitioner,
      ...(goals.length ? { goal: goals.map((goal) => ({ reference: goal.fullUrl })) } : {}),
      ...(proposedPlan.sessions !== undefined
        ? {
            activity: [
              {
                detail: {
                  kind: 'Appointment',
                  code: hubConcept(APPOINTMENT_TYPE_SYSTEM, 'treatment-session'),
                  status: 'not-started',
                  scheduledTiming: {
                    repeat: {
                      count: proposedPlan.sessions,
                      ...(proposedPlan.sessionMinutes
                        ? { duration: proposedPlan.sessionMinutes, durationUnit: 'min' }
                        : {}),
                    },
                  },
                  performer: [practitioner],
                },
              },
            ],
          }
        : {}),
    }),
  );
}

/** `treatment.suitability.decided`: the Clinical Lead's decision Observation and their PractitionerRole. */
export function buildSuitabilityDecided(message: EventMessage, input: TreatmentSuitabilityDecidedInput): void {
  const { decision } = input;
  // Added first so the Observation comes before the PractitionerRole in the Bundle.
  message.focus('Observation/clinical-lead-decision', (id) =>
    buildObservation(id, {
      status: 'final',
      code: hubConcept(OBSERVATION_TYPE_SYSTEM, 'clinical-lead-decision'),
      subject: message.patient,
      effectiveDateTime: decision.decidedAt,
      performer: [{ reference: message.fullUrlOf('PractitionerRole/clinical-lead') }],
      valueCodeableConcept: hubConcept(CLINICAL_LEAD_DECISION_SYSTEM, decision.outcome),
      ...(decision.reason ? { note: [{ text: decision.reason }] } : {}),
      component: [requirementComponent(decision.requirementType)],
    }),
  );
  clinicianRole(message, decision.clinicalLead, decision.provider, 'clinical-lead', true);
}

/**
 * `treatment.referral.requested`: the requirement as a ServiceRequest to the provider and a Task
 * (status `requested`, owner = provider, due by the first-appointment deadline).
 */
export function buildReferralRequested(message: EventMessage, input: TreatmentReferralRequestedInput): void {
  const { referral } = input;
  const requester = message.practitionerRef(referral.requester, referral.requesterOrganization);
  const provider = message.organizationRef(referral.provider);
  const identifier = [{ system: REFERRAL_ID_SYSTEM, value: referral.id }];
  const serviceRequest = message.focus('ServiceRequest', (id) =>
    buildServiceRequest(id, {
      identifier,
      status: 'active',
      intent: 'order',
      ...requirementFields(referral.requirement, referral.sentenceDate),
      subject: message.patient,
      authoredOn: referral.requestedAt,
      requester,
      performer: [provider],
      ...(referral.note ? { note: [{ text: referral.note }] } : {}),
    }),
  );
  message.focus('Task', (id) =>
    buildTask(id, {
      identifier,
      basedOn: [{ reference: serviceRequest.fullUrl }],
      status: 'requested',
      intent: 'order',
      code: hubConcept(TASK_TYPE_SYSTEM, 'treatment-referral'),
      focus: { reference: serviceRequest.fullUrl },
      for: message.patient,
      authoredOn: referral.requestedAt,
      requester,
      owner: provider,
      ...(referral.dueBy ? { restriction: { period: { end: referral.dueBy } } } : {}),
    }),
  );
}

/** The referral Task as the provider answers it (accepted or rejected). */
function referralDecision(
  message: EventMessage,
  referral: { id: string; decidedAt: string; provider: OrganizationInput; clinician?: PractitionerInput },
  status: Extract<Task['status'], 'accepted' | 'rejected'>,
  reason?: string,
): void {
  // The Task comes first in the Bundle; the clinician's PractitionerRole (its owner) after it.
  message.focus('Task', (id) =>
    buildTask(id, {
      identifier: [{ system: REFERRAL_ID_SYSTEM, value: referral.id }],
      status,
      ...(reason ? { statusReason: { text: reason } } : {}),
      intent: 'order',
      code: hubConcept(TASK_TYPE_SYSTEM, 'treatment-referral'),
      for: message.patient,
      lastModified: referral.decidedAt,
      owner: referral.clinician
        ? { reference: message.fullUrlOf('PractitionerRole/treatment-practitioner') }
        : message.organizationRef(referral.provider),
    }),
  );
  if (referral.clinician)
    clinicianRole(message, referral.clinician, referral.provider, 'treatment-practitioner', false);
}

/** `treatment.referral.accepted`: the Task accepted, owned by the named clinician. */
export function buildReferralAccepted(message: EventMessage, input: TreatmentReferralAcceptedInput): void {
  referralDecision(message, input.referral, 'accepted');
}

/** `treatment.referral.rejected`: the Task rejected, with the reason as `statusReason`. */
export function buildReferralRejected(message: EventMessage, input: TreatmentReferralRejectedInput): void {
  referralDecision(message, input.referral, 'rejected', input.referral.reason);
}

/** `treatment.appointment.booked`: the Appointment, booked. */
export function buildAppointmentBooked(message: EventMessage, input: TreatmentAppointmentBookedInput): void {
  treatmentAppointment(message, input.appointment, 'booked');
}

/** `treatment.appointment.attended`: the Appointment, fulfilled. */
export function buildAppointmentAttended(message: EventMessage, input: TreatmentAppointmentAttendedInput): void {
  treatmentAppointment(message, input.appointment, 'fulfilled');
}

/**
 * `treatment.appointment.missed`: the Appointment (no-show) and the treatment worker's view of
 * the absence: an Observation of non-attendance significance, with the notify-officer flag as a
 * component and no clinical detail.
 */
export function buildAppointmentMissed(message: EventMessage, input: TreatmentAppointmentMissedInput): void {
  const appointment = treatmentAppointment(message, input.appointment, 'noshow');
  const performer = input.recordedBy ?? input.appointment.practitioner;
  message.focus('Observation/non-attendance-significance', (id) =>
    buildObservation(id, {
      status: 'final',
      code: hubConcept(OBSERVATION_TYPE_SYSTEM, 'non-attendance-significance'),
      subject: message.patient,
      focus: [{ reference: appointment.fullUrl }],
      effectiveDateTime: input.appointment.end,
      issued: message.occurredAt,
      ...(performer ? { performer: [message.practitionerRef(performer, input.appointment.provider)] } : {}),
      valueCodeableConcept: hubConcept(NON_ATTENDANCE_SIGNIFICANCE_SYSTEM, input.significance),
      ...(input.comment ? { note: [{ text: input.comment }] } : {}),
      component: [{ code: hubConcept(OBSERVATION_TYPE_SYSTEM, 'notify-officer'), valueBoolean: input.notifyOfficer }],
    }),
  );
}

/** The observation type and, where LOINC has one, the LOINC code of each outcome measure total. */
const OUTCOME_MEASURES: Readonly<Record<OutcomeInstrumentInput, { type: ObservationTypeCode; loinc?: Coding }>> = {
  'core-34': { type: 'outcome-score-core-34' },
  'phq-9': {
    type: 'outcome-score-phq-9',
    loinc: {
      system: 'http://loinc.org',
      code: '44261-6',
      display: 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]',
    },
  },
  'gad-7': {
    type: 'outcome-score-gad-7',
    loinc: {
      system: 'http://loinc.org',
      code: '70274-6',
      display: 'Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]',
    },
  },
  audit: {
    type: 'outcome-score-audit',
    loinc: { system: 'http://loinc.org', code: '75624-7', display: 'Total score [AUDIT]' },
  },
};

/** One Observation per outcome-measure score (category `survey`): the hub keeps them for its reporting only. */
function outcomeScores(message: EventMessage, scores: readonly OutcomeScoreInput[], performer: Reference): void {
  scores.forEach((score, index) => {
    const measure = OUTCOME_MEASURES[score.instrument];
    const code: CodeableConcept = {
      coding: [hubCoding(OBSERVATION_TYPE_SYSTEM, measure.type), ...(measure.loinc ? [measure.loinc] : [])],
    };
    message.focus(`Observation/score/${index}`, (id) =>
      buildObservation(id, {
        status: 'final',
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: 'survey',
                display: 'Survey',
              },
            ],
          },
        ],
        code,
        subject: message.patient,
        effectiveDateTime: score.date,
        performer: [performer],
        valueQuantity: { value: score.score, unit: 'score', system: 'http://unitsofmeasure.org', code: '{score}' },
        ...(score.stage
          ? {
              component: [
                {
                  code: hubConcept(OBSERVATION_TYPE_SYSTEM, 'outcome-stage'),
                  valueCodeableConcept: hubConcept(OUTCOME_STAGE_SYSTEM, score.stage),
                },
              ],
            }
          : {}),
      }),
    );
  });
}

/**
 * `treatment.progress.reported`: the engagement-summary Observation (level, sessions attended and
 * offered, summary note) and one Observation per outcome-measure score (category `survey`).
 */
export function buildProgressReported(message: EventMessage, input: TreatmentProgressReportedInput): void {
  const { progress } = input;
  const provider = message.organizationRef(progress.provider);
  const counts: ObservationComponent[] = [];
  if (progress.sessionsAttended !== undefined)
    counts.push({
      code: hubConcept(OBSERVATION_TYPE_SYSTEM, 'sessions-attended'),
      valueInteger: progress.sessionsAttended,
    });
  if (progress.sessionsOffered !== undefined)
    counts.push({
      code: hubConcept(OBSERVATION_TYPE_SYSTEM, 'sessions-offered'),
      valueInteger: progress.sessionsOffered,
    });
  message.focus('Observation/engagement-summary', (id) =>
    buildObservation(id, {
      status: 'final',
      code: hubConcept(OBSERVATION_TYPE_SYSTEM, 'engagement-summary'),
      subject: message.patient,
      effectivePeriod: progress.period,
      performer: [provider],
      valueCodeableConcept: hubConcept(ENGAGEMENT_LEVEL_SYSTEM, progress.engagement),
      note: [{ text: progress.summary }],
      ...(counts.length ? { component: counts } : {}),
    }),
  );
  outcomeScores(message, input.scores ?? [], provider);
}

/**
 * `treatment.episode.ended`: the finished EpisodeOfCare (why it ended: hub extension
 * `episode-end-reason`) and the onward-care ServiceRequest when there is one.
 */
export function buildEpisodeEnded(message: EventMessage, input: TreatmentEpisodeEndedInput): void {
  const { episode, onwardReferral } = input;
  const provider = message.organizationRef(episode.provider);
  message.focus('EpisodeOfCare', (id) =>
    buildEpisodeOfCare(id, {
      extension: [
        {
          url: EPISODE_END_REASON_EXTENSION,
          valueCodeableConcept: hubConcept(EPISODE_END_REASON_SYSTEM, episode.reason),
        },
      ],
      identifier: [{ system: partnerIdentifierSystem(message.senderId, 'episode'), value: episode.id }],
      status: 'finished',
      type: [hubConcept(REQUIREMENT_TYPE_SYSTEM, episode.requirementType)],
      patient: message.patient,
      managingOrganization: provider,
      period: episode.period,
      ...(episode.careCoordinator
        ? { careManager: message.practitionerRef(episode.careCoordinator, episode.provider) }
        : {}),
    }),
  );
  if (onwardReferral) {
    message.focus('ServiceRequest/onward', (id) =>
      buildServiceRequest(id, {
        status: 'active',
        intent: 'order',
        category: [hubConcept(REQUEST_TYPE_SYSTEM, 'onward-referral')],
        code: { text: onwardReferral.description },
        subject: message.patient,
        authoredOn: onwardReferral.requestedAt,
        requester: provider,
        performer: [message.organizationRef(onwardReferral.to)],
      }),
    );
  }
}
