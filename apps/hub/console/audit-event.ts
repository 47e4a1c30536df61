/**
 * Reading the hub's audit records as `GET /audit` returns them: UKCore-AuditEvent resources (the
 * hub's `toAuditEvent`). The DICOM codes are named here once; a unit test checks them against the
 * hub's own mapping. No DOM: the hub's unit tests import this file too.
 */

/** DICOM `AuditEvent.type` codes the hub uses (DICOM PS3.16 CID 400, "Audit Event ID"). */
export const AUDIT_EVENT_TYPE = {
  /** A decision: the hub exported (delivered or refused) an event to a recipient. */
  export: '110106',
  /** A refusal at ingress, a dead letter, or an event kept by the hub. */
  import: '110107',
  /** Somebody read audit data, a timeline or a report. */
  query: '110112',
  /** An operator's act (a replay, a purge). */
  applicationActivity: '110100',
} as const;

/** DICOM participant role codes of `AuditEvent.agent.type` (CID 402, "Audit Active Participant Role ID"). */
export const PARTICIPANT_ROLE = {
  /** The sender of the event. */
  source: '110153',
  /** The recipient of the event. */
  destination: '110152',
} as const;

/** `AuditEvent.outcome` codes (FHIR R4 audit-event-outcome). */
export const AUDIT_OUTCOME = {
  success: '0',
  /** A rule refused: the hub worked as meant. */
  minorFailure: '4',
  /** The hub gave up (a dead letter). */
  seriousFailure: '8',
} as const;

/** What an audit record says happened, in the words of `GET /audit?outcome=`. */
export type OutcomeLabel = 'delivered' | 'refused' | 'read' | 'kept' | 'performed' | 'dead-lettered';

interface Coding {
  readonly system?: string;
  readonly code?: string;
  readonly display?: string;
}

/** The parts of a FHIR AuditEvent the console reads. */
export interface AuditEventResource {
  readonly resourceType: 'AuditEvent';
  readonly id?: string;
  readonly type?: Coding;
  readonly subtype?: readonly Coding[];
  readonly recorded: string;
  readonly outcome?: string;
  readonly outcomeDesc?: string;
  readonly agent?: readonly {
    readonly type?: { readonly coding?: readonly Coding[] };
    readonly who?: { readonly display?: string; readonly reference?: string; readonly identifier?: { value?: string } };
  }[];
  readonly entity?: readonly {
    readonly detail?: readonly { readonly type: string; readonly valueString?: string }[];
  }[];
}

/** The record's outcome, from `AuditEvent.outcome` and `AuditEvent.type`. */
export function outcomeOf(resource: AuditEventResource): OutcomeLabel {
  if (resource.outcome === AUDIT_OUTCOME.seriousFailure) return 'dead-lettered';
  if (resource.outcome === AUDIT_OUTCOME.minorFailure) return 'refused';
  switch (resource.type?.code) {
    case AUDIT_EVENT_TYPE.query:
      return 'read';
    case AUDIT_EVENT_TYPE.import:
      return 'kept';
    case AUDIT_EVENT_TYPE.applicationActivity:
      return 'performed';
    default:
      return 'delivered';
  }
}

/** The event types (`AuditEvent.subtype`) of a record, comma-separated. */
export function eventTypeOf(resource: AuditEventResource): string {
  return (resource.subtype ?? []).map((coding) => coding.code ?? '').join(', ');
}

/** The partner in a participant role ({@link PARTICIPANT_ROLE}), or ''. */
export function participant(resource: AuditEventResource, role: string): string {
  const agent = (resource.agent ?? []).find((each) => (each.type?.coding ?? []).some((coding) => coding.code === role));
  const who = agent?.who;
  return who?.display ?? who?.identifier?.value ?? who?.reference ?? '';
}

/** The values of the record's `entity.detail` of one type (`agreement`, `flow`, `removed-element`…). */
export function details(resource: AuditEventResource, type: string): string[] {
  const entity = (resource.entity ?? [])[0];
  return (entity?.detail ?? []).filter((each) => each.type === type).map((each) => each.valueString ?? '');
}
