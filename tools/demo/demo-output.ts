/**
 * What the demo prints: one line per hub decision (from the hub's audit, UKCore-AuditEvents) and
 * one per write an adapter made in a partner's stand-in system (from the sandbox's received log).
 * Pure functions, no I/O.
 */
import type { AuditEvent } from 'fhir/r4';

/** One decision of the hub, as the demo prints it. */
export interface FlowLine {
  /** The audit record's id (`cstr-audit-<seq>`), to print each once. */
  readonly id: string;
  /** ISO 8601. */
  readonly at: string;
  readonly sender: string;
  /** Absent for a refusal at ingress or a dead letter (no recipient was chosen). */
  readonly recipient?: string;
  readonly eventType: string;
  readonly outcome: 'delivered' | 'refused' | 'dead-lettered' | 'kept by the hub';
  /** Delivered: the agreement flow; refused or dead-lettered: the rule and reason. */
  readonly because?: string;
}

/** A write an adapter made in a stand-in (a sandbox `ReceivedRecord` of direction `received`). */
export interface ArrivalRecord {
  readonly id: string;
  readonly kind: string;
  readonly partnerId: string;
  readonly direction: 'received' | 'sent';
  readonly at: string;
  readonly method: string;
  readonly url: string;
  readonly status: number | null;
  readonly body?: unknown;
}

const SOURCE_ROLE = '110153';
const DESTINATION_ROLE = '110152';
const QUERY = '110112';
/** DICOM "Application Activity": an operator's act, not a flow. */
const APPLICATION_ACTIVITY = '110100';
/** DICOM "Import": what came in (a successful one was kept by the hub, nobody else received it). */
const IMPORT = '110107';
const OUTCOMES: Readonly<Record<string, FlowLine['outcome']>> = {
  '0': 'delivered',
  '4': 'refused',
  '8': 'dead-lettered',
};

/** The flow line of an audit record; undefined for reads of audit data and records about no event. */
export function flowLineOf(event: AuditEvent): FlowLine | undefined {
  if (event.type?.code === QUERY || event.type?.code === APPLICATION_ACTIVITY) return undefined;
  const eventType = event.subtype?.[0]?.code;
  const outcome =
    event.type?.code === IMPORT && event.outcome === '0' ? 'kept by the hub' : OUTCOMES[event.outcome ?? ''];
  const partyWithRole = (role: string): string | undefined =>
    event.agent?.find((agent) => agent.type?.coding?.some((coding) => coding.code === role))?.who?.display;
  const sender = partyWithRole(SOURCE_ROLE);
  if (!event.id || !event.recorded || !eventType || !outcome || !sender) return undefined;
  const detail = (type: string): string | undefined =>
    event.entity?.[0]?.detail?.find((item) => item.type === type)?.valueString;
  const recipient = partyWithRole(DESTINATION_ROLE);
  const because =
    outcome === 'delivered'
      ? detail('flow')
      : outcome === 'kept by the hub'
        ? (detail('reason') ?? event.outcomeDesc)
        : [detail('refusing-rule'), detail('reason') ?? event.outcomeDesc]
            .filter((part, index, all): part is string => !!part && all.indexOf(part) === index)
            .join(': ') || undefined;
  return {
    id: event.id,
    at: event.recorded,
    sender,
    ...(recipient ? { recipient } : {}),
    eventType,
    outcome,
    ...(because ? { because } : {}),
  };
}

/** `HH:MM:SS` (UTC) of an ISO instant. */
export function clockOf(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : date.toISOString().slice(11, 19);
}

/** `10:51:02  croydon-mc → hub → nps-london-croydon  court.hearing.listed  delivered (listing-to-probation)` */
export function formatFlowLine(line: FlowLine): string {
  const route =
    line.recipient && line.outcome !== 'kept by the hub'
      ? `${line.sender} → hub → ${line.recipient}`
      : `${line.sender} → hub`;
  const outcome = line.outcome === 'refused' && !line.recipient ? 'refused at ingress' : line.outcome;
  return `${clockOf(line.at)}  ${route.padEnd(52)} ${line.eventType.padEnd(32)} ${outcome}${line.because ? ` (${line.because})` : ''}`;
}

/** What one write in a stand-in was, in a few words: `contact AFTA`, `Task requested`, `alert`. */
export function summariseArrival(record: ArrivalRecord): string {
  const body = (typeof record.body === 'object' && record.body !== null ? record.body : {}) as Record<string, unknown>;
  const path = record.url.replace(/^\/sandbox\/[a-z]+\/[a-z0-9-]+\//, '').replace(/\?.*$/, '');
  if (typeof body.resourceType === 'string')
    return [body.resourceType, typeof body.status === 'string' ? body.status : undefined].filter(Boolean).join(' ');
  if (/\/contacts$/.test(path))
    return `contact ${String(body.type ?? '?')}${typeof body.notes === 'string' ? `: ${body.notes.slice(0, 80)}` : ''}`;
  if (/\/alerts$/.test(path) || path === 'alerts')
    return `alert${typeof body.type === 'string' ? ` ${body.type}` : ''}${typeof body.reason === 'string' ? `: ${body.reason.slice(0, 80)}` : ''}`;
  return `${record.method} ${path}`;
}

/** `10:51:04  adapter → nps-london-croydon (delius)  contact AFTA  201`; undefined for reads and pushes. */
export function formatArrival(record: ArrivalRecord): string | undefined {
  if (record.direction !== 'received' || record.method === 'GET') return undefined;
  return `${clockOf(record.at)}    ↳ ${`written in ${record.partnerId} (${record.kind})`.padEnd(48)} ${summariseArrival(record).padEnd(32)} ${record.status ?? 'no answer'}`;
}

/** A printable line of either kind, to be printed in time order. */
export interface TimedLine {
  readonly at: string;
  readonly text: string;
}

/**
 * The lines not printed yet, oldest first: flows from audit records and writes in stand-ins,
 * skipping every id in `seen` (which it adds to).
 */
export function newLines(
  seen: Set<string>,
  auditEvents: readonly AuditEvent[],
  arrivals: readonly ArrivalRecord[],
): TimedLine[] {
  const lines: TimedLine[] = [];
  for (const event of auditEvents) {
    const flow = flowLineOf(event);
    if (!flow || seen.has(flow.id)) continue;
    seen.add(flow.id);
    lines.push({ at: flow.at, text: formatFlowLine(flow) });
  }
  for (const record of arrivals) {
    const key = `sandbox:${record.id}`;
    const text = formatArrival(record);
    if (!text || seen.has(key)) continue;
    seen.add(key);
    lines.push({ at: record.at, text });
  }
  return lines.sort((a, b) => a.at.localeCompare(b.at));
}
