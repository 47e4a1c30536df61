/**
 * The assembly of one event's message Bundle: stable ids per resource role, one Organization and
 * one Practitioner per real party however often the input names them, the focus list, and the
 * MessageHeader.
 */
import {
  EVENT_TYPE_CODE_SYSTEM,
  EVENT_TYPE_SYSTEM,
  hubCodeDisplay,
  partnerEndpoint,
  type EventType,
} from '@cstr/contracts';
import type { Bundle, Organization, Patient, Practitioner, Reference, Resource } from 'fhir/r4';
import { buildMessageBundle, buildMessageHeader } from '../builders/message.builders';
import { buildOrganization, buildPractitioner } from '../builders/party.builders';
import { buildPatient } from '../builders/patient.builder';
import type { BuildResult } from '../builders/build-result';
import { partnerIdentifierSystem } from '../builders/hub-identifiers';
import { referenceTo, uuidFullUrl, uuidV5, type BundledResource } from '../builders/resource-ids';
import type { EventInputBase, OrganizationInput, PractitionerInput } from './event-inputs';

/** Collects the resources of one event and turns them into its message Bundle. */
export class EventMessage {
  private readonly entries = new Map<string, BundledResource>();
  private readonly focusRoles: string[] = [];
  private generalPractitioner: Reference[] = [];
  private patientLastUpdated?: string;
  /** Reference to the Patient (built last, so GP references can be added first). */
  readonly patient: Reference;
  /** The sending organisation (MessageHeader.sender). */
  readonly sender: BundledResource<Organization>;

  constructor(private readonly input: EventInputBase<EventType>) {
    this.patient = { reference: uuidFullUrl(this.id('Patient')) };
    const { sender, senderOrganization } = input.envelope;
    this.sender = this.organization({ ...(senderOrganization ?? { name: sender }), partnerId: sender });
  }

  /** The event's sending partner id. */
  get senderId(): string {
    return this.input.envelope.sender;
  }

  /** The event's time (ISO 8601). */
  get occurredAt(): string {
    return this.input.envelope.occurredAt;
  }

  /** The stable id of the resource playing `role` in this event. */
  id(role: string): string {
    return uuidV5(this.input.envelope.eventId, role);
  }

  /** The `fullUrl` the resource playing `role` has (or will have once added). */
  fullUrlOf(role: string): string {
    return uuidFullUrl(this.id(role));
  }

  /**
   * Adds the resource playing `role` (built by `build` from its id), or returns the one already
   * added for that role. `focus` resources are what the MessageHeader points at.
   */
  add<R extends Resource>(
    role: string,
    build: (id: string) => R,
    options: { focus?: boolean } = {},
  ): BundledResource<R> {
    const existing = this.entries.get(role);
    if (existing) return existing as BundledResource<R>;
    const id = this.id(role);
    const entry: BundledResource<R> = { fullUrl: uuidFullUrl(id), resource: build(id) };
    this.entries.set(role, entry);
    if (options.focus) this.focusRoles.push(role);
    return entry;
  }

  /** Adds a main resource of the event (a MessageHeader focus). */
  focus<R extends Resource>(role: string, build: (id: string) => R): BundledResource<R> {
    return this.add(role, build, { focus: true });
  }

  /** The Organization for `org`, one per partner id (or code, or name). */
  organization(org: OrganizationInput): BundledResource<Organization> {
    // A partner id first: two partners may share an ODS code (two services of one NHS trust).
    const key = org.partnerId
      ? `partner:${org.partnerId}`
      : org.code
        ? `${org.codeKind ?? 'ods'}:${org.code}`
        : `name:${org.name}`;
    return this.add(`Organization/${key}`, (id) => buildOrganization(id, org));
  }

  /** Reference to the Organization for `org`, with its name as display. */
  organizationRef(org: OrganizationInput): Reference {
    return referenceTo(this.organization(org), org.name);
  }

  /**
   * The Practitioner for `practitioner`; a staff code is scoped to the partner of `employer`
   * (or the sender).
   */
  practitioner(practitioner: PractitionerInput, employer?: OrganizationInput): BundledResource<Practitioner> {
    const name = [...(practitioner.name.given ?? []), practitioner.name.family].join(' ');
    const partnerId = employer?.partnerId ?? this.senderId;
    return this.add(`Practitioner/${practitioner.id ? `${partnerId}:${practitioner.id}` : `name:${name}`}`, (id) =>
      buildPractitioner(id, practitioner, partnerIdentifierSystem(partnerId, 'staff')),
    );
  }

  /** Reference to the Practitioner for `practitioner`, with their name as display. */
  practitionerRef(practitioner: PractitionerInput, employer?: OrganizationInput): Reference {
    return referenceTo(
      this.practitioner(practitioner, employer),
      [...practitioner.name.given, practitioner.name.family].join(' '),
    );
  }

  /** Sets the Patient's registered GP practices (current first). */
  setGeneralPractitioner(references: Reference[]): void {
    this.generalPractitioner = references;
  }

  /** Sets when the Patient record was last read or changed at its source (`meta.lastUpdated`). */
  setPatientLastUpdated(instant: string): void {
    this.patientLastUpdated = instant;
  }

  /** Makes the Patient a focus of the message (GP registration events). */
  focusPatient(): void {
    if (!this.focusRoles.includes('Patient')) this.focusRoles.push('Patient');
  }

  /**
   * The message Bundle: MessageHeader, Patient, the focus resources, then every supporting
   * resource; or the OperationOutcome of a person that cannot be built.
   */
  finish(type: EventType): BuildResult<Bundle> {
    const { envelope, person } = this.input;
    const patientResult = buildPatient(this.id('Patient'), person, {
      referenceYear: Number(envelope.occurredAt.slice(0, 4)),
      generalPractitioner: this.generalPractitioner,
      lastUpdated: this.patientLastUpdated,
    });
    if (!patientResult.ok) return patientResult;
    const patient: BundledResource<Patient> = {
      fullUrl: this.patient.reference as string,
      resource: patientResult.resource,
    };
    const all = new Map<string, BundledResource>([['Patient', patient], ...this.entries]);

    const focus = this.focusRoles.map((role) => all.get(role) as BundledResource);
    const supporting = [...all.entries()].filter(([role]) => !this.focusRoles.includes(role)).map(([, entry]) => entry);
    const ordered = this.focusRoles.includes('Patient')
      ? [...focus, ...supporting]
      : [patient, ...focus, ...supporting.filter((entry) => entry !== patient)];

    const headerId = this.id('MessageHeader');
    const header = {
      fullUrl: uuidFullUrl(headerId),
      resource: buildMessageHeader(headerId, {
        eventCoding: { system: EVENT_TYPE_SYSTEM, code: type, display: hubCodeDisplay(EVENT_TYPE_CODE_SYSTEM, type) },
        ...(envelope.destination
          ? { destination: [{ name: envelope.destination, endpoint: partnerEndpoint(envelope.destination) }] }
          : {}),
        sender: referenceTo(this.sender, this.sender.resource.name),
        source: { name: envelope.sender, endpoint: partnerEndpoint(envelope.sender) },
        focus: focus.map((entry) => ({ reference: entry.fullUrl })),
      }),
    };
    return {
      ok: true,
      resource: buildMessageBundle({ id: envelope.eventId, timestamp: envelope.occurredAt, header, entries: ordered }),
    };
  }
}
