/**
 * The message Bundle of every event of the catalogue (SPEC §3): `buildEventBundle` dispatches on
 * the event type to one builder per event, each adding the event's main resources to an
 * {@link EventMessage}.
 */
import {
  OperationOutcomeError,
  PARTNER_ID_PATTERN,
  operationOutcome,
  operationOutcomeOf,
  type OperationOutcome,
  type OperationOutcomeIssue,
} from '@cstr/contracts';
import type { Bundle } from 'fhir/r4';
import type { BuildResult } from '../builders/build-result';
import { isUuid } from '../builders/resource-ids';
import { buildHearingListed, buildHearingResulted, buildSentenceImposed } from './court-events.builder';
import {
  buildDrugTestResulted,
  buildReviewListed,
  buildReviewReported,
  buildReviewResulted,
  buildTreatmentStarted,
} from './drr-atr-events.builder';
import type { EventInput } from './event-inputs';
import { EventMessage } from './event-message';
import { buildGpRegistrationChanged, buildGpRegistrationChecked } from './gp-events.builder';
import { buildCandidateIdentified, buildDeadlineMissed } from './pathway-events.builder';
import {
  buildCaseAllocated,
  buildEnforcementDecided,
  buildPsrRequested,
  buildRequirementTerminated,
  buildRiskChanged,
} from './probation-events.builder';
import { buildConsentRecorded, buildConsentWithdrawn, buildScreeningCompleted } from './screening-events.builder';
import {
  buildAppointmentAttended,
  buildAppointmentBooked,
  buildAppointmentMissed,
  buildAssessmentCompleted,
  buildEpisodeEnded,
  buildProgressReported,
  buildReferralAccepted,
  buildReferralRejected,
  buildReferralRequested,
  buildSuitabilityDecided,
} from './treatment-events.builder';

/** FHIR `instant`: a date-time with seconds and a time zone. */
const INSTANT =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/;

/** Problems with an event's envelope that would make a Bundle impossible or invalid. */
export function envelopeIssues(input: EventInput): OperationOutcomeIssue[] {
  const { envelope } = input;
  const issues: OperationOutcomeIssue[] = [];
  const error = (code: OperationOutcomeIssue['code'], diagnostics: string, expression: string) =>
    issues.push({ severity: 'error', code, diagnostics, expression: [expression] });
  if (!isUuid(envelope.eventId)) error('value', 'The event id must be a UUID.', 'envelope.eventId');
  if (!INSTANT.test(envelope.occurredAt))
    error('value', 'occurredAt must be an ISO 8601 date-time with seconds and a time zone.', 'envelope.occurredAt');
  if (!PARTNER_ID_PATTERN.test(envelope.sender))
    error(
      'value',
      'The sender must be a partner id: lower-case letters, digits and single hyphens.',
      'envelope.sender',
    );
  if (envelope.destination !== undefined && !PARTNER_ID_PATTERN.test(envelope.destination)) {
    error(
      'value',
      'The destination must be a partner id: lower-case letters, digits and single hyphens.',
      'envelope.destination',
    );
  }
  if (envelope.correlationId !== undefined && envelope.correlationId.trim() === '')
    error('value', 'The correlation id, when given, must not be blank.', 'envelope.correlationId');
  return issues;
}

/** Adds the main resources of the event to the message: one builder per event type. */
function addEventResources(message: EventMessage, input: EventInput): void {
  switch (input.type) {
    case 'ld.screening.completed':
      return buildScreeningCompleted(message, input);
    case 'court.hearing.listed':
      return buildHearingListed(message, input);
    case 'court.hearing.resulted':
      return buildHearingResulted(message, input);
    case 'court.sentence.imposed':
      return buildSentenceImposed(message, input);
    case 'probation.psr.requested':
      return buildPsrRequested(message, input);
    case 'probation.case.allocated':
      return buildCaseAllocated(message, input);
    case 'treatment.assessment.completed':
      return buildAssessmentCompleted(message, input);
    case 'treatment.suitability.decided':
      return buildSuitabilityDecided(message, input);
    case 'consent.recorded':
      return buildConsentRecorded(message, input);
    case 'consent.withdrawn':
      return buildConsentWithdrawn(message, input);
    case 'gp.registration.checked':
      return buildGpRegistrationChecked(message, input);
    case 'gp.registration.changed':
      return buildGpRegistrationChanged(message, input);
    case 'treatment.referral.requested':
      return buildReferralRequested(message, input);
    case 'treatment.referral.accepted':
      return buildReferralAccepted(message, input);
    case 'treatment.referral.rejected':
      return buildReferralRejected(message, input);
    case 'treatment.appointment.booked':
      return buildAppointmentBooked(message, input);
    case 'treatment.appointment.attended':
      return buildAppointmentAttended(message, input);
    case 'treatment.appointment.missed':
      return buildAppointmentMissed(message, input);
    case 'treatment.started':
      return buildTreatmentStarted(message, input);
    case 'treatment.drug-test.resulted':
      return buildDrugTestResulted(message, input);
    case 'court.review.listed':
      return buildReviewListed(message, input);
    case 'probation.review.reported':
      return buildReviewReported(message, input);
    case 'court.review.resulted':
      return buildReviewResulted(message, input);
    case 'risk.changed':
      return buildRiskChanged(message, input);
    case 'probation.enforcement.decided':
      return buildEnforcementDecided(message, input);
    case 'treatment.progress.reported':
      return buildProgressReported(message, input);
    case 'treatment.episode.ended':
      return buildEpisodeEnded(message, input);
    case 'probation.requirement.terminated':
      return buildRequirementTerminated(message, input);
    case 'pathway.candidate.identified':
      return buildCandidateIdentified(message, input);
    case 'pathway.deadline.missed':
      return buildDeadlineMissed(message, input);
  }
}

/** Event-specific rules the types cannot express. */
function eventIssues(input: EventInput): OperationOutcomeIssue[] {
  if (input.type === 'risk.changed' && !input.flags?.length && !input.riskAssessment) {
    return [
      {
        severity: 'error',
        code: 'required',
        diagnostics: 'A risk change needs at least one flag or a risk assessment.',
        expression: ['flags'],
      },
    ];
  }
  if (input.type === 'treatment.drug-test.resulted' && input.test.results.length === 0) {
    return [
      {
        severity: 'error',
        code: 'required',
        diagnostics: 'A drug test needs the result of at least one substance.',
        expression: ['test.results'],
      },
    ];
  }
  if (input.type === 'court.sentence.imposed' && input.sentence.requirements.length === 0) {
    return [
      {
        severity: 'error',
        code: 'required',
        diagnostics: 'A sentence event needs at least one treatment requirement.',
        expression: ['sentence.requirements'],
      },
    ];
  }
  return [];
}

/**
 * The message Bundle of an event, or an OperationOutcome saying what in the input is wrong (a bad
 * envelope, an identifier that fails its check, a missing part). Never throws on bad input.
 * Deterministic: the same input gives the same Bundle, every resource id derived from the event id.
 */
export function tryBuildEventBundle(input: EventInput): BuildResult<Bundle> {
  try {
    const issues = [...envelopeIssues(input), ...eventIssues(input)];
    if (issues.length > 0) return { ok: false, outcome: operationOutcomeOf(issues) };
    const message = new EventMessage(input);
    addEventResources(message, input);
    return message.finish(input.type);
  } catch (error) {
    // Input that does not even have the shape of its type (untyped callers): report, never crash.
    const diagnostics = `The event input could not be built: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, outcome: operationOutcome('error', 'exception', diagnostics, ['$']) };
  }
}

/**
 * The message Bundle of an event: `entry[0]` the MessageHeader (event coding, source endpoint
 * `urn:cstr-hub:partner:<sender>`, sender, focus, destination when given), then the Patient,
 * the event's main resources, and the organisations, practitioners and locations they reference.
 *
 * For input already known to be good (fixtures, the hub's own events). It throws an
 * {@link OperationOutcomeError} (400) on bad input; code handling partner input calls
 * {@link tryBuildEventBundle}, which returns the OperationOutcome instead.
 */
export function buildEventBundle(input: EventInput): Bundle {
  const result = tryBuildEventBundle(input);
  if (!result.ok) throw new OperationOutcomeError(400, result.outcome);
  return result.resource;
}

/** The OperationOutcome of an input that cannot be built, or undefined when it can. */
export function eventInputOutcome(input: EventInput): OperationOutcome | undefined {
  const result = tryBuildEventBundle(input);
  return result.ok ? undefined : result.outcome;
}
