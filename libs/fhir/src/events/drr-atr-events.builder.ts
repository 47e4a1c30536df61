/**
 * Drug and alcohol treatment requirement events (DRR, ATR): treatment started, drug test results,
 * and the court reviews of a DRR (listed, probation's report, outcome).
 */
import {
  COURT_REVIEW_OUTCOME_SYSTEM,
  DRUG_TEST_RESULT_SYSTEM,
  DRUG_TEST_SUBSTANCE_SYSTEM,
  OBSERVATION_TYPE_SYSTEM,
  REQUEST_TYPE_SYSTEM,
  REQUIREMENT_TYPE_SYSTEM,
  TREATMENT_MODALITY_SYSTEM,
} from '@cstr/contracts';
import type { Reference } from 'fhir/r4';
import { buildObservation } from '../builders/clinical.builders';
import { hubCoding, hubConcept } from '../builders/codings';
import { COURT_REVIEW_OUTCOME_EXTENSION } from '../builders/hub-extensions';
import { partnerIdentifierSystem } from '../builders/hub-identifiers';
import { referenceTo } from '../builders/resource-ids';
import { buildCommunication, buildEpisodeOfCare, buildServiceRequest } from '../builders/workflow.builders';
import type {
  CourtReviewListedInput,
  CourtReviewResultedInput,
  DrugTestInput,
  ProbationReviewReportedInput,
  ReviewedRequirementInput,
  TreatmentDrugTestResultedInput,
  TreatmentStartedInput,
} from './event-inputs';
import type { EventMessage } from './event-message';
import { courtOrganization, hearingAppointment } from './event-parts';

/** `treatment.started`: an active EpisodeOfCare whose period starts when treatment started. */
export function buildTreatmentStarted(message: EventMessage, input: TreatmentStartedInput): void {
  const { start } = input;
  message.focus('EpisodeOfCare', (id) =>
    buildEpisodeOfCare(id, {
      identifier: [{ system: partnerIdentifierSystem(message.senderId, 'episode'), value: start.id }],
      status: 'active',
      type: [
        hubConcept(REQUIREMENT_TYPE_SYSTEM, start.requirementType),
        ...(start.modality ? [hubConcept(TREATMENT_MODALITY_SYSTEM, start.modality)] : []),
      ],
      patient: message.patient,
      managingOrganization: message.organizationRef(start.provider),
      period: { start: start.startedOn },
      ...(start.keyworker ? { careManager: message.practitionerRef(start.keyworker, start.provider) } : {}),
    }),
  );
}

/** One Observation per substance of a drug test: what was tested, the result, the sample date. */
function drugTestObservations(message: EventMessage, test: DrugTestInput, role: string): Reference[] {
  const performer = test.testedBy
    ? message.practitionerRef(test.testedBy, test.provider)
    : message.organizationRef(test.provider);
  const providerPartner = test.provider.partnerId ?? message.senderId;
  return test.results.map(({ substance, result }) => {
    const observation = message.focus(`Observation/${role}/${test.id}/${substance}`, (id) =>
      buildObservation(id, {
        identifier: [
          { system: partnerIdentifierSystem(providerPartner, 'drug-test'), value: `${test.id}/${substance}` },
        ],
        status: 'final',
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: 'laboratory',
                display: 'Laboratory',
              },
            ],
          },
        ],
        code: {
          coding: [
            hubCoding(OBSERVATION_TYPE_SYSTEM, 'drug-test-result'),
            hubCoding(DRUG_TEST_SUBSTANCE_SYSTEM, substance),
          ],
        },
        subject: message.patient,
        effectiveDateTime: test.sampledAt,
        issued: message.occurredAt,
        performer: [performer],
        valueCodeableConcept: hubConcept(DRUG_TEST_RESULT_SYSTEM, result),
        ...(test.method ? { method: { text: test.method } } : {}),
      }),
    );
    return { reference: observation.fullUrl };
  });
}

/** `treatment.drug-test.resulted`: the test's Observations, one per substance. */
export function buildDrugTestResulted(message: EventMessage, input: TreatmentDrugTestResultedInput): void {
  drugTestObservations(message, input.test, 'drug-test');
}

/** The reviewed requirement as a ServiceRequest the court's hearing is based on, naming who reports. */
function reviewedRequirement(
  message: EventMessage,
  requirement: ReviewedRequirementInput,
  court: Reference,
  reportFrom?: Reference,
): Reference {
  const request = message.add(`ServiceRequest/requirement/${requirement.id ?? requirement.type}`, (id) =>
    buildServiceRequest(id, {
      ...(requirement.id
        ? { identifier: [{ system: partnerIdentifierSystem(message.senderId, 'requirement'), value: requirement.id }] }
        : {}),
      status: 'active',
      intent: 'order',
      category: [hubConcept(REQUEST_TYPE_SYSTEM, 'treatment-requirement')],
      code: { coding: [hubCoding(REQUIREMENT_TYPE_SYSTEM, requirement.type)] },
      subject: message.patient,
      requester: court,
      ...(reportFrom ? { performer: [reportFrom] } : {}),
    }),
  );
  return referenceTo(request);
}

/**
 * `court.review.listed`: the review hearing as a booked Appointment (service type `court-review`)
 * based on the reviewed requirement, whose performer is the probation team asked for the report.
 */
export function buildReviewListed(message: EventMessage, input: CourtReviewListedInput): void {
  const { review } = input;
  const court = message.organizationRef(courtOrganization(review.hearing.court));
  const reportFrom = review.reportFrom ? message.organizationRef(review.reportFrom) : undefined;
  const basedOn = reviewedRequirement(message, review.requirement, court, reportFrom);
  hearingAppointment(message, 'Appointment/review', review.hearing, 'booked', {
    focus: true,
    serviceType: 'court-review',
    basedOn: [basedOn],
  });
}

/**
 * `probation.review.reported`: the written review report as a Communication to the court (the
 * progress summary in its payload), with the drug test results it includes as Observations.
 */
export function buildReviewReported(message: EventMessage, input: ProbationReviewReportedInput): void {
  const { report } = input;
  const tests = (report.drugTests ?? []).flatMap((test) => drugTestObservations(message, test, 'report-drug-test'));
  message.focus('Communication', (id) =>
    buildCommunication(id, {
      identifier: [{ system: partnerIdentifierSystem(message.senderId, 'review-report'), value: report.id }],
      status: 'completed',
      category: [{ text: 'Court review report' }],
      subject: message.patient,
      topic: {
        coding: [hubCoding(REQUIREMENT_TYPE_SYSTEM, report.requirement.type)],
        text: `Review of ${report.requirement.type.toUpperCase()} on ${report.reviewDate}`,
      },
      sent: report.sentAt,
      recipient: [message.organizationRef(courtOrganization(report.court))],
      sender: report.officer
        ? message.practitionerRef(report.officer)
        : referenceTo(message.sender, message.sender.resource.name),
      payload: [{ contentString: report.summary }, ...tests.map((test) => ({ contentReference: test }))],
    }),
  );
}

/** `court.review.resulted`: the review hearing as a fulfilled Appointment with its outcome, and the next review. */
export function buildReviewResulted(message: EventMessage, input: CourtReviewResultedInput): void {
  const { review } = input;
  const court = message.organizationRef(courtOrganization(review.hearing.court));
  const basedOn = reviewedRequirement(message, review.requirement, court);
  hearingAppointment(message, 'Appointment/review', review.hearing, 'fulfilled', {
    focus: true,
    serviceType: 'court-review',
    basedOn: [basedOn],
    extension: [
      {
        url: COURT_REVIEW_OUTCOME_EXTENSION,
        valueCodeableConcept: hubConcept(COURT_REVIEW_OUTCOME_SYSTEM, review.outcome),
      },
    ],
  });
  if (review.nextReview) {
    const next = {
      court: review.nextReview.court ?? review.hearing.court,
      start: review.nextReview.start,
      hearingType: 'Next review',
    };
    hearingAppointment(message, 'Appointment/next-review', next, 'booked', {
      focus: true,
      serviceType: 'court-review',
      basedOn: [basedOn],
    });
  }
}
