/**
 * HMPPS domain events from n-Delius, with the detail JSON the adapter fetched from the
 * allow-listed `detailUrl`, → `risk.changed`, `probation.psr.requested`,
 * `probation.case.allocated`, `probation.enforcement.decided`, `probation.requirement.terminated`,
 * `probation.review.reported` (the written review report of a DRR or ATR review, with the drug test
 * results it includes).
 * Any other event type is `ignored` (like `IgnorableMessageException` in
 * hmpps-probation-integration-services): well-formed, safe to acknowledge, of no interest.
 */
import { parseCrn, parseCroNumber, parseNhsNumber, parsePncId } from '@cstr/identity';
import { DRUG_TEST_RESULT_CODES, DRUG_TEST_SUBSTANCE_CODES } from '@cstr/contracts';
import type {
  DrugTestInput,
  EnforcementDecisionInput,
  EventInput,
  OrganizationInput,
  PersonIdentifiersInput,
  PersonInput,
  PractitionerInput,
  RequirementTerminationInput,
  RequirementTypeInput,
  RiskFlagInput,
} from '../events/event-inputs';
import {
  envelopeFor,
  ignoredPayload,
  invalidPayload,
  mappedEvents,
  MapResult,
  MappingContext,
  neverThrows,
} from './map-result';
import { genderFrom, nameFromParts, withoutUndefined, yearOf } from './native-values';
import { PayloadIssues, PayloadNode } from './payload-reader';
import { requirementTypeNamed } from './requirement-wording';

/** The HMPPS domain event envelope (`HmppsDomainEvent`). */
export interface HmppsDomainEventMessage {
  eventType: string;
  /** Schema version of the event; `1` (number or string) is the one understood. */
  version: string | number;
  description?: string;
  detailUrl?: string;
  occurredAt: string;
  additionalInformation?: Record<string, unknown>;
  personReference?: { identifiers: { type: string; value: string }[] };
}

/** The person block every detail response carries (the Delius case summary). */
export interface DeliusPersonDetail {
  crn: string;
  name: { forename: string; middleName?: string; surname: string };
  dateOfBirth: string;
  gender?: string;
  nhsNumber?: string;
  pncNumber?: string;
  croNumber?: string;
}

/** The n-Delius event types the hub follows, and the catalogue event each becomes. */
export const HMPPS_EVENT_TYPES = {
  'probation-case.registration.added': 'risk.changed',
  'probation-case.pre-sentence-report.requested': 'probation.psr.requested',
  'person.community.manager.allocated': 'probation.case.allocated',
  'probation-case.enforcement.decided': 'probation.enforcement.decided',
  'probation-case.requirement.terminated': 'probation.requirement.terminated',
  'probation-case.court-review-report.submitted': 'probation.review.reported',
} as const;

type FollowedEventType = keyof typeof HMPPS_EVENT_TYPES;

/** Delius register type codes for risk of serious harm, and the level each means. */
const ROSH_LEVELS: Readonly<Record<string, string>> = { RLRH: 'low', RMRH: 'medium', RHRH: 'high', RVHR: 'very-high' };
const MAPPA_REGISTER = 'MAPP';

const ENFORCEMENT_DECISIONS: Readonly<Record<string, EnforcementDecisionInput>> = {
  NO_ACTION: 'no-action',
  WARNING: 'warning',
  FINAL_WARNING: 'final-warning',
  BREACH: 'breach-proceedings',
  RETURN_TO_COURT: 'return-to-court',
};

function isFollowed(eventType: string): eventType is FollowedEventType {
  return Object.hasOwn(HMPPS_EVENT_TYPES, eventType);
}

/**
 * True when the message is an event type the hub follows, so the adapter should fetch its
 * `detailUrl` and call {@link mapHmppsDomainEvent}. False for anything else, malformed included.
 */
export function isHmppsEventOfInterest(message: unknown): boolean {
  const eventType = PayloadNode.root(message, '$this').get('eventType').value;
  return typeof eventType === 'string' && isFollowed(eventType);
}

/**
 * Maps one HMPPS domain event and its fetched detail. `detail` may be undefined for event types
 * that are not followed (they are `ignored` without it). Never throws.
 */
export function mapHmppsDomainEvent(message: unknown, detail: unknown, context: MappingContext): MapResult {
  return neverThrows(() => {
    const issues = new PayloadIssues();
    const root = PayloadNode.root(message, '$this', issues).object();
    if (!root) return invalidPayload(issues);
    const eventType = root.get('eventType').string();
    if (eventType === undefined) return invalidPayload(issues);
    if (!isFollowed(eventType))
      return ignoredPayload(`HMPPS event type '${eventType.slice(0, 100)}' is not one the hub follows.`);

    const version = root.get('version');
    if (!(version.value === 1 || version.value === '1'))
      issues.error('not-supported', 'Only version 1 of HMPPS domain events is understood.', version.path);
    const occurredAt = root.get('occurredAt').isoDateTime();
    root.get('detailUrl').string();
    const referenced = readPersonReference(root.get('personReference'), yearOf(context.receivedAt));

    const registerType = root.get('additionalInformation').get('registerTypeCode').string({ required: false });
    if (
      eventType === 'probation-case.registration.added' &&
      registerType &&
      !Object.hasOwn(ROSH_LEVELS, registerType) &&
      registerType !== MAPPA_REGISTER
    ) {
      return ignoredPayload(`Registration type '${registerType.slice(0, 20)}' is neither a RoSH level nor MAPPA.`);
    }

    const detailRoot = new PayloadNode(detail, 'detail', issues).object();
    const person = detailRoot
      ? readDeliusPerson(detailRoot.get('person'), referenced, yearOf(context.receivedAt))
      : undefined;
    if (!detailRoot || !occurredAt || !person || issues.hasErrors) {
      return invalidPayload(issues);
    }
    const base = { envelope: envelopeFor(context, occurredAt), person };
    const event = mapFollowed(eventType, detailRoot, base, context);
    if (!event || issues.hasErrors) return invalidPayload(issues);
    if (event === 'ignored') return ignoredPayload('The registration is neither a RoSH level nor MAPPA.');
    return mappedEvents([event], issues);
  });
}

type Base = Pick<EventInput, 'envelope' | 'person'>;

function mapFollowed(
  eventType: FollowedEventType,
  detail: PayloadNode,
  base: Base,
  context: MappingContext,
): EventInput | 'ignored' | undefined {
  switch (eventType) {
    case 'probation-case.registration.added': {
      const flag = readRegistration(detail.get('registration'));
      if (flag === 'ignored') return flag;
      return flag && { type: 'risk.changed', ...base, flags: [flag] };
    }
    case 'probation-case.pre-sentence-report.requested':
      return readPsrRequested(detail.get('report'), base, context);
    case 'person.community.manager.allocated':
      return readAllocation(detail.get('allocation'), base, context);
    case 'probation-case.enforcement.decided':
      return readEnforcement(detail.get('enforcement'), base);
    case 'probation-case.requirement.terminated':
      return readRequirementTerminated(detail.get('requirement'), base, context);
    case 'probation-case.court-review-report.submitted':
      return readReviewReport(detail.get('reviewReport'), base);
  }
}

/** The identifiers of `personReference` the hub knows (CRN required, PNC optional; NOMS and others skipped). */
function readPersonReference(node: PayloadNode, referenceYear: number | undefined): PersonIdentifiersInput {
  const identifiers: PersonIdentifiersInput = {};
  const list = node.object()?.get('identifiers').array({ minItems: 1 }) ?? [];
  for (const item of list) {
    const identifier = item.object();
    const type = identifier?.get('type').string();
    if (!identifier || !type) continue;
    if (type === 'CRN') identifiers.crn = identifier.get('value').identifier(parseCrn);
    if (type === 'PNC')
      identifiers.pncId = identifier.get('value').identifier((value) => parsePncId(value, { referenceYear }));
  }
  if (list.length > 0 && !identifiers.crn && !node.issues.hasErrors)
    node.issues.error('required', 'Must include a CRN identifier.', `${node.path}.identifiers`);
  return withoutUndefined(identifiers);
}

function readDeliusPerson(
  node: PayloadNode,
  referenced: PersonIdentifiersInput,
  referenceYear: number | undefined,
): PersonInput | undefined {
  const person = node.object();
  if (!person) return undefined;
  const crn = person.get('crn').identifier(parseCrn);
  if (crn && referenced.crn && crn !== referenced.crn)
    person.issues.error(
      'conflict',
      "The detail is about another case: its CRN differs from the event's personReference.",
      person.get('crn').path,
    );
  const name = person.get('name').object();
  const surname = name?.get('surname').string();
  const given = [
    name?.get('forename').string({ required: false }),
    name?.get('middleName').string({ required: false }),
  ];
  const birthDate = person.get('dateOfBirth').isoDate();
  const gender = genderFrom(person.get('gender').string({ required: false }));
  const nhsNumber = person.get('nhsNumber').identifier(parseNhsNumber, { required: false });
  const pncId =
    person.get('pncNumber').identifier((value) => parsePncId(value, { referenceYear }), { required: false }) ??
    referenced.pncId;
  const croNumber = person.get('croNumber').identifier(parseCroNumber, { required: false });
  if (!crn || !surname || !birthDate) return undefined;
  return {
    identifiers: withoutUndefined({ nhsNumber, crn, pncId, croNumber }),
    name: nameFromParts(surname, given),
    birthDate,
    gender,
  };
}

function readCodeDescription(
  node: PayloadNode,
  options: { required?: boolean } = {},
): { code?: string; description?: string } | undefined {
  const object = node.object(options);
  if (!object) return undefined;
  return { code: object.get('code').string(), description: object.get('description').string({ required: false }) };
}

function readRegistration(node: PayloadNode): RiskFlagInput | 'ignored' | undefined {
  const registration = node.object();
  if (!registration) return undefined;
  const type = readCodeDescription(registration.get('type'));
  const start = registration.get('startDate').isoDate();
  const end = registration.get('endDate').isoDate({ required: false });
  if (!type?.code || !start) return undefined;
  // `notes` is free text written about the person: it stays in Delius.
  const common = {
    code: type.code,
    display: type.description,
    start,
    end,
    status: end ? ('inactive' as const) : ('active' as const),
  };
  if (Object.hasOwn(ROSH_LEVELS, type.code))
    return withoutUndefined<RiskFlagInput>({ kind: 'rosh', level: ROSH_LEVELS[type.code], ...common });
  if (type.code !== MAPPA_REGISTER) return 'ignored';
  const level = readCodeDescription(registration.get('level'), { required: false })?.code;
  const category = readCodeDescription(registration.get('category'), { required: false })?.code;
  // Delius writes MAPPA categories M1-M4 (like its levels); the events use C1-C4 to keep them apart.
  return withoutUndefined<RiskFlagInput>({
    kind: 'mappa',
    ...common,
    level,
    category: category?.replace(/^M(\d)$/, 'C$1'),
  });
}

function readStaff(node: PayloadNode, codeKey: string): PractitionerInput | undefined {
  const staff = node.object();
  if (!staff) return undefined;
  const id = staff.get(codeKey).string({ required: false });
  const name = staff.get('name').object();
  const surname = name?.get('surname').string();
  const forename = name?.get('forename').string({ required: false });
  const role = staff.get('role').string({ required: false }) ?? staff.get('grade').string({ required: false });
  const email = staff.get('email').string({ required: false });
  const phone = staff.get('telephone').string({ required: false });
  if (!surname) return undefined;
  return withoutUndefined({ id, name: nameFromParts(surname, [forename]), role, email, phone });
}

function readOrganization(node: PayloadNode, fallback?: OrganizationInput): OrganizationInput | undefined {
  if (fallback && !node.present) return fallback;
  const org = node.object();
  if (!org) return undefined;
  const code = org.get('code').string();
  const name = org.get('name').string({ required: false }) ?? org.get('description').string();
  return code && name ? { code, name } : undefined;
}

function readPsrRequested(node: PayloadNode, base: Base, context: MappingContext): EventInput | undefined {
  const report = node.object();
  if (!report) return undefined;
  const id = report.get('id').string();
  const requestedAt = report.get('requestedAt').isoDateTime();
  const dueBy = report.get('requiredBy').isoDateOrDateTime();
  const considered = report.get('requirementsConsidered').array({ minItems: 1 });
  const requirementTypes = considered.map((item) => {
    const text = item.string();
    const type = text === undefined ? undefined : requirementTypeNamed(text);
    if (text !== undefined && !type)
      item.issues.error(
        'code-invalid',
        'Must name a mental health, drug rehabilitation or alcohol treatment requirement.',
        item.path,
      );
    return type;
  });
  const requester = readStaff(report.get('requestedBy'), 'staffCode');
  const requesterOrganization = readOrganization(report.get('probationArea'), context.senderOrganization);
  const performer = readOrganization(report.get('treatmentProvider'));
  const hearingNode = report.get('hearing').object({ required: false });
  const hearing = hearingNode && readHearingReference(hearingNode);
  // `notes` can hold what the person said in interview: it is not shared.
  if (
    !id ||
    !requestedAt ||
    !dueBy ||
    !requester ||
    !requesterOrganization ||
    !performer ||
    requirementTypes.some((t) => !t)
  )
    return undefined;
  return {
    type: 'probation.psr.requested',
    ...base,
    request: withoutUndefined({
      id,
      requestedAt,
      dueBy,
      requirementTypes: [...new Set(requirementTypes as RequirementTypeInput[])],
      requester,
      requesterOrganization,
      performer,
      hearing,
    }),
  };
}

function readHearingReference(
  node: PayloadNode,
): { id: string; court: { code: string; name: string }; start: string } | undefined {
  const id = node.get('id').string();
  const court = readOrganization(node.get('court'));
  const start = node.get('start').isoDateTime();
  return id && court?.code && start ? { id, court: { code: court.code, name: court.name }, start } : undefined;
}

function readAllocation(node: PayloadNode, base: Base, context: MappingContext): EventInput | undefined {
  const allocation = node.object();
  if (!allocation) return undefined;
  const allocatedOn = allocation.get('allocatedOn').isoDate();
  const responsibleOfficer = readStaff(allocation.get('staff'), 'code');
  const team = readCodeDescription(allocation.get('team'));
  const organization = readOrganization(allocation.get('provider'), context.senderOrganization);
  if (!team?.description && team?.code)
    allocation.issues.error('required', 'Is required but missing.', allocation.get('team').get('description').path);
  if (!allocatedOn || !responsibleOfficer || !team?.code || !team.description || !organization) return undefined;
  return {
    type: 'probation.case.allocated',
    ...base,
    allocation: { allocatedOn, responsibleOfficer, team: { code: team.code, name: team.description }, organization },
  };
}

function readEnforcement(node: PayloadNode, base: Base): EventInput | undefined {
  const enforcement = node.object();
  if (!enforcement) return undefined;
  const decisionNode = enforcement.get('decision').object()?.get('code');
  const decisionCode = decisionNode?.oneOf(Object.keys(ENFORCEMENT_DECISIONS));
  const decidedAt = enforcement.get('decidedAt').isoDateTime();
  const reason = enforcement.get('reason').string({ required: false });
  const officer = enforcement.get('officer').present ? readStaff(enforcement.get('officer'), 'code') : undefined;
  const recipient = readOrganization(enforcement.get('treatmentProvider'));
  const appointmentIds = enforcement
    .get('relatedAppointments')
    .array({ required: false })
    .map((item) => item.string())
    .filter((id): id is string => id !== undefined);
  if (!decisionCode || !decidedAt || !recipient) return undefined;
  return {
    type: 'probation.enforcement.decided',
    ...base,
    enforcement: withoutUndefined({
      decision: ENFORCEMENT_DECISIONS[decisionCode],
      decidedAt,
      reason,
      officer,
      recipient,
      appointmentIds: appointmentIds.length > 0 ? appointmentIds : undefined,
    }),
  };
}

/**
 * The review report: the review it is for (court, date, requirement by its Delius category), the
 * progress summary written with the treatment service, its author, and the drug tests it includes.
 */
function readReviewReport(node: PayloadNode, base: Base): EventInput | undefined {
  const report = node.object();
  if (!report) return undefined;
  const id = report.get('id').string();
  const sentAt = report.get('submittedAt').isoDateTime();
  const reviewDate = report.get('reviewDate').isoDate();
  const courtNode = report.get('court').object();
  const court = { code: courtNode?.get('code').string(), name: courtNode?.get('name').string() };
  const category = readCodeDescription(
    report.get('requirement').object()?.get('mainCategory') ?? report.get('requirement'),
  );
  const type = category?.description ? requirementTypeNamed(category.description) : undefined;
  if (category?.description && !type)
    report.issues.error('code-invalid', 'Not a treatment requirement the hub knows.', report.get('requirement').path);
  const summary = report.get('summary').string();
  const officer = report.get('author').present ? readStaff(report.get('author'), 'code') : undefined;
  const drugTests = report
    .get('drugTests')
    .array({ required: false })
    .map((test) => readDrugTest(test))
    .filter((test): test is DrugTestInput => test !== undefined);
  if (!id || !sentAt || !reviewDate || !court.code || !court.name || !type || summary === undefined) return undefined;
  return {
    type: 'probation.review.reported',
    ...base,
    report: withoutUndefined({
      id,
      sentAt,
      reviewDate,
      court: { code: court.code, name: court.name },
      requirement: { type },
      summary,
      officer,
      drugTests: drugTests.length > 0 ? drugTests : undefined,
    }),
  };
}

function readDrugTest(node: PayloadNode): DrugTestInput | undefined {
  const test = node.object();
  if (!test) return undefined;
  const id = test.get('id').string();
  const sampledAt = test.get('sampledAt').isoDateOrDateTime();
  const provider = readOrganization(test.get('treatmentProvider'));
  const results = test
    .get('results')
    .array({ minItems: 1 })
    .map((item) => ({
      substance: item.get('substance').oneOf(DRUG_TEST_SUBSTANCE_CODES),
      result: item.get('result').oneOf(DRUG_TEST_RESULT_CODES),
    }))
    .filter(
      (item): item is DrugTestInput['results'][number] => item.substance !== undefined && item.result !== undefined,
    );
  if (!id || !sampledAt || !provider || results.length === 0) return undefined;
  return { id, sampledAt, results, provider };
}

const TERMINATION_OUTCOMES: readonly { pattern: RegExp; outcome: RequirementTerminationInput }[] = [
  { pattern: /complet/i, outcome: 'completed' },
  { pattern: /revok/i, outcome: 'revoked' },
  { pattern: /breach/i, outcome: 'breached' },
];

function readRequirementTerminated(node: PayloadNode, base: Base, context: MappingContext): EventInput | undefined {
  const requirement = node.object();
  if (!requirement) return undefined;
  const idNode = requirement.get('id');
  const id = typeof idNode.value === 'number' ? String(idNode.integer()) : idNode.string();
  const main = readCodeDescription(requirement.get('mainCategory'));
  const sub = readCodeDescription(requirement.get('subCategory'), { required: false });
  const type = main?.description ? requirementTypeNamed(main.description, sub?.description) : undefined;
  if (main?.code && !type)
    requirement.issues.error(
      'code-invalid',
      'Must be a mental health, drug rehabilitation or alcohol treatment requirement.',
      requirement.get('mainCategory').path,
    );
  const terminatedOn = requirement.get('terminationDate').isoDate();
  const reasonNode = requirement.get('terminationReason').object()?.get('description');
  const reasonText = reasonNode?.string();
  const outcome = TERMINATION_OUTCOMES.find((rule) => reasonText && rule.pattern.test(reasonText))?.outcome;
  if (reasonText && !outcome && reasonNode)
    requirement.issues.error(
      'code-invalid',
      'Must say the requirement was completed, revoked or breached.',
      reasonNode.path,
    );
  const organization = readOrganization(requirement.get('provider'), context.senderOrganization);
  if (!id || !type || !terminatedOn || !outcome || !organization) return undefined;
  return {
    type: 'probation.requirement.terminated',
    ...base,
    requirement: { id, type, outcome, terminatedOn, organization },
  };
}
