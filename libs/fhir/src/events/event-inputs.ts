/**
 * The typed input of every event of the catalogue (SPEC §3). Partner mappers turn native data
 * into one of these; `buildEventBundle` turns it into a FHIR R4 message Bundle.
 *
 * Conventions: dates are `YYYY-MM-DD`, instants are ISO 8601 with an offset
 * (`2026-05-11T09:30:00Z`); codes are the hub CodeSystem codes (libs/contracts code-systems);
 * business ids (hearing id, referral id, appointment id) are the sender's own and become
 * `identifier`s, while FHIR resource ids are derived from the event id so output is stable.
 */
import type {
  AppointmentTypeCode,
  CourtReviewOutcomeCode,
  DeadlineKindCode,
  DrugTestResultCode,
  DrugTestSubstanceCode,
  EnforcementDecisionCode,
  EngagementLevelCode,
  EpisodeEndReasonCode,
  EventType,
  HearingOutcomeCode,
  NonAttendanceSignificanceCode,
  OrderTypeCode,
  OutcomeStageCode,
  RequirementTerminationCode,
  RequirementTypeCode,
  RiskLevelCode,
  ScreeningFlagCode,
  TreatmentModalityCode,
} from '@cstr/contracts';
import type { EqualityInput } from '../builders/equality.builder';

// ---------------------------------------------------------------------------------------------
// Common parts
// ---------------------------------------------------------------------------------------------

/** Every identifier the sender knows for the person; raw values are normalised by the builder. */
export interface PersonIdentifiersInput {
  /** NHS number, the bare 10 digits; must pass Modulus 11. */
  nhsNumber?: string;
  /** True when the NHS number was traced and verified (PDS); false or absent when not verified. */
  nhsNumberVerified?: boolean;
  /** n-Delius case reference number, e.g. `X123456`. */
  crn?: string;
  /** Police National Computer id, e.g. `2001/0012345L`. */
  pncId?: string;
  /** Criminal Records Office number, e.g. `012345/01R`. */
  croNumber?: string;
  /** HMCTS Common Platform defendant id (a UUID). */
  commonPlatformDefendantId?: string;
}

/** A person's name. */
export interface HumanNameInput {
  family: string;
  given: string[];
  prefix?: string[];
}

/** FHIR administrative gender. */
export type GenderInput = 'male' | 'female' | 'other' | 'unknown';

/** A postal address. */
export interface AddressInput {
  line: string[];
  city?: string;
  district?: string;
  postalCode?: string;
  /** `home` unless said otherwise. */
  use?: 'home' | 'temp' | 'old';
}

/** The person an event is about: becomes the UKCore-Patient subject of the message. */
export interface PersonInput {
  identifiers: PersonIdentifiersInput;
  name: HumanNameInput;
  /** `YYYY-MM-DD`. */
  birthDate: string;
  gender: GenderInput;
  address?: AddressInput;
  /** PDS restricted record (security label `R`): address and GP are never disclosed. */
  restricted?: boolean;
  /** Equality monitoring as the sender recorded it: for the hub's reporting only. */
  equality?: EqualityInput;
}

/** An organisation: a court, an L&D service, a probation region, a provider, a GP practice. */
export interface OrganizationInput {
  /** ODS code (NHS and probation organisations) or court code (e.g. `B01LY00`). */
  code?: string;
  /** What kind of code {@link code} is; `ods` when absent. */
  codeKind?: 'ods' | 'court';
  name: string;
  /** The hub partner id of this organisation, when it is a partner. */
  partnerId?: string;
}

/** A named practitioner (probation officer, clinician, L&D practitioner). */
export interface PractitionerInput {
  /** The sender's staff code or professional registration number. */
  id?: string;
  name: HumanNameInput;
  /** Job title, e.g. `Probation Officer`, `Clinical Lead` (the text of their role where the event names one). */
  role?: string;
  email?: string;
  phone?: string;
}

/** A period; `end` absent means open-ended. */
export interface PeriodInput {
  start: string;
  end?: string;
}

/** The envelope of every event: who sent it, when, and (for a delivery) to whom. */
export interface EventEnvelopeInput {
  /** The event id (UUID); also the AMQP `messageId` and the seed of every resource id. */
  eventId: string;
  /** When the event happened in the sender's system: an ISO 8601 instant with seconds and offset (the Bundle `timestamp`). */
  occurredAt: string;
  /** The sending partner's id (`[a-z0-9-]+`, e.g. `nps-london`); `cstr-hub` for hub events. */
  sender: string;
  /** The sending organisation (becomes `MessageHeader.sender`); without it, an Organization named by the partner id. */
  senderOrganization?: OrganizationInput;
  /** Id tying this event to the one that caused it; travels as the AMQP `correlationId` (SPEC §4), not in the Bundle. */
  correlationId?: string;
  /** For a delivered copy: the recipient partner id. */
  destination?: string;
}

/** Fields every event input has. */
export interface EventInputBase<T extends EventType> {
  type: T;
  envelope: EventEnvelopeInput;
  person: PersonInput;
}

// ---------------------------------------------------------------------------------------------
// Codes (the hub CodeSystems define them: libs/contracts/src/code-systems)
// ---------------------------------------------------------------------------------------------

/** Treatment requirement types. */
export type RequirementTypeInput = RequirementTypeCode;
/** Order types that carry treatment requirements. */
export type OrderTypeInput = OrderTypeCode;
/** Needs screened for by Liaison & Diversion. */
export type ScreeningFlagKindInput = ScreeningFlagCode;
/** Treatment worker's view of a missed appointment (service specification row 6). */
export type NonAttendanceSignificanceInput = NonAttendanceSignificanceCode;
/** What a court hearing ended with. */
export type HearingOutcomeInput = HearingOutcomeCode;
/** Probation's enforcement decision. */
export type EnforcementDecisionInput = EnforcementDecisionCode;
/** Why a treatment episode ended. */
export type EpisodeEndReasonInput = EpisodeEndReasonCode;
/** How probation ended a requirement. */
export type RequirementTerminationInput = RequirementTerminationCode;
/** Kinds of treatment appointment (court hearings and reviews have their own events). */
export type AppointmentKindInput = Exclude<AppointmentTypeCode, 'court-hearing' | 'court-review'>;
/** Pathway deadlines (SPEC §8). */
export type DeadlineKindInput = DeadlineKindCode;
/** Outcome measures of the CSTR minimum dataset. */
export type OutcomeInstrumentInput = 'core-34' | 'phq-9' | 'gad-7' | 'audit';
/** A substance a drug test tests for. */
export type DrugTestSubstanceInput = DrugTestSubstanceCode;
/** The result of a drug test for one substance. */
export type DrugTestResultInput = DrugTestResultCode;
/** What the court decided at a review hearing. */
export type CourtReviewOutcomeInput = CourtReviewOutcomeCode;
/** How treatment under a requirement started. */
export type TreatmentModalityInput = TreatmentModalityCode;

// ---------------------------------------------------------------------------------------------
// Shared event parts
// ---------------------------------------------------------------------------------------------

/** A court (code and name), e.g. `{ code: 'B01LY00', name: 'Croydon Magistrates Court' }`. */
export interface CourtInput {
  code: string;
  name: string;
}

/** An offence charged. */
export interface OffenceInput {
  /** Offence code (CJS code), e.g. `TH68010`. */
  code: string;
  title: string;
  wording?: string;
}

/** A court hearing. */
export interface HearingInput {
  /** Common Platform hearing id or Libra case/hearing reference. */
  id: string;
  court: CourtInput;
  /** Courtroom, e.g. `Courtroom 02`. */
  room?: string;
  /** Sitting time (ISO 8601). */
  start: string;
  end?: string;
  /** E.g. `First hearing`, `Sentence`. */
  hearingType?: string;
  /** The prosecution case reference (URN). */
  caseReference?: string;
  offences?: OffenceInput[];
}

/** One treatment requirement of an order. */
export interface RequirementInput {
  /** The requirement's id in the sender's system (e.g. the Delius requirement id). */
  id?: string;
  type: RequirementTypeInput;
  /** Length of the requirement in months. */
  lengthMonths: number;
  /** Number of treatment sessions, when the court set one (typically 10–12). */
  sessions?: number;
  /** Treatment must start within this many working days of sentence (DRR 2, MHTR default 10). */
  startWithinWorkingDays?: number;
  /** Treatment must start by this date (`YYYY-MM-DD`), when the court gave a date (ATR 14 days). */
  startBy?: string;
  /** The treatment provider named at sentence. */
  provider?: OrganizationInput;
}

/** A consent to share. */
export interface ConsentInput {
  /** The sender's id for this consent record. */
  id?: string;
  /** `active` = given, `rejected` = refused, `inactive` = withdrawn. */
  status: 'active' | 'rejected' | 'inactive';
  /** When consent was given, refused or withdrawn (ISO 8601). */
  dateTime: string;
  /** Purposes of sharing, free text, e.g. `Share screening outcome with probation`. */
  purposes: string[];
  /** Organisations the consent names (who may receive). */
  actors: OrganizationInput[];
  period?: PeriodInput;
}

/** A GP registration (PDS `generalPractitioner`). */
export interface GpRegistrationInput {
  practice: OrganizationInput;
  period: PeriodInput;
}

/** An appointment at a treatment provider. */
export interface AppointmentInput {
  /** The provider's appointment id. */
  id: string;
  /** ISO 8601. */
  start: string;
  end: string;
  serviceType: AppointmentKindInput;
  /** 1-based number of the session within the treatment plan. */
  sessionNumber?: number;
  location?: string;
  practitioner?: PractitionerInput;
  provider?: OrganizationInput;
}

/** A RoSH, MAPPA or other risk registration (Delius register codes). */
export interface RiskFlagInput {
  kind: 'rosh' | 'mappa' | 'other';
  /** Register code, e.g. `RHRH` (high RoSH), `RMRH`, `RLRH`, `RVHR`, `MAPP`. */
  code: string;
  display?: string;
  /** Level, e.g. `high` for RoSH, `M2` for MAPPA. */
  level?: string;
  /** MAPPA category, e.g. `C2`. */
  category?: string;
  /** `YYYY-MM-DD`. */
  start: string;
  end?: string;
  /** `inactive` when the registration was removed. */
  status?: 'active' | 'inactive';
}

/** A structured risk assessment (e.g. OASys RoSH summary). */
export interface RiskAssessmentInput {
  /** ISO 8601. */
  date: string;
  /** E.g. `OASys`. */
  method?: string;
  /** Overall risk of serious harm. */
  level: RiskLevelCode;
  /** Who is at risk, without clinical detail. */
  summary?: string;
  assessor?: PractitionerInput;
}

/** An outcome measure score (to the hub's reporting only, never to another partner). */
export interface OutcomeScoreInput {
  instrument: OutcomeInstrumentInput;
  score: number;
  /** `YYYY-MM-DD` or ISO 8601. */
  date: string;
  stage?: OutcomeStageCode;
}

/** One drug test under a DRR: the substances tested and the result for each. */
export interface DrugTestInput {
  /** The service's id for the test (or the sample). */
  id: string;
  /** When the sample was taken: `YYYY-MM-DD` or ISO 8601. */
  sampledAt: string;
  /** How the sample was taken, e.g. `Oral fluid`, `Urine`. */
  method?: string;
  /** One result per substance tested; at least one. */
  results: { substance: DrugTestSubstanceInput; result: DrugTestResultInput }[];
  /** The service that took the test. */
  provider: OrganizationInput;
  testedBy?: PractitionerInput;
}

/** The requirement a court review is about. */
export interface ReviewedRequirementInput {
  /** The requirement's id in the court's records (as in `court.sentence.imposed`). */
  id?: string;
  type: RequirementTypeInput;
}

// ---------------------------------------------------------------------------------------------
// One input per event type
// ---------------------------------------------------------------------------------------------

/** `ld.screening.completed`: L&D screened the person in custody or at court. */
export interface LdScreeningCompletedInput extends EventInputBase<'ld.screening.completed'> {
  screening: {
    /** The L&D case id. */
    id: string;
    setting: 'custody' | 'court';
    /** E.g. `Croydon Custody Suite`. */
    locationName?: string;
    start: string;
    end?: string;
    practitioner?: PractitionerInput;
    service: OrganizationInput;
  };
  /** One per need screened for; `identified` true when a possible need was found. */
  flags: { kind: ScreeningFlagKindInput; identified: boolean; note?: string }[];
  consent: ConsentInput;
}

/** `court.hearing.listed`: a hearing appears on a court list. */
export interface CourtHearingListedInput extends EventInputBase<'court.hearing.listed'> {
  hearing: HearingInput;
}

/** `court.hearing.resulted`: what a hearing decided. */
export interface CourtHearingResultedInput extends EventInputBase<'court.hearing.resulted'> {
  hearing: HearingInput;
  outcome: HearingOutcomeInput;
  /** A pre-sentence report was ordered. */
  reportRequested?: boolean;
  /** Next hearing, when adjourned. */
  nextHearing?: { start: string; court?: CourtInput };
}

/** `court.sentence.imposed`: a community or suspended sentence order with treatment requirements. */
export interface CourtSentenceImposedInput extends EventInputBase<'court.sentence.imposed'> {
  sentence: {
    /** The order's id (Common Platform or Delius event id). */
    id: string;
    orderType: OrderTypeInput;
    /** `YYYY-MM-DD`. */
    date: string;
    court: CourtInput;
    /** Length of the order in months. */
    lengthMonths: number;
    /** For a suspended sentence order: the custodial term suspended, in months. */
    custodialTermMonths?: number;
    requirements: RequirementInput[];
  };
}

/** `probation.psr.requested`: probation asks a provider for a suitability assessment. */
export interface ProbationPsrRequestedInput extends EventInputBase<'probation.psr.requested'> {
  request: {
    id: string;
    /** ISO 8601. */
    requestedAt: string;
    /** When the assessment outcome is needed (usually the same day). */
    dueBy: string;
    /** Requirement types probation is considering. */
    requirementTypes: RequirementTypeInput[];
    requester: PractitionerInput;
    requesterOrganization: OrganizationInput;
    /** The treatment provider asked to assess. */
    performer: OrganizationInput;
    /** Hearing the report is for. */
    hearing?: HearingInput;
    note?: string;
  };
}

/** `probation.case.allocated`: probation names the responsible officer. */
export interface ProbationCaseAllocatedInput extends EventInputBase<'probation.case.allocated'> {
  allocation: {
    /** `YYYY-MM-DD`. */
    allocatedOn: string;
    responsibleOfficer: PractitionerInput;
    team: { code: string; name: string };
    organization: OrganizationInput;
  };
}

/** `treatment.assessment.completed`: the practitioner's suitability assessment. */
export interface TreatmentAssessmentCompletedInput extends EventInputBase<'treatment.assessment.completed'> {
  assessment: {
    id: string;
    /** ISO 8601. */
    date: string;
    outcome: 'suitable' | 'not-suitable';
    reason?: string;
    practitioner: PractitionerInput;
    provider: OrganizationInput;
    requirementType: RequirementTypeInput;
  };
  /** The proposed treatment plan, when suitable. */
  proposedPlan?: {
    description: string;
    sessions?: number;
    sessionMinutes?: number;
    goals?: string[];
    period?: PeriodInput;
  };
  /** Outcome measures taken at assessment, e.g. AUDIT for an ATR (to the hub's reporting only). */
  scores?: OutcomeScoreInput[];
}

/** `treatment.suitability.decided`: the Clinical Lead approves or declines. */
export interface TreatmentSuitabilityDecidedInput extends EventInputBase<'treatment.suitability.decided'> {
  decision: {
    outcome: 'approved' | 'declined';
    reason?: string;
    /** ISO 8601. */
    decidedAt: string;
    clinicalLead: PractitionerInput;
    provider: OrganizationInput;
    requirementType: RequirementTypeInput;
  };
}

/** `consent.recorded`: consent given or refused. */
export interface ConsentRecordedInput extends EventInputBase<'consent.recorded'> {
  consent: ConsentInput;
}

/**
 * `consent.withdrawn`: earlier consent withdrawn; the Consent is sent with status `inactive`.
 * (R4 Consent has no element for a reason, so none is asked for.)
 */
export interface ConsentWithdrawnInput extends EventInputBase<'consent.withdrawn'> {
  consent: ConsentInput;
}

/** `gp.registration.checked`: the GP registration found at PDS; absent when not registered. */
export interface GpRegistrationCheckedInput extends EventInputBase<'gp.registration.checked'> {
  /** ISO 8601. */
  checkedAt: string;
  registration?: GpRegistrationInput;
}

/** `gp.registration.changed`: the person moved practice (or deregistered: `registration` absent). */
export interface GpRegistrationChangedInput extends EventInputBase<'gp.registration.changed'> {
  /** ISO 8601. */
  changedAt: string;
  registration?: GpRegistrationInput;
  previous?: GpRegistrationInput;
}

/** `treatment.referral.requested`: the order becomes a referral to the provider. */
export interface TreatmentReferralRequestedInput extends EventInputBase<'treatment.referral.requested'> {
  referral: {
    id: string;
    /** ISO 8601. */
    requestedAt: string;
    requirement: RequirementInput;
    /** Sentence date, `YYYY-MM-DD`. */
    sentenceDate?: string;
    requester: PractitionerInput;
    requesterOrganization: OrganizationInput;
    provider: OrganizationInput;
    /** When the first appointment is due (task deadline). */
    dueBy?: string;
    note?: string;
  };
}

/** `treatment.referral.accepted`: the provider accepts, naming the clinician. */
export interface TreatmentReferralAcceptedInput extends EventInputBase<'treatment.referral.accepted'> {
  referral: {
    id: string;
    /** ISO 8601. */
    decidedAt: string;
    provider: OrganizationInput;
    clinician?: PractitionerInput;
  };
}

/** `treatment.referral.rejected`: the provider rejects, with a reason. */
export interface TreatmentReferralRejectedInput extends EventInputBase<'treatment.referral.rejected'> {
  referral: {
    id: string;
    /** ISO 8601. */
    decidedAt: string;
    provider: OrganizationInput;
    reason: string;
    clinician?: PractitionerInput;
  };
}

/** `treatment.appointment.booked`. */
export interface TreatmentAppointmentBookedInput extends EventInputBase<'treatment.appointment.booked'> {
  appointment: AppointmentInput;
}

/** `treatment.appointment.attended`. */
export interface TreatmentAppointmentAttendedInput extends EventInputBase<'treatment.appointment.attended'> {
  appointment: AppointmentInput;
}

/** `treatment.appointment.missed`: no-show with the treatment worker's view of its significance. */
export interface TreatmentAppointmentMissedInput extends EventInputBase<'treatment.appointment.missed'> {
  appointment: AppointmentInput;
  significance: NonAttendanceSignificanceInput;
  /** The treatment worker asks probation to contact the person now. */
  notifyOfficer: boolean;
  /** Short non-clinical comment. */
  comment?: string;
  recordedBy?: PractitionerInput;
}

/**
 * `treatment.started`: the service started treatment under the requirement. The DRR and ATR
 * standards count from sentence to the start of treatment, which may be a prescription or an
 * admission rather than an appointment.
 */
export interface TreatmentStartedInput extends EventInputBase<'treatment.started'> {
  start: {
    /** The service's episode id. */
    id: string;
    /** When treatment started: `YYYY-MM-DD` or ISO 8601. */
    startedOn: string;
    requirementType: RequirementTypeInput;
    modality?: TreatmentModalityInput;
    provider: OrganizationInput;
    keyworker?: PractitionerInput;
  };
}

/** `treatment.drug-test.resulted`: a DRR drug test's results (to probation only). */
export interface TreatmentDrugTestResultedInput extends EventInputBase<'treatment.drug-test.resulted'> {
  test: DrugTestInput;
}

/** `court.review.listed`: the court lists a review hearing of a requirement (a DRR: CJA 2003 s210). */
export interface CourtReviewListedInput extends EventInputBase<'court.review.listed'> {
  review: {
    hearing: HearingInput;
    requirement: ReviewedRequirementInput;
    /** The probation team asked for the written review report, when the court names it. */
    reportFrom?: OrganizationInput;
  };
}

/** `probation.review.reported`: probation's written review report to the court, with the drug test results. */
export interface ProbationReviewReportedInput extends EventInputBase<'probation.review.reported'> {
  report: {
    id: string;
    /** ISO 8601. */
    sentAt: string;
    /** The review hearing's date (`YYYY-MM-DD`). */
    reviewDate: string;
    court: CourtInput;
    requirement: ReviewedRequirementInput;
    /** The progress summary, written with the treatment service. */
    summary: string;
    officer?: PractitionerInput;
    /** The drug test results the report includes. */
    drugTests?: DrugTestInput[];
  };
}

/** `court.review.resulted`: what the court decided at the review hearing. */
export interface CourtReviewResultedInput extends EventInputBase<'court.review.resulted'> {
  review: {
    hearing: HearingInput;
    requirement: ReviewedRequirementInput;
    outcome: CourtReviewOutcomeInput;
    /** The next review hearing, when the court listed one. */
    nextReview?: { start: string; court?: CourtInput };
  };
}

/** `risk.changed`: risk registrations and/or a risk assessment changed. At least one is given. */
export interface RiskChangedInput extends EventInputBase<'risk.changed'> {
  flags?: RiskFlagInput[];
  riskAssessment?: RiskAssessmentInput;
}

/** `probation.enforcement.decided`. */
export interface ProbationEnforcementDecidedInput extends EventInputBase<'probation.enforcement.decided'> {
  enforcement: {
    decision: EnforcementDecisionInput;
    /** ISO 8601. */
    decidedAt: string;
    reason?: string;
    officer?: PractitionerInput;
    /** The provider the decision is shared with. */
    recipient: OrganizationInput;
    /** Appointment ids (provider's) the decision is about. */
    appointmentIds?: string[];
  };
}

/** `treatment.progress.reported`: engagement summary and outcome measures. */
export interface TreatmentProgressReportedInput extends EventInputBase<'treatment.progress.reported'> {
  progress: {
    period: PeriodInput;
    engagement: EngagementLevelCode;
    summary: string;
    sessionsAttended?: number;
    sessionsOffered?: number;
    provider: OrganizationInput;
  };
  /** Outcome measure scores (to the hub's reporting only). */
  scores?: OutcomeScoreInput[];
}

/** `treatment.episode.ended`: completion or discharge, with onward care. */
export interface TreatmentEpisodeEndedInput extends EventInputBase<'treatment.episode.ended'> {
  episode: {
    /** The provider's episode id. */
    id: string;
    period: PeriodInput & { end: string };
    reason: EpisodeEndReasonInput;
    provider: OrganizationInput;
    careCoordinator?: PractitionerInput;
    requirementType: RequirementTypeInput;
  };
  onwardReferral?: { to: OrganizationInput; description: string; requestedAt: string };
}

/** `probation.requirement.terminated`. */
export interface ProbationRequirementTerminatedInput extends EventInputBase<'probation.requirement.terminated'> {
  requirement: {
    id: string;
    type: RequirementTypeInput;
    outcome: RequirementTerminationInput;
    /** `YYYY-MM-DD`. */
    terminatedOn: string;
    reason?: string;
    organization: OrganizationInput;
  };
}

/** `pathway.candidate.identified`: listed today, and an earlier L&D screen says may be suitable. */
export interface PathwayCandidateIdentifiedInput extends EventInputBase<'pathway.candidate.identified'> {
  candidate: {
    hearing: HearingInput;
    /** Event id of the L&D screening that flagged the person. */
    screeningEventId: string;
    /** `YYYY-MM-DD` of the screening. */
    screenedOn: string;
    needs: ScreeningFlagKindInput[];
    suggestedRequirements?: RequirementTypeInput[];
  };
}

/** `pathway.deadline.missed`: a step of SPEC §8 was not done in time. */
export interface PathwayDeadlineMissedInput extends EventInputBase<'pathway.deadline.missed'> {
  deadline: {
    kind: DeadlineKindInput;
    /** ISO 8601. */
    dueAt: string;
    /** ISO 8601: when the hub noticed. */
    detectedAt: string;
    /** The partner who owes the step. */
    owedBy: OrganizationInput & { partnerId: string };
    /** The event that started the clock. */
    triggeringEventId?: string;
    description?: string;
  };
}

/** The input of any event of the catalogue, discriminated on `type`. */
export type EventInput =
  | LdScreeningCompletedInput
  | CourtHearingListedInput
  | CourtHearingResultedInput
  | CourtSentenceImposedInput
  | ProbationPsrRequestedInput
  | ProbationCaseAllocatedInput
  | TreatmentAssessmentCompletedInput
  | TreatmentSuitabilityDecidedInput
  | ConsentRecordedInput
  | ConsentWithdrawnInput
  | GpRegistrationCheckedInput
  | GpRegistrationChangedInput
  | TreatmentReferralRequestedInput
  | TreatmentReferralAcceptedInput
  | TreatmentReferralRejectedInput
  | TreatmentAppointmentBookedInput
  | TreatmentAppointmentAttendedInput
  | TreatmentAppointmentMissedInput
  | TreatmentStartedInput
  | TreatmentDrugTestResultedInput
  | CourtReviewListedInput
  | ProbationReviewReportedInput
  | CourtReviewResultedInput
  | RiskChangedInput
  | ProbationEnforcementDecidedInput
  | TreatmentProgressReportedInput
  | TreatmentEpisodeEndedInput
  | ProbationRequirementTerminatedInput
  | PathwayCandidateIdentifiedInput
  | PathwayDeadlineMissedInput;

/** The input type of one event type. */
export type EventInputOf<T extends EventType> = Extract<EventInput, { type: T }>;

/** Compile-time check: every catalogue event type has exactly one input type. */
type MissingEventInputs = Exclude<EventType, EventInput['type']>;
const _everyEventTypeHasAnInput: [MissingEventInputs] extends [never] ? true : never = true;
