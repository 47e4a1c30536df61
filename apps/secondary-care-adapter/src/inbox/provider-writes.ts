/**
 * What an event from the hub becomes on the provider's FHIR server. Every resource carries the
 * hub event id as an identifier (`EVENT_ID_SYSTEM|<event id>`) and is created conditionally on
 * it, so a redelivery finds the earlier resource instead of making a duplicate.
 *
 * - `treatment.referral.requested` → Patient (conditional on the NHS number, else the CRN),
 *   the ServiceRequest of the Bundle, and a Task asking the provider to act on it (the Task's first
 *   identifier is the hub's referral id, which comes back with `treatment.referral.accepted/rejected`);
 * - `risk.changed` → Patient, and a Flag per Flag of the Bundle.
 * References between resources of the Bundle (`urn:uuid:`) mean nothing on the provider's server:
 * they are kept as their display text only.
 */
import type { Bundle, DomainResource, Flag, FhirResource, Identifier, Patient, Reference, ServiceRequest, Task } from 'fhir/r4';
import { EVENT_ID_SYSTEM, REFERRAL_ID_SYSTEM } from '@cstr/fhir';
import { CRN_SYSTEM, NHS_NUMBER_SYSTEM } from '@cstr/identity';
import { patientOf, resourceEntries } from '@cstr/policy';

/** The event types the adapter's inbox handles. */
export const PROVIDER_INBOX_EVENT_TYPES = ['treatment.referral.requested', 'risk.changed'] as const;

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
  | { readonly kind: 'writes'; readonly patient: PlannedCreate; readonly then: readonly (PlannedCreate & { readonly role?: keyof CreatedIds })[] }
  | { readonly kind: 'unusable'; readonly code: string; readonly reason: string };

/** Plans the FHIR writes for one event Bundle. Pure; never throws. */
export function planProviderWrites(type: ProviderInboxEventType, body: unknown, eventId: string): ProviderWritePlan {
  if (!isBundle(body)) return { kind: 'unusable', code: 'not-a-bundle', reason: 'The body is not a FHIR Bundle.' };
  const patient = patientOf(body);
  const patientQuery = patientQueryOf(patient);
  if (!patient || !patientQuery) return { kind: 'unusable', code: 'no-person-identifier', reason: 'The Patient carries neither an NHS number nor a CRN.' };
  const eventIdentifier: Identifier = { system: EVENT_ID_SYSTEM, value: eventId };
  const byEvent = `identifier=${EVENT_ID_SYSTEM}|${eventId}`;
  const patientCreate: PlannedCreate = { query: patientQuery, build: () => providerPatient(patient) };

  if (type === 'treatment.referral.requested') {
    const request = resourceEntries(body).find((entry) => entry.resource.resourceType === 'ServiceRequest')?.resource as ServiceRequest | undefined;
    if (!request) return { kind: 'unusable', code: 'no-service-request', reason: 'The referral Bundle carries no ServiceRequest.' };
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

  const flags = resourceEntries(body)
    .map((entry) => entry.resource)
    .filter((resource): resource is Flag => resource.resourceType === 'Flag');
  if (flags.length === 0) return { kind: 'unusable', code: 'no-flag', reason: 'The risk.changed Bundle carries no Flag.' };
  return {
    kind: 'writes',
    patient: patientCreate,
    then: flags.map((flag, index) => {
      // One event may carry several flags: each gets its own identifier under the event.
      const identifier: Identifier = { system: EVENT_ID_SYSTEM, value: flags.length === 1 ? eventId : `${eventId}#${index + 1}` };
      return {
        query: `identifier=${identifier.system}|${identifier.value}`,
        build: (ids): Flag => ({ ...(unlinked(flag) as Flag), identifier: [...(flag.identifier ?? []), identifier], subject: { reference: `Patient/${ids.patient}` } }),
      };
    }),
  };
}

function isBundle(value: unknown): value is Bundle {
  return typeof value === 'object' && value !== null && (value as { resourceType?: unknown }).resourceType === 'Bundle';
}

/** The conditional-create query of the person: NHS number first, CRN otherwise. */
function patientQueryOf(patient: Patient | undefined): string | undefined {
  for (const system of [NHS_NUMBER_SYSTEM, CRN_SYSTEM]) {
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
