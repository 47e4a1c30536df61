/** Probation events: report requested, case allocated, enforcement decided, requirement terminated, risk changed. */
import {
  ENFORCEMENT_DECISION_SYSTEM,
  PRACTITIONER_ROLE_SYSTEM,
  REQUEST_TYPE_SYSTEM,
  REQUIREMENT_TERMINATION_SYSTEM,
  REQUIREMENT_TYPE_SYSTEM,
  RISK_LEVEL_SYSTEM,
  RISK_REGISTER_CODE_SYSTEM,
  RISK_REGISTER_SYSTEM,
  RISK_REGISTRATION_TYPE_SYSTEM,
  TASK_TYPE_SYSTEM,
} from '@cstr/contracts';
import type { CodeableConcept, ServiceRequest } from 'fhir/r4';
import { buildFlag, buildRiskAssessment } from '../builders/clinical.builders';
import { hubCoding, hubConcept } from '../builders/codings';
import { partnerIdentifierSystem } from '../builders/hub-identifiers';
import { buildPractitionerRole, practitionerTelecom } from '../builders/party.builders';
import { referenceTo } from '../builders/resource-ids';
import { buildCareTeam, buildCommunication, buildServiceRequest, buildTask } from '../builders/workflow.builders';
import type {
  ProbationCaseAllocatedInput,
  ProbationEnforcementDecidedInput,
  ProbationPsrRequestedInput,
  ProbationRequirementTerminatedInput,
  RiskChangedInput,
  RiskFlagInput,
} from './event-inputs';
import type { EventMessage } from './event-message';
import { hearingAppointment } from './event-parts';

/**
 * `probation.psr.requested`: a suitability-assessment ServiceRequest to the provider (the
 * requirement types considered as order details) and its Task, due by `dueBy`.
 */
export function buildPsrRequested(message: EventMessage, input: ProbationPsrRequestedInput): void {
  const { request } = input;
  const requester = message.practitionerRef(request.requester, request.requesterOrganization);
  const performer = message.organizationRef(request.performer);
  const hearing = request.hearing
    ? hearingAppointment(message, 'Appointment/hearing', request.hearing, 'booked')
    : undefined;
  const identifier = [{ system: partnerIdentifierSystem(message.senderId, 'psr-request'), value: request.id }];
  const serviceRequest = message.focus('ServiceRequest', (id) =>
    buildServiceRequest(id, {
      identifier,
      status: 'active',
      intent: 'order',
      category: [hubConcept(REQUEST_TYPE_SYSTEM, 'suitability-assessment')],
      code: { text: 'Suitability assessment for a community sentence treatment requirement' },
      orderDetail: request.requirementTypes.map((type) => hubConcept(REQUIREMENT_TYPE_SYSTEM, type)),
      priority: 'urgent',
      subject: message.patient,
      occurrenceDateTime: request.dueBy,
      authoredOn: request.requestedAt,
      requester,
      performer: [performer],
      ...(hearing ? { supportingInfo: [{ reference: hearing.fullUrl }] } : {}),
      ...(request.note ? { note: [{ text: request.note }] } : {}),
    }),
  );
  message.focus('Task', (id) =>
    buildTask(id, {
      identifier,
      basedOn: [{ reference: serviceRequest.fullUrl }],
      status: 'requested',
      intent: 'order',
      priority: 'urgent',
      code: hubConcept(TASK_TYPE_SYSTEM, 'suitability-assessment'),
      focus: { reference: serviceRequest.fullUrl },
      for: message.patient,
      authoredOn: request.requestedAt,
      requester,
      owner: performer,
      restriction: { period: { end: request.dueBy } },
    }),
  );
}

/**
 * `probation.case.allocated`: the CareTeam (the probation team, its responsible officer) and the
 * officer's PractitionerRole with work contact details.
 */
export function buildCaseAllocated(message: EventMessage, input: ProbationCaseAllocatedInput): void {
  const { allocation } = input;
  const officer = message.practitionerRef(allocation.responsibleOfficer, allocation.organization);
  const organization = message.organizationRef(allocation.organization);
  const role = hubConcept(PRACTITIONER_ROLE_SYSTEM, 'responsible-officer', allocation.responsibleOfficer.role);
  const telecom = practitionerTelecom(allocation.responsibleOfficer);
  message.focus('CareTeam', (id) =>
    buildCareTeam(id, {
      identifier: [{ system: partnerIdentifierSystem(message.senderId, 'team'), value: allocation.team.code }],
      status: 'active',
      name: allocation.team.name,
      subject: message.patient,
      period: { start: allocation.allocatedOn },
      participant: [
        { role: [role], member: officer, onBehalfOf: organization, period: { start: allocation.allocatedOn } },
      ],
      managingOrganization: [organization],
    }),
  );
  message.focus('PractitionerRole', (id) =>
    buildPractitionerRole(id, {
      active: true,
      period: { start: allocation.allocatedOn },
      practitioner: officer,
      organization,
      code: [role],
      ...(telecom.length ? { telecom } : {}),
    }),
  );
}

/** `probation.enforcement.decided`: a Communication from probation to the provider with the decision. */
export function buildEnforcementDecided(message: EventMessage, input: ProbationEnforcementDecidedInput): void {
  const { enforcement } = input;
  const recipientPartner = enforcement.recipient.partnerId;
  const decision = hubConcept(ENFORCEMENT_DECISION_SYSTEM, enforcement.decision);
  message.focus('Communication', (id) =>
    buildCommunication(id, {
      status: 'completed',
      category: [{ text: 'Enforcement decision' }],
      subject: message.patient,
      ...(enforcement.appointmentIds?.length && recipientPartner
        ? {
            about: enforcement.appointmentIds.map((appointmentId) => ({
              type: 'Appointment',
              identifier: { system: partnerIdentifierSystem(recipientPartner, 'appointment'), value: appointmentId },
            })),
          }
        : {}),
      sent: enforcement.decidedAt,
      recipient: [message.organizationRef(enforcement.recipient)],
      sender: enforcement.officer
        ? message.practitionerRef(enforcement.officer)
        : referenceTo(message.sender, message.sender.resource.name),
      reasonCode: [decision],
      payload: [
        {
          contentString: enforcement.reason
            ? `${decision.coding?.[0].display}: ${enforcement.reason}`
            : (decision.coding?.[0].display ?? enforcement.decision),
        },
      ],
    }),
  );
}

const TERMINATION_STATUS: Readonly<
  Record<ProbationRequirementTerminatedInput['requirement']['outcome'], ServiceRequest['status']>
> = {
  completed: 'completed',
  revoked: 'revoked',
  breached: 'revoked',
};

/**
 * `probation.requirement.terminated`: the requirement's ServiceRequest, completed or revoked,
 * with how it ended as an order detail (completed / revoked / breached).
 */
export function buildRequirementTerminated(message: EventMessage, input: ProbationRequirementTerminatedInput): void {
  const { requirement } = input;
  message.focus('ServiceRequest', (id) =>
    buildServiceRequest(id, {
      identifier: [{ system: partnerIdentifierSystem(message.senderId, 'requirement'), value: requirement.id }],
      status: TERMINATION_STATUS[requirement.outcome],
      intent: 'order',
      category: [hubConcept(REQUEST_TYPE_SYSTEM, 'treatment-requirement')],
      code: hubConcept(REQUIREMENT_TYPE_SYSTEM, requirement.type),
      orderDetail: [hubConcept(REQUIREMENT_TERMINATION_SYSTEM, requirement.outcome)],
      subject: message.patient,
      occurrencePeriod: { end: requirement.terminatedOn },
      requester: message.organizationRef(requirement.organization),
      ...(requirement.reason ? { note: [{ text: requirement.reason }] } : {}),
    }),
  );
}

/** The Flag.code of a risk registration: the register code when the hub knows it, and words. */
function riskFlagCode(flag: RiskFlagInput): CodeableConcept {
  const known = RISK_REGISTER_CODE_SYSTEM.concept.some((concept) => concept.code === flag.code);
  const words = [flag.display, flag.level && `level ${flag.level}`, flag.category && `category ${flag.category}`]
    .filter(Boolean)
    .join(', ');
  return { ...(known ? { coding: [hubCoding(RISK_REGISTER_SYSTEM, flag.code)] } : {}), text: words || flag.code };
}

/**
 * `risk.changed`: one Flag per registration (RoSH level, MAPPA level and category, others) and/or
 * a RiskAssessment with the overall level.
 */
export function buildRiskChanged(message: EventMessage, input: RiskChangedInput): void {
  for (const flag of input.flags ?? []) {
    message.focus(`Flag/${flag.kind}/${flag.code}`, (id) =>
      buildFlag(id, {
        identifier: [
          { system: partnerIdentifierSystem(message.senderId, 'register'), value: `${flag.code}/${flag.start}` },
        ],
        status: flag.status ?? 'active',
        category: [hubConcept(RISK_REGISTRATION_TYPE_SYSTEM, flag.kind)],
        code: riskFlagCode(flag),
        subject: message.patient,
        period: { start: flag.start, ...(flag.end ? { end: flag.end } : {}) },
        author: referenceTo(message.sender, message.sender.resource.name),
      }),
    );
  }
  const assessment = input.riskAssessment;
  if (assessment) {
    message.focus('RiskAssessment', (id) =>
      buildRiskAssessment(id, {
        status: 'final',
        ...(assessment.method ? { method: { text: assessment.method } } : {}),
        subject: message.patient,
        occurrenceDateTime: assessment.date,
        // RiskAssessment.performer may only be a practitioner (or device), never an organisation.
        ...(assessment.assessor ? { performer: message.practitionerRef(assessment.assessor) } : {}),
        prediction: [
          { outcome: { text: 'Serious harm' }, qualitativeRisk: hubConcept(RISK_LEVEL_SYSTEM, assessment.level) },
        ],
        ...(assessment.summary ? { note: [{ text: assessment.summary }] } : {}),
      }),
    );
  }
}
