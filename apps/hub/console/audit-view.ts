/** Audit search (`GET /audit`, a FHIR Bundle of AuditEvents) and one decision's reason. */
import { api, outcomeText } from './api.js';
import {
  PARTICIPANT_ROLE,
  details,
  eventTypeOf,
  outcomeOf,
  participant,
  type AuditEventResource,
  type OutcomeLabel,
} from './audit-event.js';
import { agreementDetailWords, legalBasisWords, removedElementWords } from './disclosure-words.js';
import { byId, cell, nextDay, setStatus, tableBody, valueOf, when } from './dom.js';

/** `GET /audit`: a searchset Bundle. */
interface AuditBundle {
  readonly entry?: readonly { readonly resource: AuditEventResource }[];
  readonly link?: readonly { readonly relation: string; readonly url: string }[];
}

const PAGE_SIZE = '50';
const FILTERS = ['person', 'partner', 'event', 'outcome', 'kind'] as const;
let nextCursor: string | null = null;
let reasonOpener: HTMLElement | null = null;

function auditQuery(): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = valueOf(`audit-${name}`).trim();
    if (value) params.set(name, value);
  }
  if (valueOf('audit-from')) params.set('from', valueOf('audit-from'));
  if (valueOf('audit-to')) params.set('to', nextDay(valueOf('audit-to')));
  params.set('limit', PAGE_SIZE);
  return params;
}

/** Searches from the start (a new search) or from `after` ("Show more"). */
export async function searchAudit(event: Event | null, after: string | null): Promise<void> {
  event?.preventDefault();
  const params = auditQuery();
  if (after) params.set('after', after);
  const answer = await api<AuditBundle>(`/audit?${params.toString()}`);
  if (answer.status !== 200 || !answer.body) {
    setStatus(outcomeText(answer.body, answer.status), true);
    return;
  }
  const body = tableBody('audit-table');
  if (!after) body.textContent = '';
  for (const entry of answer.body.entry ?? []) body.appendChild(auditRow(entry.resource));
  const next = (answer.body.link ?? []).find((link) => link.relation === 'next');
  nextCursor = next ? new URLSearchParams(next.url.split('?')[1] ?? '').get('after') : null;
  byId('audit-more').hidden = !nextCursor;
  byId('audit-table').hidden = false;
  const count = body.children.length;
  setStatus(count === 0 ? 'No audit records match.' : `${count} audit record${count === 1 ? '' : 's'} shown.`);
}

/** The next page of the last search. */
export function searchMore(): Promise<void> {
  return searchAudit(null, nextCursor);
}

function auditRow(resource: AuditEventResource): HTMLTableRowElement {
  const row = document.createElement('tr');
  const eventType = eventTypeOf(resource);
  const outcome = outcomeOf(resource);
  cell(row, when(resource.recorded));
  cell(row, eventType);
  cell(row, participant(resource, PARTICIPANT_ROLE.source));
  cell(row, participant(resource, PARTICIPANT_ROLE.destination));
  cell(row, outcome, `outcome-${outcome}`);
  const action = document.createElement('td');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'button-secondary';
  button.textContent = 'Why?';
  button.setAttribute('aria-label', `Why: ${outcome} ${eventType} at ${when(resource.recorded)}`);
  button.addEventListener('click', () => openReason(resource, outcome, button));
  action.appendChild(button);
  row.appendChild(action);
  return row;
}

/** The reason of one record, as the dialog's rows (empty values are left out). */
export function reasonRows(resource: AuditEventResource, outcome: OutcomeLabel): [string, string][] {
  const eventType = eventTypeOf(resource);
  const removed = details(resource, 'removed-element').map((path) => removedElementWords(path, eventType));
  const rows: [string, string][] = [
    ['Outcome', outcome],
    ['Recorded', when(resource.recorded)],
    ['Event type', eventType],
    ['Sender', participant(resource, PARTICIPANT_ROLE.source)],
    ['Recipient', participant(resource, PARTICIPANT_ROLE.destination)],
    ['Agreement', details(resource, 'agreement').map(agreementDetailWords).join(', ')],
    ['Flow', details(resource, 'flow').join(', ')],
    ['Refusing rule', details(resource, 'refusing-rule').join(', ')],
    ['Legal basis', details(resource, 'legal-basis').map(parsedLegalBasis).join(', ')],
    ['Elements removed', removed.join('; ') || (outcome === 'delivered' ? 'none' : '')],
    ['Why', resource.outcomeDesc ?? details(resource, 'reason').join(' ')],
    ['Audit record', details(resource, 'audit-seq').join('')],
  ];
  return rows.filter(([, value]) => value !== '');
}

/** The record's legal-basis detail (canonical JSON) in words. */
function parsedLegalBasis(json: string): string {
  try {
    return legalBasisWords(JSON.parse(json) as Record<string, string>);
  } catch {
    return json;
  }
}

function openReason(resource: AuditEventResource, outcome: OutcomeLabel, opener: HTMLElement): void {
  const list = byId('reason-list');
  list.textContent = '';
  for (const [name, value] of reasonRows(resource, outcome)) {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = value;
    list.append(dt, dd);
  }
  reasonOpener = opener;
  byId<HTMLDialogElement>('reason-dialog').showModal();
  byId('reason-close').focus();
}

/** Wires the view's controls. */
export function wireAudit(): void {
  byId('audit-form').addEventListener('submit', (event) => void searchAudit(event, null));
  byId('audit-more').addEventListener('click', () => void searchMore());
  const dialog = byId<HTMLDialogElement>('reason-dialog');
  byId('reason-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => reasonOpener?.focus());
}
