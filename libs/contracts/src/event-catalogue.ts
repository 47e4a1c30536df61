import type { FhirResource } from 'fhir/r4';
import { ADAPTER_APP_BY_PARTNER_KIND, type PartnerKind } from './broker-names';
import type { EventType } from './event-types';

/** The name of a FHIR R4 resource type, e.g. `Appointment`. */
export type FhirResourceType = FhirResource['resourceType'];

/** Who may publish or receive an event: a kind of partner, or the hub itself. */
export type EventParty = PartnerKind | 'hub';

/** A step of the pathway of SPEC §1, from 1 (arrest / first appearance) to 8 (completion). */
export type PathwayStep = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** The names of the pathway steps of SPEC §1, by step number. */
export const PATHWAY_STEPS: Readonly<Record<PathwayStep, string>> = {
  1: 'Arrest / first appearance',
  2: 'Court listing',
  3: 'Pre-sentence report and assessment',
  4: 'Sentence',
  5: 'Referral',
  6: 'Treatment',
  7: 'Enforcement',
  8: 'Completion',
};

/** What the catalogue says about one event type (SPEC §3). */
export interface EventDefinition {
  /** A short title (the CodeSystem display). */
  readonly display: string;
  /** One sentence saying what happened (also the CodeSystem definition). */
  readonly summary: string;
  /** Who may publish it: the partner kinds whose adapters send it, or `hub`. */
  readonly from: readonly EventParty[];
  /**
   * Who may receive a copy, if an active agreement allows it and the recipient is connected
   * to the person (SPEC §5). `hub` means the hub keeps it for itself (consent state, reporting).
   */
  readonly to: readonly EventParty[];
  /** A narrowing of {@link to} that the kinds alone cannot express. */
  readonly recipientNote?: string;
  /** The FHIR resource types the MessageHeader focuses on. */
  readonly mainResources: readonly FhirResourceType[];
  /** What the main resources carry, as the SPEC table describes them. */
  readonly contents: string;
  /** The pathway step where the event typically arises (SPEC §1). */
  readonly pathwayStep: PathwayStep;
  /** Where the domain documents ask for this exchange of information. */
  readonly source: string;
}

/** Every kind of partner, in the order of SPEC §2. */
const ALL_PARTNER_KINDS = Object.keys(ADAPTER_APP_BY_PARTNER_KIND) as PartnerKind[];
/** The kinds of partner that treat people under a requirement: MHTR providers, and drug and alcohol services (DRR, ATR). */
const TREATING: readonly PartnerKind[] = ['mh-provider', 'drug-alcohol-service'];

// Short names of the source documents in the shared domain folder.
const SPECIFICATION = 'service specification';
const DESCRIPTION_2020 = 'CSTR MHTR service description 2020';
const GUIDANCE_INTEGRATED = 'MHTR integrated delivery guidance';
const GUIDANCE_2014 = 'supporting community order treatment requirements 2014';
const SOUTH_LONDON = 'South London operating model (MOPAC PCD 650, annex 2)';
const SOUTH_LONDON_LOGIC = 'South London logic model (MOPAC PCD 650, annex 1)';

/**
 * The event catalogue of SPEC §3: for every event type, who publishes it, who may receive it,
 * what it carries, where it sits on the pathway and which source document asks for it.
 */
export const EVENT_CATALOGUE: Readonly<Record<EventType, EventDefinition>> = {
  'ld.screening.completed': {
    display: 'Liaison and Diversion screening completed',
    summary:
      'Liaison & Diversion screened the person in police custody or at court and recorded the needs found and the consent to share.',
    from: ['ld'],
    to: ['probation', 'mh-provider'],
    mainResources: ['Encounter', 'Observation', 'Consent'],
    contents:
      'Encounter (custody or court), Observation flags (mental health, substance misuse, learning disability, neurodevelopmental), Consent',
    pathwayStep: 1,
    source: `${SOUTH_LONDON}: police custody; ${DESCRIPTION_2020} §1.10.1`,
  },
  'court.hearing.listed': {
    display: 'Court hearing listed',
    summary: 'A court listed a hearing for the person: court, room and sitting time, with the offence codes.',
    from: ['hmcts'],
    to: ['ld', 'probation'],
    mainResources: ['Appointment'],
    contents: 'Appointment (court hearing: court, room, sitting time; reasonCode = offence codes)',
    pathwayStep: 2,
    source: `${SOUTH_LONDON}: court, morning of first appearance`,
  },
  'court.hearing.resulted': {
    display: 'Court hearing resulted',
    summary: 'A court hearing ended with an outcome such as adjourned for a report, convicted or remanded.',
    from: ['hmcts'],
    to: ['probation', 'ld', 'mh-provider'],
    mainResources: ['Appointment'],
    contents: 'Appointment (outcome: adjourned for report, convicted, remanded)',
    pathwayStep: 2,
    source: `${SOUTH_LONDON}: court, plea and conviction; ${DESCRIPTION_2020} §1.9`,
  },
  'court.sentence.imposed': {
    display: 'Sentence imposed',
    summary: 'The court imposed a community or suspended sentence order with one or more treatment requirements.',
    from: ['hmcts'],
    to: ['probation', ...TREATING, 'gp'],
    mainResources: ['ServiceRequest'],
    contents: 'ServiceRequest per requirement (MHTR, DRR, ATR: length, sessions, start timescale), order type',
    pathwayStep: 4,
    source: `${SOUTH_LONDON}: court, sentencing; ${DESCRIPTION_2020} §1.10.2; ${GUIDANCE_2014} (DRR and ATR start timescales)`,
  },
  'probation.psr.requested': {
    display: 'Pre-sentence report assessment requested',
    summary:
      'Probation asked the treatment provider for a suitability assessment for a pre-sentence report, with its due time.',
    from: ['probation'],
    to: [...TREATING, 'ld'],
    mainResources: ['ServiceRequest', 'Task'],
    contents: 'ServiceRequest (suitability assessment) and Task (due)',
    pathwayStep: 3,
    source: `${GUIDANCE_INTEGRATED} annex A (pre-sentence report); ${SOUTH_LONDON_LOGIC} (80% of assessments on the day)`,
  },
  'probation.case.allocated': {
    display: 'Probation case allocated',
    summary: 'Probation allocated a responsible officer and team to the order.',
    from: ['probation'],
    to: TREATING,
    mainResources: ['CareTeam', 'PractitionerRole'],
    contents: 'CareTeam / PractitionerRole (responsible officer, team, contact)',
    pathwayStep: 5,
    source: `${DESCRIPTION_2020} §1.10.3 and §1.12.6`,
  },
  'treatment.assessment.completed': {
    display: 'Treatment suitability assessment completed',
    summary:
      'The treatment provider assessed the person as suitable or not suitable, with the reason and a proposed plan.',
    from: TREATING,
    to: ['probation'],
    mainResources: ['Observation', 'CarePlan'],
    contents: 'Observation (suitable / not suitable, reason), CarePlan (proposed plan)',
    pathwayStep: 3,
    source: `${DESCRIPTION_2020} §1.12.2 and §1.12.5; ${SOUTH_LONDON}: court, MHTR assessment completed`,
  },
  'treatment.suitability.decided': {
    display: 'Treatment suitability decided',
    summary: 'The Clinical Lead approved or declined the requirement, with reasons and the named clinician.',
    from: ['mh-provider'],
    to: ['probation'],
    mainResources: ['Observation', 'PractitionerRole'],
    contents: 'Observation (Clinical Lead approval or decline, reason), PractitionerRole (named clinician)',
    pathwayStep: 3,
    source: `${DESCRIPTION_2020} §1.12.4 (Clinical Lead sign off)`,
  },
  'consent.recorded': {
    display: 'Consent recorded',
    summary:
      'A partner recorded the consent the person gave: who may share with whom, for which purposes and for how long.',
    from: ALL_PARTNER_KINDS,
    to: ['hub', ...ALL_PARTNER_KINDS],
    recipientNote: 'The hub always; partners only when the Consent names them.',
    mainResources: ['Consent'],
    contents: 'Consent (UKCore-Consent: actors, purposes, period)',
    pathwayStep: 1,
    source: `${DESCRIPTION_2020} §1.12.3; ${GUIDANCE_INTEGRATED} §5.3`,
  },
  'consent.withdrawn': {
    display: 'Consent withdrawn',
    summary: 'The person withdrew a consent they had given; flows that need it stop at once.',
    from: ALL_PARTNER_KINDS,
    to: ['hub', ...ALL_PARTNER_KINDS],
    recipientNote: 'The hub always; partners only when the Consent names them.',
    mainResources: ['Consent'],
    contents: 'Consent (UKCore-Consent: actors, purposes, period)',
    pathwayStep: 6,
    source: `${DESCRIPTION_2020} §1.12.3 (free choice whether to engage); ${GUIDANCE_INTEGRATED} §5.3`,
  },
  'gp.registration.checked': {
    display: 'GP registration checked',
    summary: 'The GP registration service reported whether, and with which practice, the person is registered.',
    from: ['gp'],
    to: ['mh-provider', 'probation'],
    mainResources: ['Patient'],
    contents: 'Patient.generalPractitioner (ODS code, period) or its absence',
    pathwayStep: 3,
    source: `${GUIDANCE_INTEGRATED} annex A (pre-sentence report: registration with a GP); ${DESCRIPTION_2020} §1.6`,
  },
  'gp.registration.changed': {
    display: 'GP registration changed',
    summary: "The person's GP registration changed: a new practice, or no practice.",
    from: ['gp'],
    to: ['mh-provider', 'probation'],
    mainResources: ['Patient'],
    contents: 'Patient.generalPractitioner (ODS code, period) or its absence',
    pathwayStep: 6,
    source: `${SOUTH_LONDON_LOGIC} (record of GP registration, a prerequisite before the MHTR starts)`,
  },
  'treatment.referral.requested': {
    display: 'Treatment referral requested',
    summary: 'The order became a referral to the treatment provider, who owns the task of accepting it.',
    from: ['probation', 'hub'],
    to: TREATING,
    mainResources: ['ServiceRequest', 'Task'],
    contents: 'ServiceRequest and Task (status requested, owner = provider)',
    pathwayStep: 5,
    source: `${SOUTH_LONDON}: court, sentencing (the treatment provider is informed); ${SPECIFICATION} row 1`,
  },
  'treatment.referral.accepted': {
    display: 'Treatment referral accepted',
    summary: 'The treatment provider accepted the referral and named the clinician who oversees the requirement.',
    from: TREATING,
    to: ['probation'],
    mainResources: ['Task'],
    contents: 'Task (status, statusReason, named clinician)',
    pathwayStep: 5,
    source: `${DESCRIPTION_2020} §1.10.2 (providers agreed, named clinician); ${SPECIFICATION} row 1`,
  },
  'treatment.referral.rejected': {
    display: 'Treatment referral rejected',
    summary: 'The treatment provider rejected the referral, with the reason.',
    from: TREATING,
    to: ['probation'],
    mainResources: ['Task'],
    contents: 'Task (status, statusReason, named clinician)',
    pathwayStep: 5,
    source: `${DESCRIPTION_2020} §1.10.2; ${SPECIFICATION} row 1`,
  },
  'treatment.appointment.booked': {
    display: 'Treatment appointment booked',
    summary: 'The treatment provider booked a three/four-way meeting or a treatment session.',
    from: TREATING,
    to: ['probation'],
    mainResources: ['Appointment'],
    contents: 'Appointment (UKCore-Appointment; three-way meeting or session)',
    pathwayStep: 5,
    source: `${SPECIFICATION} rows 1-2; ${DESCRIPTION_2020} §1.12.6`,
  },
  'treatment.started': {
    display: 'Treatment started',
    summary:
      'The treatment service started treatment under the requirement: the date, and how (a session, a prescription, an admission).',
    from: TREATING,
    to: ['probation'],
    mainResources: ['EpisodeOfCare'],
    contents: 'EpisodeOfCare (active; requirement type, treatment modality; period.start = the date treatment started)',
    pathwayStep: 5,
    source: `${GUIDANCE_2014} (DRR: treatment must start within 2 working days of the order; ATR: commencement within 14 days of sentence)`,
  },
  'treatment.appointment.attended': {
    display: 'Treatment appointment attended',
    summary: 'The person attended a treatment appointment.',
    from: TREATING,
    to: ['probation'],
    mainResources: ['Appointment'],
    contents: 'Appointment (fulfilled)',
    pathwayStep: 6,
    source: `${SPECIFICATION} row 5`,
  },
  'treatment.appointment.missed': {
    display: 'Treatment appointment missed',
    summary:
      "The person missed a treatment appointment; the treatment worker gives their view of its significance in the light of the person's condition.",
    from: TREATING,
    to: ['probation'],
    mainResources: ['Appointment', 'Observation'],
    contents:
      'Appointment (noshow) and Observation: significance acceptable / unacceptable / logistics, notify-officer flag',
    pathwayStep: 6,
    source: `${SPECIFICATION} rows 5-6`,
  },
  'treatment.drug-test.resulted': {
    display: 'Drug test resulted',
    summary:
      'The treatment service recorded the result of a drug test under a DRR: the substances tested, the result for each, and the sample date.',
    from: ['drug-alcohol-service'],
    to: ['probation'],
    recipientNote:
      "Probation only, never another partner; the results reach the court only within probation's review report.",
    mainResources: ['Observation'],
    contents:
      'Observation per substance (UKCore-Observation: drug-test-result, substance, result positive / negative / inconclusive / refused, effective = sample date)',
    pathwayStep: 6,
    source: `${GUIDANCE_2014} (Testing: a legal requirement of every DRR, at least weekly; the probation officer ensures tests and results are recorded)`,
  },
  'court.review.listed': {
    display: 'Court review listed',
    summary: 'The court listed a review hearing of the requirement, on a written report from probation.',
    from: ['hmcts'],
    to: ['probation', 'drug-alcohol-service'],
    mainResources: ['Appointment'],
    contents: 'Appointment (court review hearing: court, room, sitting time; basedOn the reviewed requirement)',
    pathwayStep: 6,
    source: `${GUIDANCE_2014} (Criminal Justice Act 2003 s210: the court may review any DRR and must review one of twelve months or more)`,
  },
  'probation.review.reported': {
    display: 'Court review report sent',
    summary:
      "Probation sent the court its written review report on the person's progress, written with the treatment service, with the drug test results.",
    from: ['probation'],
    to: ['hmcts'],
    mainResources: ['Communication', 'Observation'],
    contents:
      'Communication (the written review report to the court: progress summary, the requirement) and the drug test Observations it includes',
    pathwayStep: 6,
    source: `${GUIDANCE_2014} (the review takes the form of a written report by probation which includes the results of the drug tests; a collaborative document with the treatment provider)`,
  },
  'court.review.resulted': {
    display: 'Court review resulted',
    summary:
      'The court decided at the review hearing: progress satisfactory or not, the requirement amended, the order revoked, or the review adjourned.',
    from: ['hmcts'],
    to: ['probation', 'drug-alcohol-service'],
    mainResources: ['Appointment'],
    contents: 'Appointment (the review hearing, fulfilled, with its outcome) and the next review hearing when listed',
    pathwayStep: 6,
    source: `${GUIDANCE_2014} (Criminal Justice Act 2003 ss210-211: review hearings and the court's powers at them)`,
  },
  'risk.changed': {
    display: 'Risk changed',
    summary:
      'The risk the person presents changed: RoSH level, MAPPA or another registration, or a new risk assessment.',
    from: ['probation', ...TREATING],
    to: [...TREATING, 'probation'],
    mainResources: ['Flag', 'RiskAssessment'],
    contents: 'Flag (UKCore-Flag: RoSH level, MAPPA and other registrations) or RiskAssessment',
    pathwayStep: 6,
    source: `${SPECIFICATION} row 7`,
  },
  'probation.enforcement.decided': {
    display: 'Enforcement decided',
    summary:
      'Probation decided on a warning, breach proceedings or a return to court, informed by the treatment worker.',
    from: ['probation'],
    to: TREATING,
    mainResources: ['Communication'],
    contents: 'Communication (warning, breach proceedings, return to court)',
    pathwayStep: 7,
    source: `${SOUTH_LONDON}: during sentence, non-attendance; ${SPECIFICATION} row 6`,
  },
  'treatment.progress.reported': {
    display: 'Treatment progress reported',
    summary: "The treatment provider reported the person's engagement and outcome scores (CORE-34, PHQ-9, GAD-7).",
    from: TREATING,
    to: ['probation', 'hub'],
    recipientNote: "Probation receives the engagement summary only; outcome scores go to the hub's reporting only.",
    mainResources: ['Observation'],
    contents: 'Observation (engagement summary; CORE-34 / PHQ-9 / GAD-7 scores)',
    pathwayStep: 6,
    source: `${SPECIFICATION} rows 5 and 9; ${DESCRIPTION_2020} §1.7 (pre and post clinical outcomes)`,
  },
  'treatment.episode.ended': {
    display: 'Treatment episode ended',
    summary: 'The treatment episode ended (completed, discharged or disengaged), with any onward referral.',
    from: TREATING,
    to: ['probation', 'gp'],
    mainResources: ['EpisodeOfCare', 'ServiceRequest'],
    contents: 'EpisodeOfCare (finished: completed / discharged / disengaged), onward ServiceRequest',
    pathwayStep: 8,
    source: `${SPECIFICATION} row 9; ${DESCRIPTION_2020} §1.10.6; ${SOUTH_LONDON}: end of CSTR`,
  },
  'probation.requirement.terminated': {
    display: 'Requirement terminated',
    summary: 'Probation terminated the requirement as completed, revoked or breached.',
    from: ['probation'],
    to: TREATING,
    mainResources: ['ServiceRequest'],
    contents: 'ServiceRequest (completed / revoked / breached)',
    pathwayStep: 8,
    source: `${DESCRIPTION_2020} §1.10.6; ${GUIDANCE_INTEGRATED} annex A (offender management)`,
  },
  'pathway.candidate.identified': {
    display: 'Pathway candidate identified',
    summary:
      'The hub found that a person listed today had an earlier Liaison & Diversion screen suggesting a treatment requirement may suit them.',
    from: ['hub'],
    to: ['probation', 'ld'],
    mainResources: ['Flag'],
    contents: 'Flag (listed today, earlier L&D screen says may be suitable)',
    pathwayStep: 2,
    source: `${SOUTH_LONDON}: court, morning of first appearance (the day's list checked against earlier screenings)`,
  },
  'pathway.deadline.missed': {
    display: 'Pathway deadline missed',
    summary: 'The hub found that a pathway step was not done in time: what was due, when, and by whom.',
    from: ['hub'],
    to: ALL_PARTNER_KINDS,
    recipientNote: 'Only the partner who owes the step.',
    mainResources: ['Task'],
    contents: 'Task (what was due, when, by whom)',
    pathwayStep: 5,
    source: `${SOUTH_LONDON_LOGIC} (assessments on the day); ${GUIDANCE_2014} (DRR: 2 working days, ATR: 14 days); ${SPECIFICATION} row 1`,
  },
};
