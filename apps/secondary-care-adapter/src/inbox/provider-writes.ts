/**
 * What an event from the hub becomes on the treatment provider's FHIR server (an MHTR provider or a
 * drug and alcohol service). Every resource carries the hub event id as an identifier
 * (`EVENT_ID_SYSTEM|<event id>`, `#n` when one event writes several of a type) and is created
 * conditionally on it, so a redelivery finds the earlier resource instead of making a duplicate.
 * Every event type the agreements deliver to a provider kind has a plan in `PROVIDER_PLANS`.
 *
 * - `treatment.referral.requested` → Patient (conditional on the NHS number, else the CRN),
 *   the ServiceRequest of the Bundle, and a Task asking the provider to act on it (the Task's first
 *   identifier is the hub's referral id, which comes back with `treatment.referral.accepted/rejected`);
 * - `probation.psr.requested` → Patient, the assessment request's ServiceRequest and its Task with
 *   the due time (`restriction.period.end`) and priority, as the sentence is;
 * - `court.sentence.imposed` → Patient, and for each requirement this provider is to deliver (its
 *   performer names the provider, or it has no performer and is an MHTR) the order's requirement as
 *   an active ServiceRequest and a Task asking the provider to start treatment (the order has
 *   commenced), restricted to the start-by date when the court gave a timescale;
 * - `probation.case.allocated` → Patient, and a CareTeam naming the responsible officer (a contained
 *   Practitioner with the work contact details) and the probation team;
 * - `risk.changed` → Patient, and a Flag per Flag of the Bundle;
 * - `probation.enforcement.decided` → the decision as a Communication to the service;
 * - `probation.requirement.terminated` → the ended requirement's ServiceRequest and a Task to close
 *   the episode and arrange continuing care;
 * - `pathway.deadline.missed` → the overdue step as a Task owed by the service, with its due time;
 * - `court.review.listed` / `court.review.resulted` → the court's review hearing as an Appointment
 *   with the person as participant (booked; then fulfilled with its outcome, and the next review);
 * - acknowledged, nothing written (logged at debug, counted at `GET /metrics`):
 *   `court.hearing.resulted` (what the provider acts on comes as a sentence or a referral),
 *   `ld.screening.completed`, `gp.registration.checked/changed`, `consent.recorded/withdrawn` (kept
 *   elsewhere: the provider's own assessment, the national spine, the consent the provider takes
 *   itself), and a sentence none of whose requirements is this provider's.
 * References between resources of the Bundle (`urn:uuid:`) mean nothing on the provider's server:
 * they are kept as their display text only.
 */
import type {
  Appointment,
  Bundle,
  Communication,
  CareTeam,
  ContactPoint,
  DomainResource,
  Flag,
  FhirResource,
  Identifier,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Reference,
  ServiceRequest,
  Task,
} from 'fhir/r4';
import { REQUIREMENT_TYPE_SYSTEM, TASK_TYPE_SYSTEM, type EventType } from '@cstr/contracts';
import {
  EVENT_ID_SYSTEM,
  hubConcept,
  PARTNER_ID_SYSTEM,
  patientOf,
  REFERRAL_ID_SYSTEM,
  resourceEntries,
  treatmentStartOf,
} from '@cstr/fhir';
import {
  COMMON_PLATFORM_DEFENDANT_ID_SYSTEM,
  CRN_SYSTEM,
  CRO_NUMBER_SYSTEM,
  NHS_NUMBER_SYSTEM,
  PNC_ID_SYSTEM,
} from '@cstr/identity';

/** A resource to create unless one matches `query`; `linked` fills references to resources created before it. */
export interface PlannedCreate {
  readonly query: string;
  readonly build: (created: CreatedIds) => FhirResource;
}

/** Server ids of what was created (or found) so far, by role. */
export interface CreatedIds {
  patient?: string;
  serviceRequest?: string;
}

/** A step after the Patient: a conditional create, maybe remembered under a role for later steps. */
type PlannedStep = PlannedCreate & { readonly role?: keyof CreatedIds };

/** The writes an event needs, or why there are none. */
export type ProviderWritePlan =
  | { readonly kind: 'writes'; readonly patient: PlannedCreate; readonly then: readonly PlannedStep[] }
  | { readonly kind: 'unusable'; readonly code: string; readonly reason: string };

/** Why an event is acknowledged without a write (a metric label: a small fixed set). */
export type ProviderAcknowledgedReason =
  /** Nothing in the event is this provider's to act on (e.g. a sentence's requirements are others'). */
  | 'nothing-for-provider'
  /** The provider's system gets it another way, or keeps it itself. */
  | 'kept-elsewhere';

/** The writes an event needs, none (acknowledged, with the reason), or why it cannot be used. */
export type ProviderWritePlanOrNothing =
  | ProviderWritePlan
  | { readonly kind: 'nothing-for-provider'; readonly code: ProviderAcknowledgedReason; readonly reason: string };

/** One event about a person, as a planner reads it. */
interface PersonEvent {
  readonly bundle: Bundle;
  readonly patient: PlannedCreate;
  readonly eventId: string;
  readonly providerId?: string;
}

/** How the provider's system takes one event type: acknowledged, or written by a planner. */
type ProviderPlan =
  | { readonly acknowledge: ProviderAcknowledgedReason; readonly reason: string }
  | { readonly write: (event: PersonEvent) => ProviderWritePlanOrNothing };

/**
 * Every event type the agreements deliver to a treatment provider (mh-provider or
 * drug-alcohol-service), and what its FHIR server gets.
 */
const PROVIDER_PLANS = {
  'treatment.referral.requested': { write: planReferralWrites },
  'probation.psr.requested': {
    write: (event) =>
      planRequestAndTask(event, 'probation.psr.requested', 'Assess suitability for the pre-sentence report'),
  },
  'court.sentence.imposed': { write: planSentenceWrites },
  'probation.case.allocated': { write: planAllocationWrites },
  'risk.changed': { write: (event) => planCopies(event, 'Flag') },
  'probation.enforcement.decided': { write: (event) => planCopies(event, 'Communication') },
  'probation.requirement.terminated': { write: planTerminationWrites },
  'pathway.deadline.missed': { write: (event) => planCopies(event, 'Task') },
  'court.review.listed': { write: planReviewWrites },
  'court.review.resulted': { write: planReviewWrites },
  'court.hearing.resulted': {
    acknowledge: 'nothing-for-provider',
    reason: "A hearing's result: what the provider acts on comes as court.sentence.imposed or a referral.",
  },
  'ld.screening.completed': {
    acknowledge: 'kept-elsewhere',
    reason: "The provider's own assessment follows the PSR request; the L&D screening stays with L&D and probation.",
  },
  'gp.registration.checked': {
    acknowledge: 'kept-elsewhere',
    reason: 'The provider reads GP registration from the national spine itself.',
  },
  'gp.registration.changed': {
    acknowledge: 'kept-elsewhere',
    reason: 'The provider reads GP registration from the national spine itself.',
  },
  'consent.recorded': {
    acknowledge: 'kept-elsewhere',
    reason: 'The hub applies consent to what it shares; the provider records the consent it takes itself.',
  },
  'consent.withdrawn': {
    acknowledge: 'kept-elsewhere',
    reason: 'The hub stops sharing under the withdrawn consent; the provider records the consent it takes itself.',
  },
} as const satisfies Partial<Record<EventType, ProviderPlan>>;

/** One of the event types the adapter's inbox handles. */
export type ProviderInboxEventType = keyof typeof PROVIDER_PLANS;

/** The event types the adapter's inbox handles (the keys of its plans, listed once). */
export const PROVIDER_INBOX_EVENT_TYPES = Object.keys(PROVIDER_PLANS) as readonly ProviderInboxEventType[];

/** Whether the inbox has a plan for `type`. */
export function isProviderInboxEventType(type: string): type is ProviderInboxEventType {
  return Object.hasOwn(PROVIDER_PLANS, type);
}

/**
 * Plans the FHIR writes for one event Bundle. Pure; never throws. `providerId` (the adapter's
 * partner id) picks the requirements of a sentence that are this provider's to deliver.
 */
export function planProviderWrites(
  type: ProviderInboxEventType,
  body: unknown,
  eventId: string,
  providerId?: string,
): ProviderWritePlanOrNothing {
  const plan: ProviderPlan = PROVIDER_PLANS[type];
  if ('acknowledge' in plan) return { kind: 'nothing-for-provider', code: plan.acknowledge, reason: plan.reason };
  if (!isBundle(body)) return { kind: 'unusable', code: 'not-a-bundle', reason: 'The body is not a FHIR Bundle.' };
  const patient = patientOf(body);
  const patientQuery = patientQueryOf(patient);
  if (!patient || !patientQuery)
    return {
      kind: 'unusable',
      code: 'no-person-identifier',
      reason: 'The Patient carries no NHS number, CRN, PNC ID, CRO number or Common Platform id.',
    };
  const patientCreate: PlannedCreate = { query: patientQuery, build: () => providerPatient(patient) };
  return plan.write({ bundle: body, patient: patientCreate, eventId, providerId });
}

/** The Bundle's resources of one type. */
function resourcesOf<T extends FhirResource>(bundle: Bundle, type: T['resourceType']): T[] {
  return resourceEntries(bundle)
    .map((entry) => entry.resource)
    .filter((resource): resource is T => resource.resourceType === type);
}

/** The identifier of the `index`th of `count` resources written for one event: the event id, `#n` when several. */
function eventIdentifier(eventId: string, index = 0, count = 1): Identifier {
  return { system: EVENT_ID_SYSTEM, value: count === 1 ? eventId : `${eventId}#${index + 1}` };
}

function queryOf(identifier: Identifier): string {
  return `identifier=${identifier.system}|${identifier.value}`;
}

/** The element of each resource type that names the person. */
const SUBJECT_ELEMENT: Partial<Record<FhirResource['resourceType'], string>> = {
  Flag: 'subject',
  Communication: 'subject',
  ServiceRequest: 'subject',
  Task: 'for',
};

/**
 * Every resource of `type` in the Bundle, copied to the provider's server as the hub shared it
 * (references within the Bundle kept as display), with the event's identifier and the person.
 */
function planCopies(
  { bundle, patient, eventId }: PersonEvent,
  type: 'Flag' | 'Communication' | 'Task',
): ProviderWritePlan {
  const resources = resourcesOf<Flag | Communication | Task>(bundle, type);
  if (resources.length === 0)
    return { kind: 'unusable', code: `no-${type.toLowerCase()}`, reason: `The Bundle carries no ${type}.` };
  return {
    kind: 'writes',
    patient,
    then: resources.map((resource, index) => {
      const identifier = eventIdentifier(eventId, index, resources.length);
      return {
        query: queryOf(identifier),
        build: (ids) =>
          ({
            ...unlinked(resource),
            identifier: [...(resource.identifier ?? []), identifier],
            [SUBJECT_ELEMENT[type] ?? 'subject']: { reference: `Patient/${ids.patient}` },
          }) as FhirResource,
      };
    }),
  };
}

/**
 * A request with its Task (a PSR assessment request, as a sentence's requirement): the
 * ServiceRequest and the Task of the Bundle, the Task's due time, priority and code kept, its focus
 * the ServiceRequest written before it.
 */
function planRequestAndTask(
  { bundle, patient, eventId }: PersonEvent,
  type: string,
  action: string,
): ProviderWritePlan {
  const [request] = resourcesOf<ServiceRequest>(bundle, 'ServiceRequest');
  if (!request)
    return { kind: 'unusable', code: 'no-service-request', reason: `The ${type} Bundle carries no ServiceRequest.` };
  const [task] = resourcesOf<Task>(bundle, 'Task');
  const identifier = eventIdentifier(eventId);
  return {
    kind: 'writes',
    patient,
    then: [
      {
        role: 'serviceRequest',
        query: queryOf(identifier),
        build: (ids) => ({
          ...(unlinked(request) as ServiceRequest),
          identifier: [...(request.identifier ?? []), identifier],
          subject: { reference: `Patient/${ids.patient}` },
        }),
      },
      {
        query: queryOf(identifier),
        build: (ids): Task => ({
          ...(task ? (unlinked(task) as Task) : {}),
          resourceType: 'Task',
          identifier: [...(task?.identifier ?? []), identifier],
          status: 'requested',
          intent: 'order',
          ...(task?.code ? {} : { code: { text: action } }),
          description: task?.description ?? action,
          focus: { reference: `ServiceRequest/${ids.serviceRequest}` },
          for: { reference: `Patient/${ids.patient}` },
        }),
      },
    ],
  };
}

/** A referral: the ServiceRequest and a Task asking the provider to act on it (the Task's first identifier is the referral id). */
function planReferralWrites({ bundle, patient, eventId }: PersonEvent): ProviderWritePlan {
  const [request] = resourcesOf<ServiceRequest>(bundle, 'ServiceRequest');
  if (!request)
    return { kind: 'unusable', code: 'no-service-request', reason: 'The referral Bundle carries no ServiceRequest.' };
  const referralId = request.identifier?.find((identifier) => identifier.system === REFERRAL_ID_SYSTEM);
  const identifier = eventIdentifier(eventId);
  return {
    kind: 'writes',
    patient,
    then: [
      {
        role: 'serviceRequest',
        query: queryOf(identifier),
        build: (ids) => ({
          ...(unlinked(request) as ServiceRequest),
          identifier: [...(request.identifier ?? []), identifier],
          subject: { reference: `Patient/${ids.patient}` },
        }),
      },
      {
        query: queryOf(identifier),
        build: (ids): Task => ({
          resourceType: 'Task',
          identifier: [...(referralId ? [referralId] : []), identifier],
          status: 'requested',
          intent: 'order',
          code: { text: 'Act on the treatment referral' },
          focus: { reference: `ServiceRequest/${ids.serviceRequest}` },
          for: { reference: `Patient/${ids.patient}` },
          ...(request.authoredOn ? { authoredOn: request.authoredOn } : {}),
          ...(request.requester?.display ? { requester: { display: request.requester.display } } : {}),
        }),
      },
    ],
  };
}

/**
 * A requirement terminated: the ended requirement (its ServiceRequest, with the status the order
 * ended in) and a Task asking the provider to close the episode and arrange continuing care.
 */
function planTerminationWrites(event: PersonEvent): ProviderWritePlan {
  return planRequestAndTask(
    event,
    'probation.requirement.terminated',
    'The requirement has ended: close the episode and arrange continuing care',
  );
}

/**
 * A court review listed or resulted: each review Appointment of the Bundle (the hearing, its
 * outcome, the next review) with the person as participant, so the service sees when the court
 * reviews the order and what it decided, and can write its part of probation's report.
 */
function planReviewWrites({ bundle, patient, eventId }: PersonEvent): ProviderWritePlan {
  const appointments = resourcesOf<Appointment>(bundle, 'Appointment');
  if (appointments.length === 0)
    return { kind: 'unusable', code: 'no-appointment', reason: 'The court review Bundle carries no Appointment.' };
  return {
    kind: 'writes',
    patient,
    then: appointments.map((appointment, index) => {
      const identifier = eventIdentifier(eventId, index, appointments.length);
      return {
        query: queryOf(identifier),
        build: (ids): Appointment => {
          const copy = unlinked(appointment) as Appointment;
          return {
            ...copy,
            identifier: [...(appointment.identifier ?? []), identifier],
            participant: [
              ...(copy.participant ?? []).filter((participant) => participant.actor?.display),
              { actor: { reference: `Patient/${ids.patient}` }, status: 'accepted' },
            ],
          };
        },
      };
    }),
  };
}

function isBundle(value: unknown): value is Bundle {
  return typeof value === 'object' && value !== null && (value as { resourceType?: unknown }).resourceType === 'Bundle';
}

const MHTR_CODES: ReadonlySet<string> = new Set(['mhtr-primary', 'mhtr-secondary']);

/**
 * A sentence: the order's requirements this provider delivers, each as an active ServiceRequest and
 * a Task to start treatment. Several requirements of one event get identifiers `<event id>#<n>`.
 */
function planSentenceWrites({ bundle, patient, eventId, providerId }: PersonEvent): ProviderWritePlanOrNothing {
  const organizations = new Map<string, Organization>();
  for (const entry of resourceEntries(bundle))
    if (entry.resource.resourceType === 'Organization' && entry.fullUrl)
      organizations.set(entry.fullUrl, entry.resource as Organization);
  const requests = resourceEntries(bundle)
    .map((entry) => entry.resource)
    .filter((resource): resource is ServiceRequest => resource.resourceType === 'ServiceRequest');
  const ours = requests.filter((request) => isForProvider(request, organizations, providerId));
  if (ours.length === 0)
    return {
      kind: 'nothing-for-provider',
      code: 'nothing-for-provider',
      reason: 'No requirement of the sentence names this provider or is an MHTR without a provider.',
    };
  const then = ours.flatMap((request, index) => {
    const identifier: Identifier = {
      system: EVENT_ID_SYSTEM,
      value: ours.length === 1 ? eventId : `${eventId}#${index + 1}`,
    };
    const query = `identifier=${identifier.system}|${identifier.value}`;
    const requirementId = request.identifier?.[0]?.value;
    const start = treatmentStartOf(request);
    const startBy = start && 'by' in start ? start.by : undefined;
    const steps: PlannedStep[] = [
      {
        role: 'serviceRequest',
        query,
        build: (ids) => ({
          ...(unlinked(request) as ServiceRequest),
          status: 'active',
          identifier: [...(request.identifier ?? []), identifier],
          subject: { reference: `Patient/${ids.patient}` },
        }),
      },
      {
        query,
        build: (ids): Task => ({
          resourceType: 'Task',
          // The first identifier is what the provider's acceptance or rejection names (treatment.referral.accepted/rejected).
          identifier: [...(requirementId ? [{ system: REFERRAL_ID_SYSTEM, value: requirementId }] : []), identifier],
          status: 'requested',
          intent: 'order',
          priority: 'urgent',
          code: hubConcept(TASK_TYPE_SYSTEM, 'treatment-referral'),
          description:
            'The court has made the order: accept the referral and start treatment within the timescale given to the court.',
          focus: { reference: `ServiceRequest/${ids.serviceRequest}` },
          for: { reference: `Patient/${ids.patient}` },
          ...(request.authoredOn ? { authoredOn: request.authoredOn } : {}),
          ...(request.requester?.display ? { requester: { display: request.requester.display } } : {}),
          ...(startBy ? { restriction: { period: { end: startBy } } } : {}),
        }),
      },
    ];
    return steps;
  });
  return { kind: 'writes', patient, then };
}

function isForProvider(
  request: ServiceRequest,
  organizations: ReadonlyMap<string, Organization>,
  providerId: string | undefined,
): boolean {
  const performers = request.performer ?? [];
  if (performers.length === 0)
    return (
      request.code?.coding?.some(
        (coding) => coding.system === REQUIREMENT_TYPE_SYSTEM && MHTR_CODES.has(coding.code ?? ''),
      ) ?? false
    );
  return performers.some((performer) => {
    const organization = performer.reference ? organizations.get(performer.reference) : undefined;
    return (
      providerId !== undefined &&
      organization?.identifier?.some(
        (identifier) => identifier.system === PARTNER_ID_SYSTEM && identifier.value === providerId,
      ) === true
    );
  });
}

/**
 * A case allocation: a CareTeam for the person naming the probation team and, as participant, the
 * responsible officer (a contained Practitioner with the work contact details of their role), so
 * the provider knows whom to tell about attendance and risk.
 */
function planAllocationWrites({ bundle, patient, eventId }: PersonEvent): ProviderWritePlan {
  const resources = resourceEntries(bundle);
  const careTeam = resources.find((entry) => entry.resource.resourceType === 'CareTeam')?.resource as
    CareTeam | undefined;
  if (!careTeam)
    return {
      kind: 'unusable',
      code: 'no-care-team',
      reason: 'The probation.case.allocated Bundle carries no CareTeam.',
    };
  const byUrl = new Map(
    resources.filter((entry) => entry.fullUrl).map((entry) => [entry.fullUrl as string, entry.resource]),
  );
  const role = resources.find((entry) => entry.resource.resourceType === 'PractitionerRole')?.resource as
    PractitionerRole | undefined;
  const participant = careTeam.participant?.[0];
  const officer = byUrl.get(participant?.member?.reference ?? role?.practitioner?.reference ?? '') as
    Practitioner | undefined;
  const organization = byUrl.get(participant?.onBehalfOf?.reference ?? role?.organization?.reference ?? '') as
    Organization | undefined;
  const officerName =
    participant?.member?.display ??
    officer?.name?.[0]?.text ??
    [officer?.name?.[0]?.given?.join(' '), officer?.name?.[0]?.family].filter(Boolean).join(' ');
  const telecom: ContactPoint[] = [...(role?.telecom ?? []), ...(officer?.telecom ?? [])].filter(
    (point, index, all) =>
      all.findIndex((other) => other.system === point.system && other.value === point.value) === index,
  );
  const eventIdentifier: Identifier = { system: EVENT_ID_SYSTEM, value: eventId };
  const practitioner: Practitioner = {
    resourceType: 'Practitioner',
    id: 'responsible-officer',
    ...(officer?.identifier ? { identifier: officer.identifier.map(({ system, value }) => ({ system, value })) } : {}),
    ...(officer?.name ? { name: officer.name } : officerName ? { name: [{ text: officerName }] } : {}),
    ...(telecom.length ? { telecom } : {}),
  };
  const organizationDisplay = organization?.name ?? participant?.onBehalfOf?.display;
  return {
    kind: 'writes',
    patient,
    then: [
      {
        query: `identifier=${eventIdentifier.system}|${eventIdentifier.value}`,
        build: (ids): CareTeam => ({
          resourceType: 'CareTeam',
          contained: [practitioner],
          identifier: [...(careTeam.identifier ?? []).map(({ system, value }) => ({ system, value })), eventIdentifier],
          status: careTeam.status ?? 'active',
          ...(careTeam.name ? { name: careTeam.name } : {}),
          subject: { reference: `Patient/${ids.patient}` },
          ...(careTeam.period ? { period: careTeam.period } : {}),
          participant: [
            {
              ...(participant?.role ? { role: participant.role } : role?.code ? { role: role.code } : {}),
              member: { reference: '#responsible-officer', ...(officerName ? { display: officerName } : {}) },
              ...(organizationDisplay ? { onBehalfOf: { display: organizationDisplay } } : {}),
              ...(participant?.period ? { period: participant.period } : {}),
            },
          ],
          ...(organizationDisplay ? { managingOrganization: [{ display: organizationDisplay }] } : {}),
        }),
      },
    ],
  };
}

/** The conditional-create query of the person: the strongest identifier the Bundle carries. */
function patientQueryOf(patient: Patient | undefined): string | undefined {
  for (const system of [
    NHS_NUMBER_SYSTEM,
    CRN_SYSTEM,
    PNC_ID_SYSTEM,
    CRO_NUMBER_SYSTEM,
    COMMON_PLATFORM_DEFENDANT_ID_SYSTEM,
  ]) {
    const value = patient?.identifier?.find((identifier) => identifier.system === system)?.value;
    if (value) return `identifier=${system}|${value}`;
  }
  return undefined;
}

/** The Patient as the provider keeps it: identifiers, name, birth date, gender, address, as the hub shared them. */
function providerPatient(patient: Patient): Patient {
  const kept: Patient = {
    resourceType: 'Patient',
    identifier: patient.identifier?.map(({ system, value }) => ({ system, value })),
    name: patient.name,
    birthDate: patient.birthDate,
    gender: patient.gender,
    address: patient.address,
  };
  return unlinked(kept) as Patient;
}

/**
 * A copy without the Bundle's own id and meta, its references to other Bundle entries reduced to
 * their display (or dropped when they have none).
 */
function unlinked(resource: DomainResource): DomainResource {
  const { id: _id, meta: _meta, ...rest } = resource as DomainResource & { id?: string };
  return stripBundleReferences(rest) as DomainResource;
}

function stripBundleReferences(value: unknown): unknown {
  if (Array.isArray(value)) {
    // A list whose every item pointed into the Bundle is dropped: FHIR has no empty elements.
    const items = value.map(stripBundleReferences).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value !== 'object' || value === null) return value;
  const reference = (value as Reference).reference;
  if (typeof reference === 'string' && reference.startsWith('urn:uuid:')) {
    const display = (value as Reference).display;
    return display ? { display } : undefined;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const stripped = stripBundleReferences(item);
    if (stripped !== undefined) copy[key] = stripped;
  }
  return copy;
}
