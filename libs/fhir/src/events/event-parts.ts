/** Resources several events share: court hearings, treatment requirements, treatment appointments. */
import {
  APPOINTMENT_TYPE_SYSTEM,
  CJS_OFFENCE_SYSTEM,
  ORDER_TYPE_SYSTEM,
  REQUEST_TYPE_SYSTEM,
  REQUIREMENT_TYPE_SYSTEM,
  type OrderTypeCode,
} from '@cstr/contracts';
import type { Appointment, AppointmentParticipant, Extension, Location, Reference, ServiceRequest } from 'fhir/r4';
import { hubCoding, hubConcept } from '../builders/codings';
import { buildLocation } from '../builders/clinical.builders';
import { BOOKING_ORGANIZATION_EXTENSION } from '../builders/uk-core-profiles';
import { COURT_CODE_SYSTEM, partnerIdentifierSystem } from '../builders/hub-identifiers';
import { referenceTo, type BundledResource } from '../builders/resource-ids';
import { buildAppointment, buildServiceRequest } from '../builders/workflow.builders';
import type { AppointmentInput, CourtInput, HearingInput, RequirementInput } from './event-inputs';
import type { EventMessage } from './event-message';
import { treatmentStartDetail } from './treatment-start';

/** `YYYY-MM-DD` plus whole months (clamped to the month's last day, as a court would count). */
export function addMonths(date: string, months: number): string {
  const [year, month, day] = date.slice(0, 10).split('-').map(Number);
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString().slice(0, 10);
}

/** The court as an Organization input. */
export function courtOrganization(court: CourtInput) {
  return { code: court.code, codeKind: 'court' as const, name: court.name };
}

/** The Location of a courtroom (or the court itself when no room is given). */
export function courtLocation(message: EventMessage, court: CourtInput, room?: string): BundledResource<Location> {
  const court_ = message.organizationRef(courtOrganization(court));
  return message.add(`Location/court/${court.code}/${room ?? ''}`, (id) =>
    buildLocation(id, {
      identifier: [{ system: COURT_CODE_SYSTEM, value: court.code }],
      status: 'active',
      name: room ? `${court.name}, ${room}` : court.name,
      managingOrganization: court_,
    }),
  );
}

/**
 * A court hearing as an Appointment. Court lists give the sitting time only, so a hearing
 * without an end time ends when it starts (R4 app-2 wants both or neither).
 */
export function hearingAppointment(
  message: EventMessage,
  role: string,
  hearing: Omit<HearingInput, 'id'> & { id?: string },
  status: Appointment['status'],
  options: {
    focus?: boolean;
    extension?: Extension[];
    serviceType?: 'court-hearing' | 'court-review';
    basedOn?: Reference[];
  } = {},
): BundledResource<Appointment> {
  const location = courtLocation(message, hearing.court, hearing.room);
  const identifier = hearing.id
    ? [{ system: partnerIdentifierSystem(message.senderId, 'hearing'), value: hearing.id }]
    : [];
  if (hearing.caseReference)
    identifier.push({ system: partnerIdentifierSystem(message.senderId, 'case-urn'), value: hearing.caseReference });
  return message.add(
    role,
    (id) =>
      buildAppointment(id, {
        ...(options.extension ? { extension: options.extension } : {}),
        ...(identifier.length ? { identifier } : {}),
        status,
        ...(options.basedOn?.length ? { basedOn: options.basedOn } : {}),
        serviceType: [hubConcept(APPOINTMENT_TYPE_SYSTEM, options.serviceType ?? 'court-hearing')],
        ...(hearing.offences?.length
          ? {
              reasonCode: hearing.offences.map((offence) => ({
                coding: [{ system: CJS_OFFENCE_SYSTEM, code: offence.code, display: offence.title }],
                text: offence.wording ?? offence.title,
              })),
            }
          : {}),
        description: [hearing.hearingType, `${hearing.court.name}${hearing.room ? `, ${hearing.room}` : ''}`]
          .filter(Boolean)
          .join(' — '),
        start: hearing.start,
        end: hearing.end ?? hearing.start,
        participant: [
          { actor: message.patient, required: 'required', status: 'accepted' },
          { actor: referenceTo(location, location.resource.name), required: 'required', status: 'accepted' },
        ],
      }),
    { focus: options.focus },
  );
}

/** What a treatment requirement ServiceRequest carries besides status, intent and the parties. */
export function requirementFields(
  requirement: RequirementInput,
  sentenceDate: string | undefined,
  orderType?: OrderTypeCode,
): Partial<ServiceRequest> {
  const start = treatmentStartDetail(requirement);
  return {
    category: [
      hubConcept(REQUEST_TYPE_SYSTEM, 'treatment-requirement'),
      ...(orderType ? [hubConcept(ORDER_TYPE_SYSTEM, orderType)] : []),
    ],
    code: { coding: [hubCoding(REQUIREMENT_TYPE_SYSTEM, requirement.type)] },
    orderDetail: [{ text: `Requirement length ${requirement.lengthMonths} months` }, ...(start ? [start] : [])],
    ...(requirement.sessions !== undefined
      ? { quantityQuantity: { value: requirement.sessions, unit: 'sessions' } }
      : {}),
    ...(sentenceDate
      ? { occurrencePeriod: { start: sentenceDate, end: addMonths(sentenceDate, requirement.lengthMonths) } }
      : {}),
  };
}

/** A treatment requirement as a ServiceRequest. */
export function requirementRequest(
  message: EventMessage,
  role: string,
  requirement: RequirementInput,
  fields: {
    status: ServiceRequest['status'];
    sentenceDate?: string;
    orderType?: OrderTypeCode;
    requisition?: string;
    authoredOn?: string;
    requester?: Reference;
    note?: string;
  },
): BundledResource<ServiceRequest> {
  return message.focus(role, (id) =>
    buildServiceRequest(id, {
      ...(requirement.id
        ? { identifier: [{ system: partnerIdentifierSystem(message.senderId, 'requirement'), value: requirement.id }] }
        : {}),
      ...(fields.requisition
        ? { requisition: { system: partnerIdentifierSystem(message.senderId, 'order'), value: fields.requisition } }
        : {}),
      status: fields.status,
      intent: 'order',
      ...requirementFields(requirement, fields.sentenceDate, fields.orderType),
      subject: message.patient,
      ...(fields.authoredOn ? { authoredOn: fields.authoredOn } : {}),
      ...(fields.requester ? { requester: fields.requester } : {}),
      ...(requirement.provider ? { performer: [message.organizationRef(requirement.provider)] } : {}),
      ...(fields.note ? { note: [{ text: fields.note }] } : {}),
    }),
  );
}

/** A treatment appointment (assessment, three/four-way meeting, session) with the given status. */
export function treatmentAppointment(
  message: EventMessage,
  appointment: AppointmentInput,
  status: Appointment['status'],
): BundledResource<Appointment> {
  const participant: AppointmentParticipant[] = [{ actor: message.patient, required: 'required', status: 'accepted' }];
  if (appointment.practitioner)
    participant.push({
      actor: message.practitionerRef(appointment.practitioner, appointment.provider),
      required: 'required',
      status: 'accepted',
    });
  if (appointment.location) {
    const location = message.add(`Location/${appointment.location}`, (id) =>
      buildLocation(id, { status: 'active', name: appointment.location }),
    );
    participant.push({ actor: referenceTo(location, appointment.location), required: 'required', status: 'accepted' });
  }
  const provider = appointment.provider ? message.organization(appointment.provider) : message.sender;
  const providerPartner = appointment.provider?.partnerId ?? message.senderId;
  return message.focus('Appointment', (id) =>
    buildAppointment(id, {
      extension: [
        { url: BOOKING_ORGANIZATION_EXTENSION, valueReference: referenceTo(provider, provider.resource.name) },
      ],
      identifier: [{ system: partnerIdentifierSystem(providerPartner, 'appointment'), value: appointment.id }],
      status,
      serviceType: [hubConcept(APPOINTMENT_TYPE_SYSTEM, appointment.serviceType)],
      ...(appointment.sessionNumber !== undefined ? { description: `Session ${appointment.sessionNumber}` } : {}),
      start: appointment.start,
      end: appointment.end,
      participant,
    }),
  );
}
