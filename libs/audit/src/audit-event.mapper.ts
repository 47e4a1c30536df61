/**
 * An audit record as a FHIR R4 `AuditEvent` conforming to UKCore-AuditEvent, for export: a
 * decision is a DICOM "Export" (the sender as source, the recipient as destination), a refusal at
 * ingress or a dead letter an "Import", a read of audit data a "Query". What the record holds
 * beyond AuditEvent's own elements (agreement, flow, rule, legal basis, removed elements, chain
 * links) goes in `entity.detail`.
 */
import type { AuditEvent, AuditEventAgent, AuditEventEntity, AuditEventEntityDetail, Coding } from 'fhir/r4';
import { EVENT_TYPE_SYSTEM, HUB_FHIR_BASE, HUB_PARTNER_ID, partnerEndpoint } from '@cstr/contracts';
import { canonicalJson } from './canonical-json';
import type { AuditKind, AuditOutcome, AuditRecord } from './audit-record.types';

/** Canonical URL of the UK Core AuditEvent profile. */
export const UK_CORE_AUDIT_EVENT_PROFILE = 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-AuditEvent';

/** `Identifier.system` of hub users (the actors of reads). */
export const HUB_USER_SYSTEM = `${HUB_FHIR_BASE}/Id/user`;

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const URI = 'urn:ietf:rfc:3986';
const RESOURCE_TYPES = 'http://hl7.org/fhir/resource-types';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

const EVENT_TYPE: Readonly<Record<AuditKind, { type: Coding; action: AuditEvent['action'] }>> = {
  decision: { type: { system: DCM, code: '110106', display: 'Export' }, action: 'R' },
  'refusal-at-ingress': { type: { system: DCM, code: '110107', display: 'Import' }, action: 'C' },
  'dead-letter': { type: { system: DCM, code: '110107', display: 'Import' }, action: 'C' },
  read: { type: { system: DCM, code: '110112', display: 'Query' }, action: 'E' },
  'kept-by-hub': { type: { system: DCM, code: '110107', display: 'Import' }, action: 'C' },
  'operator-action': { type: { system: DCM, code: '110100', display: 'Application Activity' }, action: 'E' },
};

// 0 success, 4 minor failure (refused by a rule: the hub worked as meant), 8 serious failure.
const OUTCOME: Readonly<Record<AuditOutcome, AuditEvent['outcome']>> = {
  delivered: '0',
  read: '0',
  kept: '0',
  performed: '0',
  refused: '4',
  'dead-lettered': '8',
};

const SOURCE_ROLE: Coding = { system: DCM, code: '110153', display: 'Source Role ID' };
const DESTINATION_ROLE: Coding = { system: DCM, code: '110152', display: 'Destination Role ID' };
const APPLICATION: Coding = { system: DCM, code: '110150', display: 'Application' };
const INFORMATION_RECIPIENT: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  code: 'IRCP',
  display: 'information recipient',
};

/** The UKCore-AuditEvent of `record`; its id is `cstr-audit-<seq>`. */
export function toAuditEvent(record: AuditRecord): AuditEvent {
  const { type, action } = EVENT_TYPE[record.kind];
  const outcomeDesc =
    record.outcome === 'refused'
      ? [record.refusingRule, record.reason].filter(Boolean).join(': ')
      : (record.reason ?? undefined);
  return {
    resourceType: 'AuditEvent',
    id: `cstr-audit-${record.seq}`,
    meta: { profile: [UK_CORE_AUDIT_EVENT_PROFILE] },
    type,
    ...(record.eventType ? { subtype: [{ system: EVENT_TYPE_SYSTEM, code: record.eventType }] } : {}),
    action,
    recorded: record.recordedAt.toISOString(),
    outcome: OUTCOME[record.outcome],
    ...(outcomeDesc ? { outcomeDesc } : {}),
    agent: participantsOf(record),
    source: {
      site: HUB_PARTNER_ID,
      observer: partnerReference(HUB_PARTNER_ID),
      type: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
          code: '4',
          display: 'Application Server',
        },
      ],
    },
    entity: entitiesOf(record),
  };
}

function participantsOf(record: AuditRecord): AuditEventAgent[] {
  const participants: AuditEventAgent[] = [];
  if (record.sender)
    participants.push({ type: { coding: [SOURCE_ROLE] }, who: partnerReference(record.sender), requestor: true });
  if (record.recipient)
    participants.push({
      type: { coding: [DESTINATION_ROLE] },
      who: partnerReference(record.recipient),
      requestor: false,
    });
  if (record.actor) {
    participants.push({
      type: { coding: [INFORMATION_RECIPIENT] },
      who: { identifier: { system: HUB_USER_SYSTEM, value: record.actor }, display: record.actor },
      requestor: true,
    });
  }
  // AuditEvent needs a participant: with nobody named, the hub itself acted.
  if (participants.length === 0)
    participants.push({ type: { coding: [APPLICATION] }, who: partnerReference(HUB_PARTNER_ID), requestor: false });
  return participants;
}

function entitiesOf(record: AuditRecord): AuditEventEntity[] {
  const subject: AuditEventEntity = record.eventId
    ? {
        what: {
          identifier: UUID.test(record.eventId)
            ? { system: URI, value: `urn:uuid:${record.eventId.toLowerCase()}` }
            : { value: record.eventId },
        },
        type: { system: RESOURCE_TYPES, code: 'Bundle', display: 'Bundle' },
        detail: detailsOf(record),
      }
    : {
        type: {
          system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
          code: '2',
          display: 'System Object',
        },
        ...(record.reason ? { description: record.reason } : {}),
        detail: detailsOf(record),
      };
  const patients = record.personIdentifiers.map((identifier): AuditEventEntity => ({
    what: { identifier: { system: identifier.system, value: identifier.value } },
    type: { system: RESOURCE_TYPES, code: 'Patient', display: 'Patient' },
    role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
  }));
  const consent: AuditEventEntity[] = record.consentReference
    ? [
        {
          what: REFERENCE.test(record.consentReference)
            ? { reference: record.consentReference }
            : { identifier: { value: record.consentReference } },
          type: { system: RESOURCE_TYPES, code: 'Consent', display: 'Consent' },
        },
      ]
    : [];
  return [subject, ...patients, ...consent];
}

function detailsOf(record: AuditRecord): AuditEventEntityDetail[] {
  const details: [string, string | null | undefined][] = [
    ['event-type', record.eventType],
    ['agreement', record.agreement ? `${record.agreement.id}|${record.agreement.version}` : null],
    ['flow', record.flowId],
    ['refusing-rule', record.refusingRule],
    ['legal-basis', record.legalBasis ? canonicalJson(record.legalBasis) : null],
    ...record.removedElements.map((path): [string, string] => ['removed-element', path]),
    ['reason', record.reason],
    ['audit-seq', String(record.seq)],
    ['audit-prev-hash', record.prevHash],
    ['audit-hash', record.hash],
    ['audit-key-id', record.keyId],
    // Erased or rectified identifiers are said to be so, with when (the decision history stays).
    ...(record.identifiersChange
      ? [
          [`identifiers-${record.identifiersChange.kind}`, record.identifiersChange.at.toISOString()] as [
            string,
            string,
          ],
        ]
      : []),
  ];
  return details
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([type, valueString]) => ({ type, valueString }));
}

function partnerReference(partnerId: string): AuditEventAgent['who'] & object {
  return { identifier: { system: URI, value: partnerEndpoint(partnerId) }, display: partnerId };
}
