/**
 * What an event from the hub becomes on the provider's FHIR server. Every resource carries the
 * hub event id as an identifier (`EVENT_ID_SYSTEM|<event id>`) and is created conditionally on
 * it, so a redelivery finds the earlier resource instead of making a duplicate.
 *
 * - `treatment.referral.requested` → Patient (conditional on the NHS number, else the CRN),
 *   the ServiceRequest of the Bundle, and a Task asking the provider to act on it (the Task's first
 *   identifier is the hub's referral id, which comes back with `treatment.referral.accepted/rejected`);
 * - `risk.changed` → Patient, and a Flag per Flag of the Bundle;
 * - `court.sentence.imposed` → Patient, and for each requirement this provider is to deliver (its
 *   performer names the provider, or it has no performer and is an MHTR) the order's requirement as
 *   an active ServiceRequest and a Task asking the provider to start treatment (the order has
 *   commenced), restricted to the start-by date when the court gave a timescale;
 * - `probation.case.allocated` → Patient, and a CareTeam naming the responsible officer (a contained
 *   Practitioner with the work contact details) and the probation team.
 * References between resources of the Bundle (`urn:uuid:`) mean nothing on the provider's server:
 * they are kept as their display text only.
 */
import type {
  Bundle,
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
import { REQUIREMENT_TYPE_SYSTEM, TASK_TYPE_SYSTEM } from '@cstr/contracts';
import { EVENT_ID_SYSTEM, hubConcept, PARTNER_ID_SYSTEM, REFERRAL_ID_SYSTEM } from '@cstr/fhir';
import {
  COMMON_PLATFORM_DEFENDANT_ID_SYSTEM,
  CRN_SYSTEM,
  CRO_NUMBER_SYSTEM,
  NHS_NUMBER_SYSTEM,
  PNC_ID_SYSTEM,
} from '@cstr/identity';
import { patientOf, resourceEntries } from '@cstr/policy';

/** The event types the adapter's inbox handles. */
export const PROVIDER_INBOX_EVENT_TYPES = [
  'treatment.referral.requested',
  'risk.changed',
  'court.sentence.imposed',
  'probation.case.allocated',
] as const;

/** One of {@link PROVIDER_INBOX_EVENT_TYPES}. */
export type ProviderInboxEventType = (typeof PROVIDER_INBOX_EVENT_TYPES)[number];

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

/** The writes an event needs, or why there are none. */
export type ProviderWritePlan =
  | {
      readonly kind: 'writes';
      readonly patient: PlannedCreate;
      readonly then: readonly (PlannedCreate & { readonly role?: keyof CreatedIds })[];
    }
  | { readonly kind: 'unusable'; readonly code: string; readonly reason: string };

/** The writes an event needs, none because nothing in it is for this provider, or why it cannot be used. */
export type ProviderWritePlanOrNothing =
  ProviderWritePlan | { readonly kind: 'nothing-for-provider'; readonly reason: string };

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
  if (!isBundle(body)) return { kind: 'unusable', code: 'not-a-bundle', reason: 'The body is not a FHIR Bundle.' };
  const patient = patientOf(body);
  const patientQuery = patientQueryOf(patient);
  if (!patient || !patientQuery)
    return {
      kind: 'unusable',
      code: 'no-person-identifier',
      reason: 'The Patient carries no NHS number, CRN, PNC ID, CRO number or Common Platform id.',
    };
  const eventIdentifier: Identifier = { system: EVENT_ID_SYSTEM, value: eventId };
  const byEvent = `identifier=${EVENT_ID_SYSTEM}|${eventId}`;
  const patientCreate: PlannedCreate = { query: patientQuery, build: () => providerPatient(patient) };

  if (type === 'treatment.referral.requested') {
    const request = resourceEntries(body).find((entry) => entry.resource.resourceType === 'ServiceRequest')
      ?.resource as ServiceRequest | undefined;
    if (!request)
      return { kind: 'unusable', code: 'no-service-request', reason: 'The referral Bundle carries no ServiceRequest.' };
    const referralId = request.identifier?.find((identifier) => identifier.system === REFERRAL_ID_SYSTEM);
    return {
      kind: 'writes',
      patient: patientCreate,
      then: [
        {
          role: 'serviceRequest',
          query: byEvent,
          build: (ids) => ({
            ...(unlinked(request) as ServiceRequest),
            identifier: [...(request.identifier ?? []), eventIdentifier],
            subject: { reference: `Patient/${ids.patient}` },
          }),
        },
        {
          query: byEvent,
          build: (ids): Task => ({
            resourceType: 'Task',
            identifier: [...(referralId ? [referralId] : []), eventIdentifier],
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

  if (type === 'court.sentence.imposed') return planSentenceWrites(body, patientCreate, eventId, providerId);
  if (type === 'probation.case.allocated') return planAllocationWrites(body, patientCreate, eventId);

  const flags = resourceEntries(body)
    .map((entry) => entry.resource)
    .filter((resource): resource is Flag => resource.resourceType === 'Flag');
  if (flags.length === 0)
    return { kind: 'unusable', code: 'no-flag', reason: 'The risk.changed Bundle carries no Flag.' };
  return {
    kind: 'writes',
    patient: patientCreate,
    then: flags.map((flag, index) => {
      // One event may carry several flags: each gets its own identifier under the event.
      const identifier: Identifier = {
        system: EVENT_ID_SYSTEM,
        value: flags.length === 1 ? eventId : `${eventId}#${index + 1}`,
      };
      return {
        query: `identifier=${identifier.system}|${identifier.value}`,
        build: (ids): Flag => ({
          ...(unlinked(flag) as Flag),
          identifier: [...(flag.identifier ?? []), identifier],
          subject: { reference: `Patient/${ids.patient}` },
        }),
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
function planSentenceWrites(
  bundle: Bundle,
  patient: PlannedCreate,
  eventId: string,
  providerId: string | undefined,
): ProviderWritePlanOrNothing {
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
      reason: 'No requirement of the sentence names this provider or is an MHTR without a provider.',
    };
  const then = ours.flatMap((request, index) => {
    const identifier: Identifier = {
      system: EVENT_ID_SYSTEM,
      value: ours.length === 1 ? eventId : `${eventId}#${index + 1}`,
    };
    const query = `identifier=${identifier.system}|${identifier.value}`;
    const requirementId = request.identifier?.[0]?.value;
    const startBy = request.orderDetail
      ?.map((detail) => /start by (\d{4}-\d{2}-\d{2})/i.exec(detail.text ?? '')?.[1])
      .find(Boolean);
    const steps: (PlannedCreate & { role?: keyof CreatedIds })[] = [
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
function planAllocationWrites(bundle: Bundle, patient: PlannedCreate, eventId: string): ProviderWritePlan {
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
  if (Array.isArray(value)) return value.map(stripBundleReferences).filter((item) => item !== undefined);
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
