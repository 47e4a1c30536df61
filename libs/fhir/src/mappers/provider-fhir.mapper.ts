/**
 * Resources from a treatment provider's own FHIR R4 server → treatment events.
 *
 * | resource | status | event |
 * |---|---|---|
 * | Appointment | `booked` / `fulfilled` / `noshow` | `treatment.appointment.booked` / `.attended` / `.missed` |
 * | Task (the referral) | `accepted` / `rejected` | `treatment.referral.accepted` / `.rejected` |
 * | RiskAssessment | `final` / `amended` / `corrected` | `risk.changed` |
 * | EpisodeOfCare | `active` / `finished` | `treatment.started` / `treatment.episode.ended` |
 * | Observation (a drug test) | `final` / `amended` / `corrected` | `treatment.drug-test.resulted` |
 * | Consent | `active` (provision `permit`) / `inactive`, `rejected` or provision `deny` | `consent.recorded` / `consent.withdrawn` |
 *
 * Any other status is `ignored`, and so are the court's hearings and reviews the hub writes to the
 * provider's server (Appointments of service type `court-hearing` or `court-review`). The conventions a provider's records follow:
 * - the kind of appointment is a `serviceType` coding from the hub `appointment-type` CodeSystem;
 * - the session number, when kept, is the extension {@link TREATMENT_SESSION_NUMBER_EXTENSION};
 * - a no-show carries the treatment worker's view in the complex extension
 *   {@link NON_ATTENDANCE_SIGNIFICANCE_EXTENSION}: `significance` (valueCodeableConcept, a coding from the hub
 *   `non-attendance-significance` CodeSystem: acceptable | unacceptable | logistics),
 *   `notifyOfficer` (valueBoolean), optional `recordedBy` (valueReference to a Practitioner);
 * - the referral Task's first `identifier` is the referral id the hub gave it; a rejection's
 *   reason is `Task.statusReason`;
 * - a finished EpisodeOfCare carries the hub extension `episode-end-reason` (valueCodeableConcept,
 *   a coding from the hub `episode-end-reason` CodeSystem), as the hub's own EpisodeOfCare does, and a `type` coding from the hub `requirement-type`
 *   CodeSystem;
 * - an active EpisodeOfCare is treatment started (a DRR or ATR often starts with a prescription or
 *   an admission, not an appointment): `period.start` is the start, `type` a coding from the hub
 *   `requirement-type` CodeSystem and optionally one from `treatment-modality`; `careManager` the
 *   keyworker;
 * - a drug test is one Observation with `code` coding `observation-type` `drug-test-result`,
 *   `effectiveDateTime` the sample date, `method.text` how the sample was taken, and one
 *   `component` per substance (`code` from `drug-test-substance`, `valueCodeableConcept` from
 *   `drug-test-result`); `performer` may be a contained Practitioner (who took it); any other
 *   Observation is ignored;
 * - named clinicians are `contained` Practitioners referenced as `#id`;
 * - a Consent names whom the person agreed may receive in `provision.actor[].reference`: a
 *   `contained` Organization (`#id`) or a logical reference (`Reference.identifier`), identified by
 *   ODS code (`https://fhir.nhs.uk/Id/ods-organization-code`, e.g. `N07` for every London probation
 *   team) or hub partner id (`https://cstr-hub.org.uk/fhir/Id/partner`); the hub resolves them to
 *   partners. Its first identifier (else its id) is the consent's id, so a later version withdraws
 *   the same consent.
 *
 * Clinical detail never leaves the provider: `comment`, `description`, `reasonCode`,
 * `note`, `diagnosis`, `basis`, `rationale`, `mitigation` and a Consent's `sourceAttachment` are not read.
 */
import {
  APPOINTMENT_TYPE_SYSTEM,
  DRUG_TEST_RESULT_CODES,
  DRUG_TEST_RESULT_SYSTEM,
  DRUG_TEST_SUBSTANCE_CODES,
  DRUG_TEST_SUBSTANCE_SYSTEM,
  EPISODE_END_REASON_SYSTEM,
  OBSERVATION_TYPE_SYSTEM,
  TREATMENT_MODALITY_CODES,
  TREATMENT_MODALITY_SYSTEM,
  HUB_FHIR_BASE,
  NON_ATTENDANCE_SIGNIFICANCE_SYSTEM,
  REQUIREMENT_TYPE_SYSTEM,
  RISK_LEVEL_SYSTEM,
} from '@cstr/contracts';
import type {
  AppointmentInput,
  AppointmentKindInput,
  ConsentInput,
  DrugTestInput,
  EpisodeEndReasonInput,
  EventInput,
  NonAttendanceSignificanceInput,
  OrganizationInput,
  PractitionerInput,
  RequirementTypeInput,
  RiskAssessmentInput,
} from '../events/event-inputs';
import { EPISODE_END_REASON_EXTENSION } from '../builders/hub-extensions';
import { ODS_ORGANIZATION_CODE_SYSTEM, PARTNER_ID_SYSTEM } from '../builders/hub-identifiers';
import { readFhirPatient } from './fhir-patient-reader';
import {
  envelopeFor,
  ignoredPayload,
  invalidPayload,
  mappedEvents,
  MapResult,
  MappingContext,
  neverThrows,
} from './map-result';
import { nameFromParts, withoutUndefined, yearOf } from './native-values';
import { PayloadIssues, PayloadNode } from './payload-reader';

/** Appointment extension: the 1-based number of the treatment session (valuePositiveInt). */
export const TREATMENT_SESSION_NUMBER_EXTENSION = `${HUB_FHIR_BASE}/StructureDefinition/treatment-session-number`;
/** Appointment extension (complex): the treatment worker's view of a missed appointment. */
export const NON_ATTENDANCE_SIGNIFICANCE_EXTENSION = `${HUB_FHIR_BASE}/StructureDefinition/non-attendance-significance`;
/** HL7 risk-probability codes, which some providers use for `RiskAssessment.prediction.qualitativeRisk`. */
export const RISK_PROBABILITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/risk-probability';

const APPOINTMENT_KINDS: readonly AppointmentKindInput[] = [
  'assessment',
  'three-way-meeting',
  'four-way-meeting',
  'treatment-session',
  'review',
];
const SIGNIFICANCES: readonly NonAttendanceSignificanceInput[] = ['acceptable', 'unacceptable', 'logistics'];
const END_REASONS: readonly EpisodeEndReasonInput[] = ['completed', 'discharged', 'disengaged'];
const REQUIREMENT_TYPES: readonly RequirementTypeInput[] = ['mhtr-primary', 'mhtr-secondary', 'drr', 'atr'];
const RISK_LEVELS: readonly RiskAssessmentInput['level'][] = ['low', 'medium', 'high', 'very-high'];
const RISK_PROBABILITY_LEVELS: Readonly<Record<string, RiskAssessmentInput['level']>> = {
  negligible: 'low',
  low: 'low',
  moderate: 'medium',
  high: 'high',
  certain: 'very-high',
};

/** The resource types this mapper reads. */
export const PROVIDER_RESOURCE_TYPES = [
  'Appointment',
  'Task',
  'RiskAssessment',
  'EpisodeOfCare',
  'Consent',
  'Observation',
] as const;

/**
 * Maps one provider resource. `patient` is the provider's Patient the resource is about (the
 * adapter reads it from the resource's patient reference); it must carry an identifier the hub
 * knows (NHS number or CRN). Never throws: malformed input gives `invalid` with paths such as
 * `Appointment.extension[1].extension[0].valueCoding.code`.
 */
export function mapProviderResource(resource: unknown, patient: unknown, context: MappingContext): MapResult {
  return neverThrows(() => {
    const issues = new PayloadIssues();
    const top = new PayloadNode(resource, '$this', issues).object();
    if (!top) return invalidPayload(issues);
    const resourceType = top.get('resourceType').oneOf(PROVIDER_RESOURCE_TYPES);
    if (!resourceType) return invalidPayload(issues);
    const node = new PayloadNode(resource, resourceType, issues);
    const status = node.get('status').string();
    if (status === undefined) return invalidPayload(issues);
    const ignored =
      ignoredStatus(resourceType, status) ?? ignoredObservation(resourceType, node) ?? ignoredCourtAppointment(node);
    if (ignored) return ignoredPayload(ignored);

    const person = readFhirPatient(new PayloadNode(patient, 'Patient', issues), yearOf(context.receivedAt));
    checkPatientReference(node, resourceType, patient, issues);
    const event = readEvent(resourceType, status, node, context);
    if (!person || !event || issues.hasErrors) return invalidPayload(issues);
    return mappedEvents([{ ...event, person } as EventInput], issues);
  });
}

type ProviderResourceType = (typeof PROVIDER_RESOURCE_TYPES)[number];
// Omit over each member of the union, so each event keeps its own fields.
type PersonlessEvent = EventInput extends infer E ? (E extends EventInput ? Omit<E, 'person'> : never) : never;

function ignoredStatus(resourceType: ProviderResourceType, status: string): string | undefined {
  const followed: Record<ProviderResourceType, readonly string[]> = {
    Appointment: ['booked', 'fulfilled', 'noshow'],
    Task: ['accepted', 'rejected'],
    RiskAssessment: ['final', 'amended', 'corrected'],
    EpisodeOfCare: ['active', 'finished'],
    Observation: ['final', 'amended', 'corrected'],
    // draft and proposed are not yet the person's decision; entered-in-error never was.
    Consent: ['active', 'inactive', 'rejected'],
  };
  return followed[resourceType].includes(status)
    ? undefined
    : `${resourceType} with status '${status.slice(0, 40)}' carries nothing for the pathway.`;
}

/** Only drug tests among a provider's Observations are followed (outcome scores come inside progress reports). */
function ignoredObservation(resourceType: ProviderResourceType, node: PayloadNode): string | undefined {
  if (resourceType !== 'Observation') return undefined;
  const isDrugTest = node
    .get('code')
    .get('coding')
    .array({ required: false })
    .some(
      (coding) =>
        coding.get('system').value === OBSERVATION_TYPE_SYSTEM && coding.get('code').value === 'drug-test-result',
    );
  return isDrugTest ? undefined : 'An Observation that is not a drug test carries nothing for the pathway.';
}

/** The court's hearings and reviews, which the hub writes to the provider's server, are not the provider's sessions. */
function ignoredCourtAppointment(node: PayloadNode): string | undefined {
  if (node.get('resourceType').value !== 'Appointment') return undefined;
  const court = node
    .get('serviceType')
    .array({ required: false })
    .some((concept) =>
      concept
        .get('coding')
        .array({ required: false })
        .some(
          (coding) =>
            coding.get('system').value === APPOINTMENT_TYPE_SYSTEM &&
            ['court-hearing', 'court-review'].includes(coding.get('code').value as string),
        ),
    );
  return court ? "A court hearing (the hub wrote it from the court's listing): not a treatment session." : undefined;
}

const PATIENT_REFERENCE_ELEMENT: Record<ProviderResourceType, string> = {
  Observation: 'subject',
  Appointment: 'participant',
  Task: 'for',
  RiskAssessment: 'subject',
  EpisodeOfCare: 'patient',
  Consent: 'patient',
};

/** The resource must point at the Patient given with it, or the event would name the wrong person. */
function checkPatientReference(
  node: PayloadNode,
  resourceType: ProviderResourceType,
  patient: unknown,
  issues: PayloadIssues,
): void {
  const patientId = new PayloadNode(patient, 'Patient', issues).get('id').value;
  const element = node.get(PATIENT_REFERENCE_ELEMENT[resourceType]);
  const reference =
    resourceType === 'Appointment'
      ? element
          .array({ minItems: 1 })
          .map((participant) => participant.get('actor').get('reference'))
          .find((ref) => typeof ref.value === 'string' && ref.value.startsWith('Patient/'))
      : element.object()?.get('reference');
  if (!reference || typeof reference.value !== 'string' || !reference.value.startsWith('Patient/')) {
    issues.error('required', 'Must refer to the Patient (Patient/<id>).', element.path);
    return;
  }
  if (typeof patientId === 'string' && reference.value !== `Patient/${patientId}`) {
    issues.error('conflict', 'Refers to another Patient than the one given with it.', reference.path);
  }
}

function readEvent(
  resourceType: ProviderResourceType,
  status: string,
  node: PayloadNode,
  context: MappingContext,
): PersonlessEvent | undefined {
  switch (resourceType) {
    case 'Appointment':
      return readAppointmentEvent(node, status, context);
    case 'Task':
      return readTaskEvent(node, status, context);
    case 'RiskAssessment':
      return readRiskAssessmentEvent(node, context);
    case 'EpisodeOfCare':
      return status === 'active' ? readTreatmentStarted(node, context) : readEpisodeEvent(node, context);
    case 'Observation':
      return readDrugTest(node, context);
    case 'Consent':
      return readConsentEvent(node, status, context);
  }
}

/** The first coding of `node` (a CodeableConcept list or one CodeableConcept) from `system`, checked against `allowed`. */
function codeFrom<T extends string>(
  concepts: PayloadNode[],
  system: string,
  allowed: readonly T[],
  path: string,
  issues: PayloadIssues,
): T | undefined {
  for (const concept of concepts) {
    for (const coding of concept.get('coding').array({ required: false })) {
      if (coding.get('system').value === system) return coding.get('code').oneOf(allowed);
    }
  }
  issues.error('required', `Must have a coding from ${system}.`, path);
  return undefined;
}

function extensionsOf(node: PayloadNode, url: string): PayloadNode[] {
  return node
    .get('extension')
    .array({ required: false })
    .filter((extension) => extension.get('url').value === url);
}

/** The contained Practitioner a `#id` reference points at, as the event's practitioner. */
function containedPractitioner(resource: PayloadNode, reference: PayloadNode): PractitionerInput | undefined {
  const ref = reference.get('reference').value;
  if (typeof ref !== 'string' || !ref.startsWith('#')) return undefined;
  const practitioner = resource
    .get('contained')
    .array({ required: false })
    .find((item) => item.get('resourceType').value === 'Practitioner' && item.get('id').value === ref.slice(1));
  if (!practitioner) {
    reference.issues.error(
      'not-found',
      'Refers to a contained Practitioner that is not there.',
      reference.get('reference').path,
    );
    return undefined;
  }
  const name = practitioner.get('name').array({ minItems: 1 })[0]?.object();
  const family = name?.get('family').string();
  const given =
    name
      ?.get('given')
      .array({ required: false })
      .map((g) => g.string()) ?? [];
  const prefix = name?.get('prefix').array({ required: false })[0]?.string();
  const id = practitioner.get('identifier').array({ required: false })[0]?.get('value').string({ required: false });
  return family ? withoutUndefined({ id, name: nameFromParts(family, given, prefix) }) : undefined;
}

/** The provider's business id: the first identifier's value, else the resource id. */
function businessId(node: PayloadNode): string | undefined {
  const identifier = node.get('identifier').array({ required: false })[0]?.get('value').string({ required: false });
  return identifier ?? node.get('id').string();
}

function readAppointment(node: PayloadNode, context: MappingContext): AppointmentInput | undefined {
  const id = businessId(node);
  const start = node.get('start').isoDateTime();
  const end = node.get('end').isoDateTime();
  if (start && end && Date.parse(end) <= Date.parse(start))
    node.issues.error('invariant', 'Must be after start.', node.get('end').path);
  const serviceType = codeFrom(
    node.get('serviceType').array({ minItems: 1 }),
    APPOINTMENT_TYPE_SYSTEM,
    APPOINTMENT_KINDS,
    node.get('serviceType').path,
    node.issues,
  );
  const sessionNumber = extensionsOf(node, TREATMENT_SESSION_NUMBER_EXTENSION)[0]
    ?.get('valuePositiveInt')
    .integer({ min: 1 });
  const participants = node.get('participant').array({ required: false });
  const referenceStartsWith = (actor: PayloadNode, prefix: string) => {
    const reference = actor.get('reference').value;
    return typeof reference === 'string' && reference.startsWith(prefix);
  };
  const location = participants
    .map((p) => p.get('actor'))
    .find((actor) => referenceStartsWith(actor, 'Location/'))
    ?.get('display')
    .string({ required: false });
  const practitioner = participants
    .map((p) => p.get('actor'))
    .filter((actor) => referenceStartsWith(actor, '#'))
    .map((actor) => containedPractitioner(node, actor))[0];
  if (!id || !start || !end || !serviceType) return undefined;
  return withoutUndefined({
    id,
    start,
    end,
    serviceType,
    sessionNumber,
    location,
    practitioner,
    provider: context.senderOrganization,
  });
}

function readAppointmentEvent(node: PayloadNode, status: string, context: MappingContext): PersonlessEvent | undefined {
  const appointment = readAppointment(node, context);
  if (status !== 'noshow') {
    if (!appointment) return undefined;
    const occurredAt = status === 'fulfilled' ? appointment.end : context.receivedAt;
    const type =
      status === 'fulfilled' ? ('treatment.appointment.attended' as const) : ('treatment.appointment.booked' as const);
    return { type, envelope: envelopeFor(context, occurredAt), appointment };
  }
  const view = extensionsOf(node, NON_ATTENDANCE_SIGNIFICANCE_EXTENSION)[0];
  if (!view) {
    node.issues.error(
      'required',
      `A no-show must carry the treatment worker's view in the extension ${NON_ATTENDANCE_SIGNIFICANCE_EXTENSION}.`,
      node.get('extension').path,
    );
    return undefined;
  }
  const parts = view.get('extension').array({ minItems: 1 });
  const part = (url: string): PayloadNode | undefined => parts.find((p) => p.get('url').value === url);
  const significanceCoding = part('significance')
    ?.get('valueCodeableConcept')
    .object()
    ?.get('coding')
    .array({ minItems: 1 })[0]
    ?.object();
  if (significanceCoding && significanceCoding.get('system').value !== NON_ATTENDANCE_SIGNIFICANCE_SYSTEM) {
    node.issues.error(
      'code-invalid',
      `Must be ${NON_ATTENDANCE_SIGNIFICANCE_SYSTEM}.`,
      significanceCoding.get('system').path,
    );
  }
  const significance = significanceCoding?.get('code').oneOf(SIGNIFICANCES);
  const notifyOfficer = part('notifyOfficer')?.get('valueBoolean').boolean();
  if (!part('significance'))
    node.issues.error('required', "Must have a 'significance' part.", view.get('extension').path);
  if (!part('notifyOfficer'))
    node.issues.error('required', "Must have a 'notifyOfficer' part.", view.get('extension').path);
  const recordedByNode = part('recordedBy')?.get('valueReference');
  const recordedBy = recordedByNode ? containedPractitioner(node, recordedByNode) : undefined;
  if (!appointment || !significance || notifyOfficer === undefined) return undefined;
  return withoutUndefined({
    type: 'treatment.appointment.missed' as const,
    envelope: envelopeFor(context, appointment.end),
    appointment,
    significance,
    notifyOfficer,
    recordedBy,
  });
}

function readTaskEvent(node: PayloadNode, status: string, context: MappingContext): PersonlessEvent | undefined {
  const id = node.get('identifier').array({ minItems: 1 })[0]?.get('value').string();
  const decidedAt = node.get('lastModified').isoDateTime();
  const owner = node.get('owner');
  const clinician = owner.present ? containedPractitioner(node, owner) : undefined;
  const provider = context.senderOrganization;
  if (status === 'accepted') {
    if (!id || !decidedAt) return undefined;
    return {
      type: 'treatment.referral.accepted',
      envelope: envelopeFor(context, decidedAt),
      referral: withoutUndefined({ id, decidedAt, provider, clinician }),
    };
  }
  const statusReason = node.get('statusReason').object();
  const reason =
    statusReason?.get('text').string({ required: false }) ??
    statusReason?.get('coding').array({ minItems: 1 })[0]?.get('display').string();
  if (!id || !decidedAt || !reason) return undefined;
  return {
    type: 'treatment.referral.rejected',
    envelope: envelopeFor(context, decidedAt),
    referral: withoutUndefined({ id, decidedAt, provider, reason, clinician }),
  };
}

function readRiskAssessmentEvent(node: PayloadNode, context: MappingContext): PersonlessEvent | undefined {
  const date = node.get('occurrenceDateTime').isoDateTime();
  const method = node.get('method').object({ required: false });
  const methodText =
    method?.get('text').string({ required: false }) ??
    method?.get('coding').array({ required: false })[0]?.get('display').string({ required: false });
  const performer = node.get('performer');
  const assessor = performer.present ? containedPractitioner(node, performer) : undefined;
  const risk = node.get('prediction').array({ minItems: 1 })[0]?.get('qualitativeRisk').object();
  let level: RiskAssessmentInput['level'] | undefined;
  for (const coding of risk?.get('coding').array({ minItems: 1 }) ?? []) {
    const system = coding.get('system').value;
    if (system === RISK_LEVEL_SYSTEM) level = coding.get('code').oneOf(RISK_LEVELS);
    if (system === RISK_PROBABILITY_SYSTEM) {
      const code = coding.get('code').oneOf(Object.keys(RISK_PROBABILITY_LEVELS));
      level = code === undefined ? undefined : RISK_PROBABILITY_LEVELS[code];
    }
    if (level) break;
  }
  if (risk && !level && !node.issues.hasErrors)
    node.issues.error(
      'required',
      `Must have a coding from ${RISK_LEVEL_SYSTEM} or ${RISK_PROBABILITY_SYSTEM}.`,
      risk.path,
    );
  if (!date || !level) return undefined;
  return {
    type: 'risk.changed',
    envelope: envelopeFor(context, date),
    riskAssessment: withoutUndefined({ date, method: methodText, level, assessor }),
  };
}

function readEpisodeEvent(node: PayloadNode, context: MappingContext): PersonlessEvent | undefined {
  const id = businessId(node);
  const period = node.get('period').object();
  const start = period?.get('start').isoDateOrDateTime();
  const end = period?.get('end').isoDateOrDateTime();
  const reasonExtension = extensionsOf(node, EPISODE_END_REASON_EXTENSION)[0];
  if (!reasonExtension)
    node.issues.error(
      'required',
      `A finished episode must carry the extension ${EPISODE_END_REASON_EXTENSION}.`,
      node.get('extension').path,
    );
  const reasonCoding = reasonExtension
    ?.get('valueCodeableConcept')
    .object()
    ?.get('coding')
    .array({ minItems: 1 })[0]
    ?.object();
  if (reasonCoding && reasonCoding.get('system').value !== EPISODE_END_REASON_SYSTEM)
    node.issues.error('code-invalid', `Must be ${EPISODE_END_REASON_SYSTEM}.`, reasonCoding.get('system').path);
  const reason = reasonCoding?.get('code').oneOf(END_REASONS);
  const requirementType = codeFrom(
    node.get('type').array({ minItems: 1 }),
    REQUIREMENT_TYPE_SYSTEM,
    REQUIREMENT_TYPES,
    node.get('type').path,
    node.issues,
  );
  const careManager = node.get('careManager');
  const careCoordinator = careManager.present ? containedPractitioner(node, careManager) : undefined;
  if (!id || !start || !end || !reason || !requirementType) return undefined;
  return {
    type: 'treatment.episode.ended',
    envelope: envelopeFor(context, end),
    episode: withoutUndefined({
      id,
      period: { start, end },
      reason,
      provider: context.senderOrganization,
      careCoordinator,
      requirementType,
    }),
  };
}

/** An active EpisodeOfCare: treatment started, with the requirement, the modality and the keyworker. */
function readTreatmentStarted(node: PayloadNode, context: MappingContext): PersonlessEvent | undefined {
  const id = businessId(node);
  const startedOn = node.get('period').object()?.get('start').isoDateOrDateTime();
  const types = node.get('type').array({ minItems: 1 });
  const requirementType = codeFrom(
    types,
    REQUIREMENT_TYPE_SYSTEM,
    REQUIREMENT_TYPES,
    node.get('type').path,
    node.issues,
  );
  const hasModality = types.some((type) =>
    type
      .get('coding')
      .array({ required: false })
      .some((coding) => coding.get('system').value === TREATMENT_MODALITY_SYSTEM),
  );
  const modality = hasModality
    ? codeFrom(types, TREATMENT_MODALITY_SYSTEM, TREATMENT_MODALITY_CODES, node.get('type').path, node.issues)
    : undefined;
  const careManager = node.get('careManager');
  const keyworker = careManager.present ? containedPractitioner(node, careManager) : undefined;
  if (!id || !startedOn || !requirementType) return undefined;
  return {
    type: 'treatment.started',
    envelope: envelopeFor(context, context.receivedAt),
    start: withoutUndefined({
      id,
      startedOn,
      requirementType,
      modality,
      provider: context.senderOrganization,
      keyworker,
    }),
  };
}

/** A drug test Observation: one result per substance component, the sample date, how it was taken. */
function readDrugTest(node: PayloadNode, context: MappingContext): PersonlessEvent | undefined {
  const id = businessId(node);
  const sampledAt = node.get('effectiveDateTime').isoDateOrDateTime();
  const method = node.get('method').object({ required: false })?.get('text').string({ required: false });
  const results: DrugTestInput['results'] = [];
  for (const component of node.get('component').array({ minItems: 1 })) {
    const substance = codeFrom(
      [component.get('code')],
      DRUG_TEST_SUBSTANCE_SYSTEM,
      DRUG_TEST_SUBSTANCE_CODES,
      component.get('code').path,
      node.issues,
    );
    const result = codeFrom(
      [component.get('valueCodeableConcept')],
      DRUG_TEST_RESULT_SYSTEM,
      DRUG_TEST_RESULT_CODES,
      component.get('valueCodeableConcept').path,
      node.issues,
    );
    if (substance && result) results.push({ substance, result });
  }
  const performer = node.get('performer').array({ required: false })[0];
  const testedBy = performer ? containedPractitioner(node, performer) : undefined;
  if (!id || !sampledAt || results.length === 0) return undefined;
  return {
    type: 'treatment.drug-test.resulted',
    envelope: envelopeFor(context, context.receivedAt),
    test: withoutUndefined({ id, sampledAt, method, results, provider: context.senderOrganization, testedBy }),
  };
}

/** What a Consent's purposes default to when it states none: the agreements it is given under. */
const DEFAULT_CONSENT_PURPOSE = 'Share information under the CSTR information-sharing agreements';

/**
 * A provider Consent → `consent.recorded` (active permit) or `consent.withdrawn` (inactive,
 * rejected, or a deny). A withdrawal's time is when the provider changed the record
 * (`meta.lastUpdated`), which is later than the `dateTime` the consent was first given.
 */
function readConsentEvent(node: PayloadNode, status: string, context: MappingContext): PersonlessEvent | undefined {
  const id = businessId(node);
  const dateTime = node.get('dateTime').isoDateTime({ required: false });
  const provision = node.get('provision').object({ required: false });
  const denied = provision?.get('type').oneOf(['permit', 'deny'] as const, { required: false }) === 'deny';
  const periodNode = provision?.get('period').object({ required: false });
  const start = periodNode?.get('start').isoDateOrDateTime({ required: false });
  const end = periodNode?.get('end').isoDateOrDateTime({ required: false });
  const actors = (provision?.get('actor').array({ required: false }) ?? []).map((actor) =>
    consentActor(node, actor.get('reference')),
  );
  const purposes = (provision?.get('action').array({ required: false }) ?? []).flatMap((action) => {
    const text =
      action.get('text').string({ required: false }) ??
      action.get('coding').array({ required: false })[0]?.get('display').string({ required: false });
    return text ? [text] : [];
  });
  if (!id || actors.some((actor) => actor === undefined) || node.issues.hasErrors) return undefined;
  const withdrawing = status !== 'active' || denied;
  const changedAt = node.get('meta').get('lastUpdated').isoDateTime({ required: false });
  const occurredAt = (withdrawing ? (changedAt ?? dateTime) : (dateTime ?? changedAt)) ?? context.receivedAt;
  const consent: ConsentInput = withoutUndefined({
    id,
    status: !withdrawing ? 'active' : status === 'rejected' ? 'rejected' : 'inactive',
    dateTime: occurredAt,
    purposes: purposes.length > 0 ? purposes : [DEFAULT_CONSENT_PURPOSE],
    actors: actors as OrganizationInput[],
    period: start ? withoutUndefined({ start, end }) : undefined,
  });
  return {
    type: withdrawing ? 'consent.withdrawn' : 'consent.recorded',
    envelope: envelopeFor(context, occurredAt),
    consent,
  };
}

/**
 * One recipient a Consent names: a contained Organization (`#id`) or a logical reference, known by
 * ODS code or hub partner id. Anything else is an issue: a consent must never be read as naming
 * fewer recipients than the person agreed to, nor other ones.
 */
function consentActor(resource: PayloadNode, reference: PayloadNode): OrganizationInput | undefined {
  const target = reference.get('reference').value;
  let organization: PayloadNode | undefined;
  let identifiers: PayloadNode[];
  if (typeof target === 'string' && target.startsWith('#')) {
    organization = resource
      .get('contained')
      .array({ required: false })
      .find((item) => item.get('resourceType').value === 'Organization' && item.get('id').value === target.slice(1));
    if (!organization) {
      reference.issues.error(
        'not-found',
        'Refers to a contained Organization that is not there.',
        reference.get('reference').path,
      );
      return undefined;
    }
    identifiers = organization.get('identifier').array({ required: false });
  } else if (target === undefined && reference.get('identifier').present) {
    identifiers = [reference.get('identifier')];
  } else {
    reference.issues.error(
      'value',
      'Must name the organisation as a contained Organization (#id) or by identifier (ODS code or hub partner id).',
      reference.path,
    );
    return undefined;
  }
  const valueOf = (system: string): string | undefined =>
    identifiers
      .find((identifier) => identifier.get('system').value === system)
      ?.get('value')
      .string({ required: false });
  const code = valueOf(ODS_ORGANIZATION_CODE_SYSTEM);
  const partnerId = valueOf(PARTNER_ID_SYSTEM);
  if (!code && !partnerId) {
    reference.issues.error(
      'required',
      `The organisation must carry an identifier of ${ODS_ORGANIZATION_CODE_SYSTEM} or ${PARTNER_ID_SYSTEM}.`,
      organization?.get('identifier').path ?? reference.get('identifier').path,
    );
    return undefined;
  }
  const name =
    organization?.get('name').string({ required: false }) ??
    reference.get('display').string({ required: false }) ??
    partnerId ??
    code;
  return withoutUndefined({ name: name as string, code, partnerId });
}
