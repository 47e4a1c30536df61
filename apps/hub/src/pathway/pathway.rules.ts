/**
 * What an accepted event does to a person's pathway deadlines (SPEC §8), as pure functions:
 * which deadlines it opens (kind, due, who owes the step) and which it closes, and the facts the
 * hub keeps of it (an L&D screening's needs, whether a GP is registered) for later events.
 */
import {
  APPOINTMENT_TYPE_SYSTEM,
  endOfLondonDay,
  EPISODE_END_REASON_SYSTEM,
  REQUIREMENT_TERMINATION_SYSTEM,
  REQUIREMENT_TYPE_SYSTEM,
  SCREENING_FLAG_CODES,
  SCREENING_FLAG_SYSTEM,
  type DeadlineKindCode,
  type EventType,
  type ScreeningFlagCode,
} from '@cstr/contracts';
import {
  COURT_CODE_SYSTEM,
  EPISODE_END_REASON_EXTENSION,
  resolveReference,
  resourcesOfType,
  treatmentStartOf,
  type HearingInput,
} from '@cstr/fhir';
import { resolveParty, TREATMENT_PROVIDER_KINDS, type Partner } from '@cstr/policy';
import type { Appointment, Bundle, CodeableConcept, Organization, Reference, ServiceRequest, Task } from 'fhir/r4';
import { dueAt, dueBeforeHearing, type PathwayConfig, type Timescale } from './pathway.config';

/** An accepted event, as the rules need it. */
export interface PathwayEvent {
  readonly eventId: string;
  readonly eventType: EventType;
  readonly senderId: string;
  readonly bundle: Bundle;
  /** The site's partners: a Bundle may name one by any identifier it has (see resolveParty). */
  readonly partners: readonly Partner[];
  /** When the hub accepted it: deadlines count from here. */
  readonly receivedAt: Date;
}

/** What the hub already knows of the person when the event arrives. */
export interface PathwayFacts {
  /** What the last GP registration check or change said; undefined when none arrived. */
  readonly gpRegistered?: boolean;
}

/** A deadline to open. */
export interface DeadlineOpening {
  readonly kind: DeadlineKindCode;
  /** Unique per opening, so a redelivered event opens nothing twice. */
  readonly key: string;
  readonly dueAt: Date;
  /** The partner who owes the step. */
  readonly owedBy: string;
  readonly description: string;
  /** What a closing event must match besides the owner (an appointment's identifier). */
  readonly matchKey?: string;
  /** The treatment requirements the step serves: it is cancelled once all of them end. */
  readonly requirements?: readonly RequirementGroup[];
  /** Those requirements' identifiers (a referral names its requirement by one). */
  readonly requirementIds?: readonly string[];
}

/** A treatment requirement kind as the deadlines count it: an MHTR of either care level is one. */
export type RequirementGroup = 'drr' | 'atr' | 'mhtr';

/**
 * A requirement that no longer runs (its referral rejected, its treatment episode ended, the
 * requirement terminated): its open deadlines are cancelled, never reported missed.
 */
export interface DeadlineCancelling {
  /** The requirement that ended; when absent, the one `requirementIds` names (else the owner's only one). */
  readonly requirement?: RequirementGroup;
  readonly requirementIds?: readonly string[];
  /** Only deadlines this partner owes; any owner when absent. */
  readonly owedBy?: string;
  /** Why, as the timeline shows it (codes and partner ids only: no free text of the partner's). */
  readonly reason: string;
}

/** Open deadlines to close. */
export interface DeadlineClosing {
  readonly kinds: readonly DeadlineKindCode[];
  /** `met`: the step was done; `replaced`: an opening of this event stands for it. */
  readonly as: 'met' | 'replaced';
  /** Only deadlines this partner owes; any owner when absent. */
  readonly owedBy?: string;
  readonly matchKey?: string;
  /** Only deadlines due at or after this instant (an appointment counts if it starts by the deadline). */
  readonly startsAt?: Date;
}

/** What the hub keeps of an event for later rules and the timeline. */
export interface EventFacts {
  readonly screening?: { readonly screenedOn: string; readonly needs: readonly ScreeningFlagCode[] };
  readonly gpRegistered?: boolean;
}

/** The effect of one event. */
export interface PathwayChanges {
  readonly close: readonly DeadlineClosing[];
  readonly open: readonly DeadlineOpening[];
  readonly facts: EventFacts;
  /** Requirements that ended with this event (absent for events that end none). */
  readonly cancel?: readonly DeadlineCancelling[];
}

const MEETING_TYPES = new Set(['three-way-meeting', 'four-way-meeting']);
const GROUP_OF_REQUIREMENT: Readonly<Record<string, RequirementGroup>> = {
  drr: 'drr',
  atr: 'atr',
  'mhtr-primary': 'mhtr',
  'mhtr-secondary': 'mhtr',
};
const LABEL_OF_GROUP = { drr: 'DRR', atr: 'ATR', mhtr: 'MHTR' } as const;

/** The deadlines an event opens and closes, and its facts. Never throws on partner input. */
export function pathwayChanges(event: PathwayEvent, config: PathwayConfig, known: PathwayFacts): PathwayChanges {
  const { bundle, senderId } = event;
  switch (event.eventType) {
    case 'probation.psr.requested':
      return { close: [], open: assessmentDeadline(event, config), facts: {} };
    case 'treatment.suitability.decided':
      return { close: [{ kinds: ['assessment-decision'], as: 'met', owedBy: senderId }], open: [], facts: {} };
    case 'court.sentence.imposed':
      return { close: [], open: sentenceDeadlines(event, config, known), facts: {} };
    case 'treatment.appointment.booked':
    case 'treatment.appointment.attended': {
      const appointments = treatmentAppointments(bundle);
      const close: DeadlineClosing[] = appointments.flatMap((appointment) => {
        const startsAt = instant(appointment.start);
        if (!startsAt) return [];
        return [
          { kinds: ['first-appointment'], as: 'met', owedBy: senderId, startsAt },
          ...(MEETING_TYPES.has(appointmentType(appointment) ?? '')
            ? [{ kinds: ['three-way-meeting'], as: 'met', owedBy: senderId, startsAt } as const]
            : []),
        ];
      });
      if (event.eventType === 'treatment.appointment.attended') {
        close.push(
          ...appointments
            .flatMap((appointment) => matchKeyOf(appointment) ?? [])
            .map((matchKey) => ({ kinds: ['outcome-reporting'], as: 'met', owedBy: senderId, matchKey }) as const),
        );
        return { close, open: [], facts: {} };
      }
      const open = outcomeDeadlines(event, appointments, config);
      // A booking again of the same appointment (rescheduled) replaces its earlier outcome deadline.
      close.push(
        ...open.map(
          (opening) =>
            ({ kinds: ['outcome-reporting'], as: 'replaced', owedBy: senderId, matchKey: opening.matchKey }) as const,
        ),
      );
      return { close, open, facts: {} };
    }
    case 'treatment.started':
      // Treatment started (a session, a prescription, an admission) by the service that owes the start.
      return {
        close: resourcesOfType(bundle, 'EpisodeOfCare').flatMap((episode) => {
          const startsAt = instant(episode.period?.start);
          return startsAt ? [{ kinds: ['first-appointment'], as: 'met', owedBy: senderId, startsAt } as const] : [];
        }),
        open: [],
        facts: {},
      };
    case 'court.review.listed':
      return { close: [], open: reviewReportDeadlines(event, config), facts: {} };
    case 'probation.review.reported':
      return { close: [{ kinds: ['review-report'], as: 'met', owedBy: senderId }], open: [], facts: {} };
    case 'treatment.appointment.missed':
      return {
        close: treatmentAppointments(bundle)
          .flatMap((appointment) => matchKeyOf(appointment) ?? [])
          .map((matchKey) => ({ kinds: ['outcome-reporting'], as: 'met', owedBy: senderId, matchKey })),
        open: [],
        facts: {},
      };
    case 'gp.registration.checked':
    case 'gp.registration.changed': {
      const gpRegistered = hasGp(bundle);
      return {
        close: gpRegistered ? [{ kinds: ['gp-registration-support'], as: 'met' }] : [],
        open: [],
        facts: { gpRegistered },
      };
    }
    case 'ld.screening.completed':
      return { close: [], open: [], facts: { screening: screeningOf(bundle, event.receivedAt) } };
    case 'treatment.referral.rejected':
      return { close: [], open: [], facts: {}, cancel: referralRejections(bundle, senderId) };
    case 'treatment.episode.ended':
      return { close: [], open: [], facts: {}, cancel: episodeEnds(bundle, senderId) };
    case 'probation.requirement.terminated':
      return { close: [], open: [], facts: {}, cancel: terminations(bundle, senderId) };
    default:
      return { close: [], open: [], facts: {} };
  }
}

/** The partners a request's performer or owner names, its treatment service first (an ODS code shared with an L&D service). */
function treatmentProvidersNamed(
  bundle: Bundle,
  reference: Reference | undefined,
  partners: readonly Partner[],
): string[] {
  return [...resolveParty(bundle, reference, partners, { prefer: TREATMENT_PROVIDER_KINDS }).partners];
}

function assessmentDeadline(event: PathwayEvent, config: PathwayConfig): DeadlineOpening[] {
  const timescale = config.assessmentDecision;
  if (!timescale) return [];
  const { bundle, partners } = event;
  const owners = new Set([
    ...resourcesOfType(bundle, 'Task').flatMap((task) => treatmentProvidersNamed(bundle, task.owner, partners)),
    ...resourcesOfType(bundle, 'ServiceRequest').flatMap((request) =>
      (request.performer ?? []).flatMap((performer) => treatmentProvidersNamed(bundle, performer, partners)),
    ),
  ]);
  const due = dueAt(event.receivedAt, timescale, config.calendar);
  return [...owners].map((owedBy) => ({
    kind: 'assessment-decision',
    key: `${event.eventId}|assessment-decision|${owedBy}`,
    dueAt: due,
    owedBy,
    description: `Clinical Lead decision on the suitability assessment requested for the pre-sentence report: ${timescaleText(timescale)} of the request.`,
  }));
}

function sentenceDeadlines(event: PathwayEvent, config: PathwayConfig, known: PathwayFacts): DeadlineOpening[] {
  const { bundle } = event;
  const opened: DeadlineOpening[] = [];
  /** Per provider: the requirements it treats under this order, and their identifiers. */
  const providers = new Map<string, { requirements: Set<RequirementGroup>; requirementIds: Set<string> }>();
  resourcesOfType(bundle, 'ServiceRequest').forEach((request, index) => {
    const group = requirementGroupOf(request.code);
    const owedBy = (request.performer ?? [])
      .flatMap((performer) => treatmentProvidersNamed(bundle, performer, event.partners))
      .find((id) => id !== undefined);
    if (!group || !owedBy) return;
    const requirementIds = identifierValues(request);
    const served = providers.get(owedBy) ?? { requirements: new Set(), requirementIds: new Set() };
    served.requirements.add(group);
    requirementIds.forEach((id) => served.requirementIds.add(id));
    providers.set(owedBy, served);
    const fromSentence = group === 'mhtr' ? sentencedTimescale(request) : undefined;
    const timescale = fromSentence ?? config.firstAppointment[group];
    if (!timescale) return;
    const due = 'by' in timescale ? timescale.by : dueAt(event.receivedAt, timescale, config.calendar);
    opened.push({
      kind: 'first-appointment',
      key: `${event.eventId}|first-appointment|${request.id ?? index}`,
      dueAt: due,
      owedBy,
      description: `First ${LABEL_OF_GROUP[group]} treatment appointment: ${'by' in timescale ? `by ${timescale.text}` : `${timescaleText(timescale)} of sentence`}${fromSentence ? ' (as sentenced)' : ''}.`,
      requirements: [group],
      requirementIds,
    });
  });
  for (const [owedBy, served] of providers) {
    const requirements = { requirements: [...served.requirements], requirementIds: [...served.requirementIds] };
    if (config.threeWayMeeting) {
      opened.push({
        kind: 'three-way-meeting',
        key: `${event.eventId}|three-way-meeting|${owedBy}`,
        dueAt: dueAt(event.receivedAt, config.threeWayMeeting, config.calendar),
        owedBy,
        description: `Three- or four-way meeting (person, responsible officer, treatment practitioner): ${timescaleText(config.threeWayMeeting)} of sentence.`,
        ...requirements,
      });
    }
    if (config.gpRegistrationSupport && known.gpRegistered === false) {
      opened.push({
        kind: 'gp-registration-support',
        key: `${event.eventId}|gp-registration-support|${owedBy}`,
        dueAt: dueAt(event.receivedAt, config.gpRegistrationSupport, config.calendar),
        owedBy,
        description: `Not registered with a GP at sentence: support registration with a GP practice, ${timescaleText(config.gpRegistrationSupport)} of sentence.`,
        ...requirements,
      });
    }
  }
  return opened;
}

/**
 * The review report a listed court review asks of probation (CJA 2003 s210: a written report that
 * includes the drug test results), due the configured working days before the hearing, owed by the
 * probation team the listing names (the reviewed requirement's performer), else by the probation
 * teams covering the court.
 */
function reviewReportDeadlines(event: PathwayEvent, config: PathwayConfig): DeadlineOpening[] {
  if (!config.reviewReport) return [];
  const { bundle, partners } = event;
  const hearing = resourcesOfType(bundle, 'Appointment').find(
    (appointment) => appointmentType(appointment) === 'court-review',
  );
  const hearingAt = instant(hearing?.start);
  if (!hearing || !hearingAt) return [];
  const probation = new Set(partners.filter((partner) => partner.kind === 'probation').map((partner) => partner.id));
  const named = resourcesOfType(bundle, 'ServiceRequest')
    .flatMap((request) => request.performer ?? [])
    .flatMap((performer) => [...resolveParty(bundle, performer, partners).partners])
    .filter((id) => probation.has(id));
  const courts = new Set(
    resourcesOfType(bundle, 'Organization')
      .flatMap((organization) => courtCodeOf(organization) ?? [])
      .flatMap((code) => partners.filter((partner) => partner.kind === 'hmcts' && partner.courtCode === code))
      .map((court) => court.id),
  );
  const covering = partners
    .filter((partner) => probation.has(partner.id) && partner.coverage?.courts.some((court) => courts.has(court)))
    .map((partner) => partner.id);
  const owners = [...new Set(named.length > 0 ? named : covering)];
  const { workingDaysBeforeHearing: days } = config.reviewReport;
  const due = dueBeforeHearing(hearingAt, days, config.calendar);
  const reviewed = resourcesOfType(bundle, 'ServiceRequest');
  const requirements = [...new Set(reviewed.flatMap((request) => requirementGroupOf(request.code) ?? []))];
  const requirementIds = reviewed.flatMap(identifierValues);
  return owners.map((owedBy) => ({
    kind: 'review-report',
    key: `${event.eventId}|review-report|${owedBy}`,
    dueAt: due,
    owedBy,
    description: `Written review report to the court, with the drug test results, for the review hearing of ${hearing.start ?? 'unknown date'}: ${days} working day${days === 1 ? '' : 's'} before the hearing.`,
    requirements,
    requirementIds,
  }));
}

/**
 * A provider's rejection of a referral ends that requirement's steps owed by the provider. The
 * rejection names the referral (the Task's identifier: the requirement's id in the sentence).
 */
function referralRejections(bundle: Bundle, senderId: string): DeadlineCancelling[] {
  return resourcesOfType(bundle, 'Task')
    .filter((task) => task.status === 'rejected')
    .map((task: Task) => ({
      requirementIds: identifierValues(task),
      owedBy: senderId,
      reason: `The referral was rejected by ${senderId}.`,
    }));
}

/** The end of a treatment episode (completed, discharged, disengaged) ends its requirement's steps owed by the provider. */
function episodeEnds(bundle: Bundle, senderId: string): DeadlineCancelling[] {
  return resourcesOfType(bundle, 'EpisodeOfCare')
    .filter((episode) => episode.status === 'finished')
    .map((episode) => {
      const requirement = (episode.type ?? []).map(requirementGroupOf).find((group) => group !== undefined);
      const why = (episode.extension ?? [])
        .filter((extension) => extension.url === EPISODE_END_REASON_EXTENSION)
        .map((extension) => codeOf(extension.valueCodeableConcept, EPISODE_END_REASON_SYSTEM))
        .find((code) => code !== undefined);
      return {
        ...(requirement ? { requirement } : {}),
        requirementIds: identifierValues(episode),
        owedBy: senderId,
        reason: `The ${requirement ? `${LABEL_OF_GROUP[requirement]} ` : ''}treatment episode at ${senderId} ended${why ? ` (${why})` : ''}.`,
      };
    });
}

/** Probation's termination of a requirement (completed, revoked, breached) ends all of its steps, whoever owes them. */
function terminations(bundle: Bundle, senderId: string): DeadlineCancelling[] {
  return resourcesOfType(bundle, 'ServiceRequest').flatMap((request) => {
    const requirement = requirementGroupOf(request.code);
    if (!requirement) return [];
    const outcome = (request.orderDetail ?? [])
      .map((detail) => codeOf(detail, REQUIREMENT_TERMINATION_SYSTEM))
      .find((code) => code !== undefined);
    return [
      {
        requirement,
        requirementIds: identifierValues(request),
        reason: `The ${LABEL_OF_GROUP[requirement]} was terminated${outcome ? ` (${outcome})` : ''} by ${senderId}.`,
      },
    ];
  });
}

function outcomeDeadlines(
  event: PathwayEvent,
  appointments: readonly Appointment[],
  config: PathwayConfig,
): DeadlineOpening[] {
  if (!config.outcomeReporting) return [];
  const timescale = config.outcomeReporting;
  return appointments.flatMap((appointment) => {
    const matchKey = matchKeyOf(appointment);
    const end = instant(appointment.end) ?? instant(appointment.start);
    if (!matchKey || !end) return [];
    const from = end.getTime() > event.receivedAt.getTime() ? end : event.receivedAt;
    return [
      {
        kind: 'outcome-reporting' as const,
        key: `${event.eventId}|outcome-reporting|${matchKey}`,
        dueAt: dueAt(from, timescale, config.calendar),
        owedBy: event.senderId,
        matchKey,
        description: `Attended or missed reported for the ${appointmentType(appointment) ?? 'treatment'} appointment of ${appointment.start ?? 'unknown date'}: ${timescaleText(timescale)} of its end.`,
      },
    ];
  });
}

const COURT_APPOINTMENT_TYPES = new Set(['court-hearing', 'court-review']);

/** The treatment appointments of a Bundle (not court hearings or reviews). */
function treatmentAppointments(bundle: Bundle): Appointment[] {
  return resourcesOfType(bundle, 'Appointment').filter(
    (appointment) => !COURT_APPOINTMENT_TYPES.has(appointmentType(appointment) ?? ''),
  );
}

function appointmentType(appointment: Appointment): string | undefined {
  return (appointment.serviceType ?? [])
    .map((concept) => codeOf(concept, APPOINTMENT_TYPE_SYSTEM))
    .find((code) => code !== undefined);
}

/** `system|value` of an appointment's first identifier: the same appointment in the booking and in its outcome. */
function matchKeyOf(appointment: Appointment): string | undefined {
  const identifier = (appointment.identifier ?? []).find(
    (each) => typeof each.system === 'string' && typeof each.value === 'string',
  );
  return identifier ? `${identifier.system}|${identifier.value}` : undefined;
}

/** An MHTR's start timescale as the court gave it (structured in the requirement's orderDetail; its words are never read). */
function sentencedTimescale(request: ServiceRequest): Timescale | { by: Date; text: string } | undefined {
  const start = treatmentStartOf(request);
  if (!start) return undefined;
  if ('withinWorkingDays' in start) return { workingDays: start.withinWorkingDays };
  const due = endOfDayOf(start.by);
  return due ? { by: due, text: start.by } : undefined;
}

function endOfDayOf(date: string): Date | undefined {
  try {
    return endOfLondonDay(date);
  } catch {
    return undefined; // not a calendar date: the default timescale applies
  }
}

function screeningOf(bundle: Bundle, receivedAt: Date): EventFacts['screening'] {
  const needs = resourcesOfType(bundle, 'Observation').flatMap((observation) => {
    const code = codeOf(observation.code, SCREENING_FLAG_SYSTEM);
    return code && (SCREENING_FLAG_CODES as readonly string[]).includes(code) && observation.valueBoolean === true
      ? [code as ScreeningFlagCode]
      : [];
  });
  const encounter = resourcesOfType(bundle, 'Encounter')[0];
  const start = instant(encounter?.period?.start) ?? receivedAt;
  return { screenedOn: start.toISOString().slice(0, 10), needs: [...new Set(needs)] };
}

function hasGp(bundle: Bundle): boolean {
  return resourcesOfType(bundle, 'Patient').some((patient) => (patient.generalPractitioner ?? []).length > 0);
}

/** The hearing of a `court.hearing.listed` Bundle, as the candidate event's input needs it. */
export function hearingOf(bundle: Bundle): HearingInput | undefined {
  const hearing = resourcesOfType(bundle, 'Appointment').find(
    (appointment) => appointmentType(appointment) === 'court-hearing',
  );
  if (!hearing?.start) return undefined;
  const court = resourcesOfType(bundle, 'Organization').find((organization) => courtCodeOf(organization) !== undefined);
  const code = court ? courtCodeOf(court) : undefined;
  if (!court || !code) return undefined;
  const location = (hearing.participant ?? [])
    .map((participant) => resolveReference(bundle, participant.actor))
    .find((resource) => resource?.resourceType === 'Location');
  const room =
    location?.resourceType === 'Location' && location.name && location.name !== court.name ? location.name : undefined;
  return {
    id: hearing.identifier?.[0]?.value ?? hearing.id ?? 'hearing',
    court: { code, name: court.name ?? code },
    ...(room ? { room } : {}),
    start: hearing.start,
    ...(hearing.end ? { end: hearing.end } : {}),
  };
}

function courtCodeOf(organization: Organization): string | undefined {
  return (organization.identifier ?? []).find((identifier) => identifier.system === COURT_CODE_SYSTEM)?.value;
}

function requirementGroupOf(concept: CodeableConcept | undefined): RequirementGroup | undefined {
  const type = codeOf(concept, REQUIREMENT_TYPE_SYSTEM);
  return type && Object.hasOwn(GROUP_OF_REQUIREMENT, type) ? GROUP_OF_REQUIREMENT[type] : undefined;
}

/** The values of a resource's identifiers (a requirement is known by different systems to the court, probation and the provider). */
function identifierValues(resource: { identifier?: { value?: string }[] }): string[] {
  return (resource.identifier ?? []).flatMap((identifier) =>
    typeof identifier.value === 'string' ? [identifier.value] : [],
  );
}

function codeOf(concept: CodeableConcept | undefined, system: string): string | undefined {
  return (concept?.coding ?? []).find((coding) => coding.system === system && typeof coding.code === 'string')?.code;
}

function instant(value: string | undefined): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

function timescaleText(timescale: Timescale): string {
  if ('workingDays' in timescale)
    return timescale.workingDays === 0
      ? 'the same day'
      : `within ${timescale.workingDays} working day${timescale.workingDays === 1 ? '' : 's'}`;
  return `within ${timescale.calendarDays} day${timescale.calendarDays === 1 ? '' : 's'}`;
}
