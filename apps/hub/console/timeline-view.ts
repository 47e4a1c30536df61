/**
 * One person's timeline (`GET /people/{identifier}/timeline`): their events, every decision about
 * them (who received what, under which agreement, flow and legal basis, and what was withheld),
 * refusals, reads of their data and their pathway's deadlines, oldest first. An IG lead gets the
 * links of the person's subject access export (`GET /people/{identifier}/subject-access`).
 */
import { api, outcomeText } from './api.js';
import { agreementWords, legalBasisWords, removedElementWords } from './disclosure-words.js';
import { byId, cell, listCell, tableBody, valueOf, when } from './dom.js';

type AuditKind =
  'delivery' | 'refusal' | 'refusal-at-ingress' | 'dead-letter' | 'read' | 'kept-by-hub' | 'operator-action';
type DeadlineKind = 'deadline-opened' | 'deadline-met' | 'deadline-missed' | 'deadline-replaced' | 'deadline-cancelled';

/** One line of the timeline, as the hub's API returns it. */
export type TimelineEntry =
  | {
      readonly at: string;
      readonly kind: 'event';
      readonly eventId: string;
      readonly eventType: string;
      readonly sender: string;
      readonly occurredAt: string | null;
    }
  | {
      readonly at: string;
      readonly kind: AuditKind;
      readonly seq: number;
      readonly eventId: string | null;
      readonly eventType: string | null;
      readonly sender: string | null;
      readonly recipient: string | null;
      readonly agreement: { readonly id: string; readonly version: number } | null;
      readonly flow: string | null;
      readonly rule: string | null;
      readonly legalBasis: Readonly<Record<string, string>> | null;
      readonly consentReference: string | null;
      readonly removedElements: readonly string[];
      readonly actor: string | null;
      readonly reason: string | null;
    }
  | {
      readonly at: string;
      readonly kind: DeadlineKind;
      readonly deadlineId: string;
      readonly deadline: string;
      readonly dueAt: string;
      readonly owedBy: string;
      readonly eventId: string | null;
      readonly description: string;
      /** Why a cancelled deadline was cancelled (its requirement ended). */
      readonly reason?: string;
    };

interface Timeline {
  readonly entries: readonly TimelineEntry[];
  readonly truncated?: boolean;
}

/** Each kind of line: what it is, and the decision or state it records. */
const KIND_WORDS: Readonly<
  Record<TimelineEntry['kind'], { readonly kind: string; readonly decision: string; readonly css: string }>
> = {
  event: { kind: 'Event', decision: 'accepted', css: '' },
  delivery: { kind: 'Disclosure', decision: 'delivered', css: 'outcome-delivered' },
  refusal: { kind: 'Refusal', decision: 'refused', css: 'outcome-refused' },
  'refusal-at-ingress': { kind: 'Refused on arrival', decision: 'refused', css: 'outcome-refused' },
  'dead-letter': { kind: 'Dead letter', decision: 'dead-lettered', css: 'outcome-dead-lettered' },
  read: { kind: 'Read of their data', decision: 'read', css: '' },
  'kept-by-hub': { kind: 'Kept by the hub', decision: 'kept', css: '' },
  'operator-action': { kind: 'Operator action', decision: 'performed', css: '' },
  'deadline-opened': { kind: 'Deadline', decision: 'opened', css: '' },
  'deadline-met': { kind: 'Deadline', decision: 'met', css: 'outcome-delivered' },
  'deadline-missed': { kind: 'Deadline', decision: 'missed', css: 'outcome-refused' },
  'deadline-replaced': { kind: 'Deadline', decision: 'replaced', css: '' },
  'deadline-cancelled': { kind: 'Deadline', decision: 'cancelled', css: '' },
};

/** The details of a line: when an event occurred, the rule of a refusal, who read, a deadline's terms. */
function detailsOf(entry: TimelineEntry): string {
  switch (entry.kind) {
    case 'event':
      return entry.occurredAt ? `Occurred ${when(entry.occurredAt)}` : '';
    case 'deadline-opened':
    case 'deadline-met':
    case 'deadline-missed':
    case 'deadline-replaced':
      return `${entry.description} (due ${when(entry.dueAt)}, owed by ${entry.owedBy})`;
    case 'deadline-cancelled':
      return `${entry.description} (due ${when(entry.dueAt)}, owed by ${entry.owedBy}) ${entry.reason ?? ''}`.trim();
    default:
      return [
        entry.rule ? `Rule ${entry.rule}` : '',
        entry.consentReference ? `Consent ${entry.consentReference}` : '',
        entry.actor ? `By ${entry.actor}` : '',
        entry.reason ?? '',
      ]
        .filter(Boolean)
        .join('. ');
  }
}

/** One table row of a timeline line. */
function timelineRow(entry: TimelineEntry): HTMLTableRowElement {
  const row = document.createElement('tr');
  const words = KIND_WORDS[entry.kind];
  row.setAttribute('data-kind', entry.kind);
  cell(row, when(entry.at));
  cell(row, words.kind);
  if (entry.kind === 'event') {
    cell(row, entry.eventType);
    cell(row, entry.sender);
    cell(row, '');
  } else if ('deadline' in entry) {
    cell(row, entry.deadline);
    cell(row, '');
    cell(row, '');
  } else {
    cell(row, entry.eventType);
    cell(row, entry.sender);
    cell(row, entry.recipient);
  }
  cell(row, words.decision, words.css);
  if ('agreement' in entry) {
    cell(row, [agreementWords(entry.agreement), entry.flow ?? ''].filter(Boolean).join(' / '));
    cell(row, legalBasisWords(entry.legalBasis));
    if (entry.kind === 'delivery')
      listCell(
        row,
        entry.removedElements.map((path) => removedElementWords(path, entry.eventType ?? '')),
        'nothing',
      );
    else cell(row, '');
  } else {
    cell(row, '');
    cell(row, '');
    cell(row, '');
  }
  cell(row, detailsOf(entry));
  return row;
}

/** The formats of the subject access export, and the link of each. */
const EXPORT_LINKS: readonly (readonly [format: string, linkId: string])[] = [
  ['pdf', 'timeline-export-pdf'],
  ['csv', 'timeline-export-csv'],
  ['json', 'timeline-export-json'],
];

/** Whether this user may download the subject access export (IG leads only). */
let exportAllowed = false;

/** Says whether the signed-in user may download subject access exports (the hub checks it too). */
export function allowSubjectAccessExport(allowed: boolean): void {
  exportAllowed = allowed;
  if (!allowed) byId('timeline-export').hidden = true;
}

/** Points the export's links at the person of `identifier` and shows them to an IG lead (hides them for null). */
function showExportLinks(identifier: string | null): void {
  const panel = byId('timeline-export');
  panel.hidden = identifier === null || !exportAllowed;
  if (identifier === null) return;
  for (const [format, linkId] of EXPORT_LINKS)
    byId<HTMLAnchorElement>(linkId).href = `/people/${encodeURIComponent(identifier)}/subject-access?format=${format}`;
}

/** Loads and shows the timeline of the identifier in the form. */
export async function loadTimeline(event: Event): Promise<void> {
  event.preventDefault();
  const identifier = valueOf('timeline-identifier').trim();
  const message = byId('timeline-message');
  const table = byId('timeline-table');
  const answer = await api<Timeline>(`/people/${encodeURIComponent(identifier)}/timeline`);
  table.hidden = true;
  showExportLinks(null);
  message.hidden = false;
  message.className = 'panel';
  if (answer.status === 404) {
    message.className = 'panel bad';
    message.textContent = 'No timeline: the hub knows no person with this identifier (404).';
    return;
  }
  if (answer.status !== 200 || !answer.body) {
    message.className = 'panel bad';
    message.textContent = outcomeText(answer.body, answer.status);
    return;
  }
  const body = tableBody('timeline-table');
  body.textContent = '';
  for (const entry of answer.body.entries) body.appendChild(timelineRow(entry));
  message.textContent = `${answer.body.entries.length} entries${answer.body.truncated ? ' (the oldest audit records only: there are more)' : ''}.`;
  table.hidden = false;
  showExportLinks(identifier);
}

/** Wires the view's controls. */
export function wireTimeline(): void {
  byId('timeline-form').addEventListener('submit', (event) => void loadTimeline(event));
}
