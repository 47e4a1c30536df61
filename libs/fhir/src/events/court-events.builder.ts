/** Court events: a hearing listed, a hearing resulted, a sentence imposed. */
import { HEARING_OUTCOME_SYSTEM } from '@cstr/contracts';
import { hubConcept } from '../builders/codings';
import { HEARING_OUTCOME_EXTENSION } from '../builders/hub-extensions';
import type { CourtHearingListedInput, CourtHearingResultedInput, CourtSentenceImposedInput } from './event-inputs';
import type { EventMessage } from './event-message';
import { courtOrganization, hearingAppointment, requirementRequest } from './event-parts';

/** `court.hearing.listed`: the hearing as a booked Appointment (court, room, sitting time, offences). */
export function buildHearingListed(message: EventMessage, input: CourtHearingListedInput): void {
  hearingAppointment(message, 'Appointment/hearing', input.hearing, 'booked', { focus: true });
}

/**
 * `court.hearing.resulted`: the hearing as a fulfilled Appointment carrying its outcome
 * (hub extension `hearing-outcome`), and the next hearing as a booked one when adjourned.
 */
export function buildHearingResulted(message: EventMessage, input: CourtHearingResultedInput): void {
  const outcomeText = input.reportRequested ? 'Pre-sentence report requested' : undefined;
  hearingAppointment(message, 'Appointment/hearing', input.hearing, 'fulfilled', {
    focus: true,
    extension: [
      {
        url: HEARING_OUTCOME_EXTENSION,
        valueCodeableConcept: hubConcept(HEARING_OUTCOME_SYSTEM, input.outcome, outcomeText),
      },
    ],
  });
  if (input.nextHearing) {
    // The court gives the next hearing a date, not yet an id of its own.
    const next = {
      court: input.nextHearing.court ?? input.hearing.court,
      start: input.nextHearing.start,
      hearingType: 'Next hearing',
    };
    hearingAppointment(message, 'Appointment/next-hearing', next, 'booked', { focus: true });
  }
}

/**
 * `court.sentence.imposed`: one ServiceRequest per treatment requirement (type, length,
 * sessions, start timescale), grouped by the order id in `requisition`, requested by the court.
 */
export function buildSentenceImposed(message: EventMessage, input: CourtSentenceImposedInput): void {
  const { sentence } = input;
  const court = message.organizationRef(courtOrganization(sentence.court));
  const orderNote =
    sentence.orderType === 'suspended-sentence-order' && sentence.custodialTermMonths !== undefined
      ? `Suspended sentence order: ${sentence.custodialTermMonths} months custody suspended for ${sentence.lengthMonths} months`
      : `Community order: ${sentence.lengthMonths} months`;
  sentence.requirements.forEach((requirement, index) =>
    requirementRequest(message, `ServiceRequest/requirement/${requirement.id ?? index}`, requirement, {
      status: 'active',
      sentenceDate: sentence.date,
      orderType: sentence.orderType,
      requisition: sentence.id,
      authoredOn: sentence.date,
      requester: court,
      note: orderNote,
    }),
  );
}
