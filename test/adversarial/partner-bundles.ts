/**
 * Message Bundles written the way an outside partner writes them from the published contract
 * (SPEC §3, the hub's CodeSystems and AsyncAPI document), not with the hub's own builders: every
 * resource is spelt out here, parties are named by literal references, logical references
 * (`Reference.identifier`) or Organization entries carrying only the codes a partner really has,
 * entries come in varying orders, and optional elements are sometimes there and sometimes not.
 * `partner-bundles.spec.ts` checks every shape against the hub's UK Core validator.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type {
  Appointment,
  Bundle,
  BundleEntry,
  CareTeam,
  Communication,
  Consent,
  EpisodeOfCare,
  Flag,
  Identifier,
  MessageHeader,
  Observation,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Reference,
  Resource,
  ServiceRequest,
  Task,
} from 'fhir/r4';

// ---------------------------------------------------------------------------------------------
// Systems, as the contract publishes them
// ---------------------------------------------------------------------------------------------

const HUB = 'https://cstr-hub.org.uk/fhir';
const UK_CORE = 'https://fhir.hl7.org.uk/StructureDefinition';

export const SYSTEMS = {
  eventType: `${HUB}/CodeSystem/event-type`,
  nhsNumber: 'https://fhir.nhs.uk/Id/nhs-number',
  crn: `${HUB}/Id/crn`,
  pncId: `${HUB}/Id/pnc-id`,
  croNumber: `${HUB}/Id/cro-number`,
  commonPlatformDefendantId: `${HUB}/Id/common-platform-defendant-id`,
  ods: 'https://fhir.nhs.uk/Id/ods-organization-code',
  probationProviderCode: `${HUB}/Id/probation-provider-code`,
  courtCode: `${HUB}/Id/court-code`,
  uri: 'urn:ietf:rfc:3986',
  confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
} as const;

const CODES = {
  requestType: `${HUB}/CodeSystem/request-type`,
  taskType: `${HUB}/CodeSystem/task-type`,
  requirementType: `${HUB}/CodeSystem/requirement-type`,
  orderType: `${HUB}/CodeSystem/order-type`,
  appointmentType: `${HUB}/CodeSystem/appointment-type`,
  observationType: `${HUB}/CodeSystem/observation-type`,
  nonAttendanceSignificance: `${HUB}/CodeSystem/non-attendance-significance`,
  suitabilityOutcome: `${HUB}/CodeSystem/suitability-outcome`,
  practitionerRole: `${HUB}/CodeSystem/practitioner-role`,
  riskRegistrationType: `${HUB}/CodeSystem/risk-registration-type`,
  riskRegister: `${HUB}/CodeSystem/risk-register`,
  enforcementDecision: `${HUB}/CodeSystem/enforcement-decision`,
  requirementTermination: `${HUB}/CodeSystem/requirement-termination`,
} as const;

/** The partner endpoint URN of SPEC §3. */
export function endpointOf(partnerId: string): string {
  return `urn:cstr-hub:partner:${partnerId}`;
}

// ---------------------------------------------------------------------------------------------
// Partners of config/partners.yaml, as an outside partner knows them (their real codes)
// ---------------------------------------------------------------------------------------------

export interface KnownPartner {
  readonly id: string;
  readonly name: string;
  readonly ods?: string;
  readonly probationCode?: string;
  readonly courtCode?: string;
}

export const CROYDON_COURT: KnownPartner = {
  id: 'croydon-mc',
  name: "Croydon Magistrates' Court",
  courtCode: 'B01CY00',
};
export const CAMBERWELL_COURT: KnownPartner = {
  id: 'camberwell-green-mc',
  name: 'Camberwell Green Magistrates’ Court',
  courtCode: 'B01CG00',
};
export const LIAISON: KnownPartner = { id: 'sl-liaison-diversion', name: 'South London L&D', ods: 'RV5' };
export const CROYDON_PROBATION: KnownPartner = {
  id: 'nps-london-croydon',
  name: 'Probation Service London – Croydon PDU',
  ods: 'N07CY',
  probationCode: 'N07CY',
};
export const LAMBETH_PROBATION: KnownPartner = {
  id: 'nps-london-lambeth',
  name: 'Probation Service London – Lambeth PDU',
  ods: 'N07LA',
  probationCode: 'N07LA',
};
export const SLAM: KnownPartner = { id: 'slam-mhtr', name: 'SLaM MHTR service', ods: 'RV5' };
export const ST_ANDREWS: KnownPartner = { id: 'st-andrews-mhtr', name: "St Andrew's MHTR service", ods: 'NVN' };
export const PDS: KnownPartner = { id: 'pds-gp-registration', name: 'GP registration lookup', ods: 'X26' };

// ---------------------------------------------------------------------------------------------
// Parties: the ways FHIR lets a message name an organisation
// ---------------------------------------------------------------------------------------------

/** How a message names an organisation. */
export type Party =
  /** A logical reference: `Reference.identifier`, no `reference`. */
  | { readonly by: 'logical'; readonly identifier: Identifier; readonly display?: string; readonly typed?: boolean }
  /** A literal reference to an Organization entry carrying these identifiers (and nothing else of the hub's). */
  | { readonly by: 'organization'; readonly identifiers: readonly Identifier[]; readonly name?: string };

export const party = {
  /** Logical reference by ODS code. */
  ods: (code: string, display?: string): Party => ({
    by: 'logical',
    identifier: { system: SYSTEMS.ods, value: code },
    ...(display ? { display } : {}),
    typed: true,
  }),
  /** Logical reference by probation provider code (Delius region or delivery unit). */
  probationCode: (code: string): Party => ({
    by: 'logical',
    identifier: { system: SYSTEMS.probationProviderCode, value: code },
  }),
  /** Logical reference by court code. */
  courtCode: (code: string): Party => ({ by: 'logical', identifier: { system: SYSTEMS.courtCode, value: code } }),
  /** Logical reference by the partner endpoint URN. */
  endpoint: (partnerId: string): Party => ({
    by: 'logical',
    identifier: { system: SYSTEMS.uri, value: endpointOf(partnerId) },
    typed: true,
  }),
  /** An Organization entry carrying only these identifiers. */
  organization: (identifiers: readonly Identifier[], name?: string): Party => ({
    by: 'organization',
    identifiers,
    ...(name ? { name } : {}),
  }),
  /** An Organization entry carrying only an ODS code. */
  odsOrganization: (code: string, name?: string): Party =>
    party.organization([{ system: SYSTEMS.ods, value: code }], name),
  /** An Organization entry carrying only a probation provider code. */
  probationOrganization: (code: string, name?: string): Party =>
    party.organization([{ system: SYSTEMS.probationProviderCode, value: code }], name),
};

// ---------------------------------------------------------------------------------------------
// Test persons
// ---------------------------------------------------------------------------------------------

/** A valid NHS number: nine digits and a Modulus 11 check digit (never 10, never ten equal digits). */
export function newNhsNumber(): string {
  for (;;) {
    const nine = `9${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
    const sum = [...nine].reduce((total, digit, index) => total + Number(digit) * (10 - index), 0);
    const check = (11 - (sum % 11)) % 11;
    if (check === 10) continue;
    const number = `${nine}${check}`;
    if (!/^(\d)\1{9}$/.test(number)) return number;
  }
}

/** True when `value` is ten digits with a correct Modulus 11 check digit. */
export function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  const sum = [...value.slice(0, 9)].reduce((total, digit, index) => total + Number(digit) * (10 - index), 0);
  const check = (11 - (sum % 11)) % 11;
  return check !== 10 && check === Number(value[9]);
}

/** A CRN: one letter and six digits. */
export function newCrn(): string {
  return `${'ABCDEFGHJKLMNPRSTUVWXY'[randomInt(0, 22)]}${String(randomInt(100_000, 1_000_000))}`;
}

/** A PNC ID `YYYY/NNNNNNNA` with its modulus-23 check letter. */
export function newPncId(): string {
  const year = 2005 + randomInt(0, 19);
  const serial = String(randomInt(1, 10_000_000)).padStart(7, '0');
  const letter = 'ZABCDEFGHJKLMNPQRTUVWXY'[Number(`${String(year).slice(2)}${serial}`) % 23];
  return `${year}/${serial}${letter}`;
}

/** A person as the test knows them: identifiers, name and the contact details a restriction hides. */
export interface TestPerson {
  readonly nhsNumber: string;
  readonly crn: string;
  readonly pncId: string;
  readonly given: string;
  readonly family: string;
  readonly birthDate: string;
  readonly gender: 'male' | 'female';
  /** A unique first address line, to look for in delivered copies. */
  readonly addressLine: string;
  readonly postalCode: string;
  /** A unique phone number, to look for in delivered copies. */
  readonly phone: string;
  /** The GP practice's ODS code (a letter and five digits) and name. */
  readonly gpOds: string;
  readonly gpName: string;
}

const GIVEN = ['Red', 'Amber', 'Blue', 'Grey', 'Indigo', 'Jade', 'Olive', 'Rose', 'Sky', 'Teal'];

/** A new test person (family name "Tester"), with identifiers nobody else has. */
export function newPerson(overrides: Partial<TestPerson> = {}): TestPerson {
  const house = randomInt(1, 400);
  return {
    nhsNumber: newNhsNumber(),
    crn: newCrn(),
    pncId: newPncId(),
    given: GIVEN[randomInt(0, GIVEN.length)],
    family: 'Tester',
    birthDate: `19${randomInt(60, 100)}-${String(randomInt(1, 13)).padStart(2, '0')}-${String(randomInt(1, 29)).padStart(2, '0')}`,
    gender: randomInt(0, 2) === 0 ? 'male' : 'female',
    addressLine: `${house} Redteam Lane ${randomUUID().slice(0, 6)}`,
    postalCode: `CR${randomInt(0, 9)} ${randomInt(1, 10)}ZZ`,
    phone: `07700 9${String(randomInt(0, 100_000)).padStart(5, '0')}`,
    gpOds: `H8${String(randomInt(0, 10_000)).padStart(4, '0')}`,
    gpName: 'Testing Road Surgery',
    ...overrides,
  };
}

/** Which identifiers (and which other details) a message's Patient carries. */
export interface PatientShape {
  readonly nhs?: boolean;
  readonly crn?: boolean;
  readonly pnc?: boolean;
  /** Identifiers of any other system (e.g. one the hub does not know). */
  readonly extraIdentifiers?: readonly Identifier[];
  readonly address?: boolean;
  readonly telecom?: boolean;
  /** Patient.generalPractitioner: a literal reference to a GP practice Organization entry, or a logical reference. */
  readonly gp?: 'organization' | 'logical';
  /** PDS's restricted security label `R` on Patient.meta.security. */
  readonly restricted?: boolean;
  /** Patient.meta.profile present. */
  readonly profile?: boolean;
}

// ---------------------------------------------------------------------------------------------
// The message assembly
// ---------------------------------------------------------------------------------------------

/** An event as a partner publishes it. */
export interface PartnerEvent {
  /** AMQP `messageId` = `Bundle.id`. */
  readonly eventId: string;
  readonly type: string;
  /** The publishing partner (its own broker user; routing key `<sender>.<type>`). */
  readonly sender: string;
  readonly bundle: Bundle;
}

/** The order the entries after the MessageHeader come in. */
export type EntryOrder = 'as-added' | 'reversed' | 'patient-last' | 'rotated';

const ORDERS: readonly EntryOrder[] = ['as-added', 'reversed', 'patient-last', 'rotated'];

/** Options every event builder takes. */
export interface EventOptions {
  readonly eventId?: string;
  /** When the event happened (ISO 8601); default now. */
  readonly at?: string;
  /** Entry order; default chosen from the event id, so a run sees every order. */
  readonly order?: EntryOrder;
}

/** Now as ISO 8601 with a `Z`, to the second (FHIR instants need no milliseconds). */
function nowIso(offsetMinutes = 0): string {
  return new Date(Date.now() + offsetMinutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function today(offsetDays = 0): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

/** Collects one message's resources and names its parties. */
class Message {
  private readonly entries: BundleEntry[] = [];
  private readonly focus: string[] = [];
  private readonly organizations = new Map<string, string>();
  readonly eventId: string;
  readonly at: string;
  patientRef: Reference = {};

  constructor(
    readonly type: string,
    readonly sender: KnownPartner,
    private readonly options: EventOptions,
  ) {
    this.eventId = options.eventId ?? randomUUID();
    this.at = options.at ?? nowIso();
  }

  /** Adds a resource under a fresh `urn:uuid:` fullUrl and returns a reference to it. */
  add<R extends Resource>(resource: R, options: { focus?: boolean; display?: string } = {}): Reference {
    const id = randomUUID();
    const fullUrl = `urn:uuid:${id}`;
    this.entries.push({ fullUrl, resource: { ...resource, id } });
    if (options.focus) this.focus.push(fullUrl);
    return { reference: fullUrl, ...(options.display ? { display: options.display } : {}) };
  }

  /** A reference naming `who`: logical, or to an Organization entry (one per set of identifiers). */
  ref(who: Party): Reference {
    if (who.by === 'logical')
      return {
        ...(who.typed ? { type: 'Organization' } : {}),
        identifier: who.identifier,
        ...(who.display ? { display: who.display } : {}),
      };
    const key = JSON.stringify(who.identifiers);
    const known = this.organizations.get(key);
    if (known) return { reference: known };
    const organization: Organization = {
      resourceType: 'Organization',
      identifier: who.identifiers.map((identifier) => ({ ...identifier })),
      active: true,
      ...(who.name ? { name: who.name } : {}),
    };
    const reference = this.add(organization, { display: who.name });
    this.organizations.set(key, reference.reference as string);
    return reference;
  }

  /** The Patient of the message (added once). */
  patient(person: TestPerson, shape: PatientShape): Reference {
    const identifier: Identifier[] = [];
    if (shape.nhs ?? true)
      identifier.push({
        extension: [
          {
            url: `${UK_CORE}/Extension-UKCore-NHSNumberVerificationStatus`,
            valueCodeableConcept: {
              coding: [
                {
                  system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland',
                  code: '01',
                  display: 'Number present and verified',
                },
              ],
            },
          },
        ],
        system: SYSTEMS.nhsNumber,
        value: person.nhsNumber,
      });
    if (shape.crn) identifier.push({ system: SYSTEMS.crn, value: person.crn });
    if (shape.pnc) identifier.push({ system: SYSTEMS.pncId, value: person.pncId });
    identifier.push(...(shape.extraIdentifiers ?? []));
    const generalPractitioner: Reference[] = [];
    if (shape.gp === 'organization')
      generalPractitioner.push(this.ref(party.odsOrganization(person.gpOds, person.gpName)));
    if (shape.gp === 'logical')
      generalPractitioner.push({
        type: 'Organization',
        identifier: { system: SYSTEMS.ods, value: person.gpOds },
        display: person.gpName,
      });
    const meta: Patient['meta'] = {
      ...(shape.profile ? { profile: [`${UK_CORE}/UKCore-Patient`] } : {}),
      ...(shape.restricted
        ? { security: [{ system: SYSTEMS.confidentiality, code: 'R', display: 'restricted' }] }
        : {}),
    };
    const patient: Patient = {
      resourceType: 'Patient',
      ...(Object.keys(meta).length > 0 ? { meta } : {}),
      identifier,
      name: [{ use: 'official', family: person.family, given: [person.given] }],
      gender: person.gender,
      birthDate: person.birthDate,
      ...(shape.telecom ? { telecom: [{ system: 'phone', value: person.phone, use: 'mobile' }] } : {}),
      ...(shape.address
        ? { address: [{ use: 'home', line: [person.addressLine], city: 'Croydon', postalCode: person.postalCode }] }
        : {}),
      ...(generalPractitioner.length > 0 ? { generalPractitioner } : {}),
    };
    this.patientRef = this.add(patient);
    return this.patientRef;
  }

  /** Makes the Patient a focus (GP registration events). */
  focusPatient(): void {
    if (this.patientRef.reference) this.focus.push(this.patientRef.reference);
  }

  /** A practitioner of `employer`, with a staff identifier of the employer's own. */
  practitioner(given: string, employer: KnownPartner, telecom = false): Reference {
    const practitioner: Practitioner = {
      resourceType: 'Practitioner',
      identifier: [{ system: `${HUB}/Id/partner/${employer.id}/staff`, value: `S${randomInt(10_000, 99_999)}` }],
      name: [{ family: 'Practitioner', given: [given] }],
      ...(telecom
        ? { telecom: [{ system: 'email', value: `${given.toLowerCase()}@example.org.uk`, use: 'work' }] }
        : {}),
    };
    return this.add(practitioner, { display: `${given} Practitioner` });
  }

  build(): PartnerEvent {
    const header: MessageHeader = {
      resourceType: 'MessageHeader',
      id: randomUUID(),
      eventCoding: { system: SYSTEMS.eventType, code: this.type },
      source: { endpoint: endpointOf(this.sender.id) },
      sender: this.senderRef(),
      focus: this.focus.map((reference) => ({ reference })),
    };
    const order = this.options.order ?? ORDERS[parseInt(this.eventId.slice(0, 2), 16) % ORDERS.length];
    return {
      eventId: this.eventId,
      type: this.type,
      sender: this.sender.id,
      bundle: {
        resourceType: 'Bundle',
        id: this.eventId,
        type: 'message',
        timestamp: this.at,
        entry: [
          { fullUrl: `urn:uuid:${header.id}`, resource: header },
          ...ordered(this.entries, order, this.patientRef),
        ],
      },
    };
  }

  /** MessageHeader.sender: by its best code, logically (a partner's own system knows no hub entry ids). */
  private senderRef(): Reference {
    const { sender } = this;
    const identifier = sender.courtCode
      ? { system: SYSTEMS.courtCode, value: sender.courtCode }
      : sender.probationCode
        ? { system: SYSTEMS.probationProviderCode, value: sender.probationCode }
        : { system: SYSTEMS.ods, value: sender.ods as string };
    return { type: 'Organization', identifier, display: sender.name };
  }
}

function ordered(entries: readonly BundleEntry[], order: EntryOrder, patient: Reference): BundleEntry[] {
  switch (order) {
    case 'as-added':
      return [...entries];
    case 'reversed':
      return [...entries].reverse();
    case 'patient-last':
      return [
        ...entries.filter((entry) => entry.fullUrl !== patient.reference),
        ...entries.filter((entry) => entry.fullUrl === patient.reference),
      ];
    case 'rotated':
      return entries.length < 2 ? [...entries] : [...entries.slice(1), entries[0]];
  }
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/** What every person-bound event builder takes. */
export interface PersonEventInput extends EventOptions {
  readonly person: TestPerson;
  /** The Patient's shape; default: NHS number only. */
  readonly patient?: PatientShape;
}

/** `probation.psr.requested`: a suitability assessment (ServiceRequest) and its due Task, naming the provider asked. */
export function psrRequested(
  input: PersonEventInput & {
    readonly from?: KnownPartner;
    /** Who is asked: ServiceRequest.performer and Task.owner. */
    readonly provider: Party;
  },
): PartnerEvent {
  const from = input.from ?? CROYDON_PROBATION;
  const message = new Message('probation.psr.requested', from, input);
  const patient = message.patient(input.person, input.patient ?? { nhs: true, crn: true });
  const officer = message.practitioner('Court', from, true);
  const asked = message.ref(input.provider);
  const due = nowIso(240);
  const request = message.add<ServiceRequest>(
    {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      category: [{ coding: [{ system: CODES.requestType, code: 'suitability-assessment' }] }],
      code: { text: 'Suitability assessment for a mental health treatment requirement' },
      priority: 'urgent',
      subject: patient,
      occurrenceDateTime: due,
      authoredOn: message.at,
      requester: officer,
      performer: [asked],
    },
    { focus: true },
  );
  message.add<Task>(
    {
      resourceType: 'Task',
      basedOn: [request],
      status: 'requested',
      intent: 'order',
      code: { coding: [{ system: CODES.taskType, code: 'suitability-assessment' }] },
      focus: request,
      for: patient,
      authoredOn: message.at,
      requester: officer,
      owner: asked,
      restriction: { period: { end: due } },
    },
    { focus: true },
  );
  return message.build();
}

/** `treatment.referral.requested`: the order as a referral (ServiceRequest + Task, status requested). */
export function referralRequested(
  input: PersonEventInput & {
    readonly from?: KnownPartner;
    /** Task.owner. */
    readonly owner: Party;
    /** ServiceRequest.performer; default the owner. */
    readonly performer?: Party;
    /** The referral's own id (Task and ServiceRequest identifier). */
    readonly referralId?: string;
  },
): PartnerEvent {
  const from = input.from ?? CROYDON_PROBATION;
  const message = new Message('treatment.referral.requested', from, input);
  const patient = message.patient(input.person, input.patient ?? { nhs: true, crn: true, address: true });
  const referralId = input.referralId ?? `R-${randomInt(100_000, 999_999)}`;
  const identifier = [{ system: `${HUB}/Id/partner/${from.id}/referral`, value: referralId }];
  const officer = message.practitioner('Responsible', from);
  const request = message.add<ServiceRequest>(
    {
      resourceType: 'ServiceRequest',
      identifier,
      status: 'active',
      intent: 'order',
      category: [{ coding: [{ system: CODES.requestType, code: 'treatment-requirement' }] }],
      code: { coding: [{ system: CODES.requirementType, code: 'mhtr-primary' }] },
      quantityQuantity: { value: 10, unit: 'sessions' },
      occurrencePeriod: { start: today(), end: today(180) },
      subject: patient,
      authoredOn: message.at,
      requester: officer,
      performer: [message.ref(input.performer ?? input.owner)],
    },
    { focus: true },
  );
  message.add<Task>(
    {
      resourceType: 'Task',
      identifier,
      basedOn: [request],
      status: 'requested',
      intent: 'order',
      code: { coding: [{ system: CODES.taskType, code: 'treatment-referral' }] },
      focus: request,
      for: patient,
      authoredOn: message.at,
      requester: officer,
      owner: message.ref(input.owner),
    },
    { focus: true },
  );
  return message.build();
}

/** `treatment.referral.accepted` / `.rejected`: the provider's answer (a Task naming itself as owner). */
export function referralAnswered(
  input: PersonEventInput & {
    readonly from: KnownPartner;
    readonly answer: 'accepted' | 'rejected';
    /** How the Task names its owner; default the sender's ODS code, logically. */
    readonly owner?: Party;
    readonly referralId?: string;
    /** Who made the referral (to echo its referral id system). */
    readonly referrer?: KnownPartner;
  },
): PartnerEvent {
  const type = input.answer === 'accepted' ? 'treatment.referral.accepted' : 'treatment.referral.rejected';
  const message = new Message(type, input.from, input);
  const patient = message.patient(input.person, input.patient ?? { nhs: true });
  const referrer = input.referrer ?? CROYDON_PROBATION;
  message.add<Task>(
    {
      resourceType: 'Task',
      ...(input.referralId
        ? { identifier: [{ system: `${HUB}/Id/partner/${referrer.id}/referral`, value: input.referralId }] }
        : {}),
      status: input.answer,
      ...(input.answer === 'rejected' ? { statusReason: { text: 'Outside the service criteria.' } } : {}),
      intent: 'order',
      code: { coding: [{ system: CODES.taskType, code: 'treatment-referral' }] },
      for: patient,
      lastModified: message.at,
      owner: message.ref(input.owner ?? party.ods(input.from.ods as string)),
    },
    { focus: true },
  );
  return message.build();
}

/** `probation.case.allocated`: the responsible officer (CareTeam + PractitionerRole). */
export function caseAllocated(
  input: PersonEventInput & {
    readonly from?: KnownPartner;
    /** How the team's organisation is named; default its probation provider code, logically. */
    readonly team?: Party;
  },
): PartnerEvent {
  const from = input.from ?? CROYDON_PROBATION;
  const message = new Message('probation.case.allocated', from, input);
  const patient = message.patient(input.person, input.patient ?? { nhs: true, crn: true });
  const team = message.ref(input.team ?? party.probationCode(from.probationCode as string));
  const officer = message.practitioner('Officer', from, true);
  message.add<CareTeam>(
    {
      resourceType: 'CareTeam',
      status: 'active',
      name: 'Offender management team',
      subject: patient,
      period: { start: today() },
      participant: [
        {
          role: [{ coding: [{ system: CODES.practitionerRole, code: 'responsible-officer' }] }],
          member: officer,
          onBehalfOf: team,
        },
      ],
      managingOrganization: [team],
    },
    { focus: true },
  );
  message.add<PractitionerRole>(
    {
      resourceType: 'PractitionerRole',
      active: true,
      practitioner: officer,
      organization: team,
      code: [{ coding: [{ system: CODES.practitionerRole, code: 'responsible-officer' }] }],
      telecom: [{ system: 'phone', value: '020 7946 0000', use: 'work' }],
    },
    { focus: true },
  );
  return message.build();
}

/** `court.sentence.imposed`: one treatment requirement (ServiceRequest) naming its performers. */
export function sentenceImposed(
  input: PersonEventInput & {
    readonly court?: KnownPartner;
    /** ServiceRequest.performer: the provider, and anyone else the court names. */
    readonly performers: readonly Party[];
  },
): PartnerEvent {
  const court = input.court ?? CROYDON_COURT;
  const message = new Message('court.sentence.imposed', court, input);
  const patient = message.patient(input.person, input.patient ?? { nhs: false, pnc: true });
  const bench = message.ref(
    party.organization([{ system: SYSTEMS.courtCode, value: court.courtCode as string }], court.name),
  );
  message.add<ServiceRequest>(
    {
      resourceType: 'ServiceRequest',
      requisition: { system: `${HUB}/Id/partner/${court.id}/order`, value: `CO-${randomInt(100_000, 999_999)}` },
      status: 'active',
      intent: 'order',
      category: [
        { coding: [{ system: CODES.requestType, code: 'treatment-requirement' }] },
        { coding: [{ system: CODES.orderType, code: 'community-order' }] },
      ],
      code: { coding: [{ system: CODES.requirementType, code: 'mhtr-primary' }] },
      orderDetail: [{ text: 'Requirement length 6 months' }],
      occurrencePeriod: { start: today(), end: today(182) },
      subject: patient,
      authoredOn: today(),
      requester: bench,
      performer: input.performers.map((each) => message.ref(each)),
    },
    { focus: true },
  );
  return message.build();
}

/** A Consent to share, as `consent.recorded` (active) or `consent.withdrawn` (inactive). */
export function consentEvent(
  input: PersonEventInput & {
    readonly from: KnownPartner;
    readonly withdrawn?: boolean;
    /** Consent.provision.actor (information recipients). */
    readonly actors: readonly Party[];
    /** Consent.organization, when given. */
    readonly organization?: Party;
    /** The Consent's identifier value (the same for its withdrawal). */
    readonly consentId: string;
  },
): PartnerEvent {
  const type = input.withdrawn ? 'consent.withdrawn' : 'consent.recorded';
  const message = new Message(type, input.from, input);
  const patient = message.patient(input.person, input.patient ?? { nhs: true });
  message.add<Consent>(
    {
      resourceType: 'Consent',
      identifier: [{ system: `${HUB}/Id/partner/${input.from.id}/consent`, value: input.consentId }],
      status: input.withdrawn ? 'inactive' : 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
      patient,
      dateTime: message.at,
      ...(input.organization ? { organization: [message.ref(input.organization)] } : {}),
      policy: [{ uri: `${HUB}/information-sharing-agreements` }],
      provision: {
        type: 'permit',
        period: { start: today(-1), end: today(365) },
        actor: input.actors.map((actor) => ({
          role: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }],
          },
          reference: message.ref(actor),
        })),
      },
    },
    { focus: true },
  );
  return message.build();
}

/** A treatment appointment outcome: `.attended` (fulfilled) or `.missed` (noshow, with the significance Observation). */
export function appointmentOutcome(
  input: PersonEventInput & {
    readonly from: KnownPartner;
    readonly outcome: 'attended' | 'missed';
    readonly significance?: 'acceptable' | 'unacceptable' | 'logistics';
  },
): PartnerEvent {
  const type = input.outcome === 'attended' ? 'treatment.appointment.attended' : 'treatment.appointment.missed';
  const message = new Message(type, input.from, input);
  const patient = message.patient(input.person, input.patient ?? { nhs: true });
  const start = nowIso(-120);
  const appointment = message.add<Appointment>(
    {
      resourceType: 'Appointment',
      identifier: [{ system: `${HUB}/Id/partner/${input.from.id}/appointment`, value: `A-${randomInt(1e5, 1e6)}` }],
      status: input.outcome === 'attended' ? 'fulfilled' : 'noshow',
      serviceType: [{ coding: [{ system: CODES.appointmentType, code: 'treatment-session' }] }],
      start,
      end: nowIso(-70),
      participant: [{ actor: patient, required: 'required', status: 'accepted' }],
    },
    { focus: true },
  );
  if (input.outcome === 'missed')
    message.add<Observation>(
      {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: CODES.observationType, code: 'non-attendance-significance' }] },
        subject: patient,
        focus: [appointment],
        effectiveDateTime: start,
        valueCodeableConcept: {
          coding: [{ system: CODES.nonAttendanceSignificance, code: input.significance ?? 'unacceptable' }],
        },
        component: [
          {
            code: { coding: [{ system: CODES.observationType, code: 'notify-officer' }] },
            valueBoolean: true,
          },
        ],
      },
      { focus: true },
    );
  return message.build();
}

/** `risk.changed`: a RoSH registration Flag authored by the sender. */
export function riskChanged(input: PersonEventInput & { readonly from: KnownPartner }): PartnerEvent {
  const message = new Message('risk.changed', input.from, input);
  const patient = message.patient(input.person, input.patient ?? { nhs: true });
  const author = input.from.probationCode
    ? party.probationCode(input.from.probationCode)
    : party.ods(input.from.ods as string);
  message.add<Flag>(
    {
      resourceType: 'Flag',
      status: 'active',
      category: [{ coding: [{ system: CODES.riskRegistrationType, code: 'rosh' }] }],
      code: { coding: [{ system: CODES.riskRegister, code: 'RHRH', display: 'High RoSH' }] },
      subject: patient,
      period: { start: today() },
      author: message.ref(author),
    },
    { focus: true },
  );
  return message.build();
}

/** `probation.enforcement.decided`: a warning (Communication) to the provider. */
export function enforcementDecided(
  input: PersonEventInput & { readonly from?: KnownPartner; readonly provider: Party },
): PartnerEvent {
  const from = input.from ?? CROYDON_PROBATION;
  const message = new Message('probation.enforcement.decided', from, input);
  const patient = message.patient(input.person, input.patient ?? { nhs: true, crn: true });
  message.add<Communication>(
    {
      resourceType: 'Communication',
      status: 'completed',
      category: [{ text: 'Enforcement decision' }],
      subject: patient,
      sent: message.at,
      recipient: [message.ref(input.provider)],
      reasonCode: [{ coding: [{ system: CODES.enforcementDecision, code: 'warning' }] }],
      payload: [{ contentString: 'Formal warning issued.' }],
    },
    { focus: true },
  );
  return message.build();
}

/** `probation.requirement.terminated`: the requirement's ServiceRequest, revoked, naming the provider that treated it. */
export function requirementTerminated(
  input: PersonEventInput & { readonly from?: KnownPartner; readonly provider: Party },
): PartnerEvent {
  const from = input.from ?? CROYDON_PROBATION;
  const message = new Message('probation.requirement.terminated', from, input);
  const patient = message.patient(input.person, input.patient ?? { nhs: true, crn: true });
  message.add<ServiceRequest>(
    {
      resourceType: 'ServiceRequest',
      status: 'revoked',
      intent: 'order',
      category: [{ coding: [{ system: CODES.requestType, code: 'treatment-requirement' }] }],
      code: { coding: [{ system: CODES.requirementType, code: 'mhtr-primary' }] },
      orderDetail: [{ coding: [{ system: CODES.requirementTermination, code: 'revoked' }] }],
      subject: patient,
      occurrencePeriod: { end: today() },
      requester: message.ref(party.probationCode(from.probationCode as string)),
      performer: [message.ref(input.provider)],
    },
    { focus: true },
  );
  return message.build();
}

/** `treatment.episode.ended`: the EpisodeOfCare, finished. */
export function episodeEnded(input: PersonEventInput & { readonly from: KnownPartner }): PartnerEvent {
  const message = new Message('treatment.episode.ended', input.from, input);
  const patient = message.patient(input.person, input.patient ?? { nhs: true });
  message.add<EpisodeOfCare>(
    {
      resourceType: 'EpisodeOfCare',
      status: 'finished',
      type: [{ coding: [{ system: CODES.requirementType, code: 'mhtr-primary' }] }],
      patient,
      managingOrganization: message.ref(party.ods(input.from.ods as string)),
      period: { start: today(-60), end: today() },
    },
    { focus: true },
  );
  return message.build();
}

/** `treatment.assessment.completed`: a suitability Observation whose performer is the sender itself. */
export function assessmentCompleted(input: PersonEventInput & { readonly from: KnownPartner }): PartnerEvent {
  const message = new Message('treatment.assessment.completed', input.from, input);
  const patient = message.patient(input.person, input.patient ?? { nhs: true });
  message.add<Observation>(
    {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: CODES.observationType, code: 'suitability' }] },
      subject: patient,
      effectiveDateTime: message.at,
      performer: [message.ref(party.ods(input.from.ods as string))],
      valueCodeableConcept: { coding: [{ system: CODES.suitabilityOutcome, code: 'suitable' }] },
    },
    { focus: true },
  );
  return message.build();
}

/** `gp.registration.checked` / `.changed` from the GP registration service: the Patient itself is the focus. */
export function gpRegistration(
  input: PersonEventInput & { readonly change?: boolean; readonly restricted?: boolean },
): PartnerEvent {
  const type = input.change ? 'gp.registration.changed' : 'gp.registration.checked';
  const message = new Message(type, PDS, input);
  message.patient(input.person, {
    nhs: true,
    gp: 'organization',
    profile: true,
    ...input.patient,
    restricted: input.restricted ?? false,
  });
  message.focusPatient();
  return message.build();
}

/** The first resource of a type in a Bundle. */
export function resourceOf<T extends Resource>(bundle: Bundle, type: T['resourceType']): T | undefined {
  return bundle.entry?.find((entry) => entry.resource?.resourceType === type)?.resource as T | undefined;
}
