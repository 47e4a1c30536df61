/** The agreements in force (`GET /agreements`): status, period, expiry warnings, legal basis, flows. */
import { api, outcomeText } from './api.js';
import { legalBasisWords } from './disclosure-words.js';
import { byId, cell, setStatus } from './dom.js';

/** Agreements expiring within this many days are flagged. */
const EXPIRY_WARNING_DAYS = 60;

interface PartySelector {
  readonly kind?: string;
  readonly id?: string;
}

interface AgreementView {
  readonly id: string;
  readonly version: number;
  readonly title?: string;
  readonly status: string;
  readonly inForce: boolean;
  readonly period: { readonly start: string; readonly end?: string | null };
  readonly daysToExpiry: number | null;
  readonly legalBasis?: Readonly<Record<string, string>>;
  readonly flows: readonly {
    readonly id: string;
    readonly events: readonly string[];
    readonly from: PartySelector;
    readonly to: PartySelector;
    readonly consent: string;
    readonly purpose: string;
  }[];
}

function selector(party: PartySelector): string {
  return [party.kind ? `kind ${party.kind}` : '', party.id ?? ''].filter(Boolean).join(' ');
}

function expiryBadge(daysToExpiry: number | null): HTMLElement | null {
  if (daysToExpiry === null || daysToExpiry > EXPIRY_WARNING_DAYS) return null;
  const badge = document.createElement('span');
  badge.className = daysToExpiry < 0 ? 'expired' : 'warning';
  badge.textContent = daysToExpiry < 0 ? `Expired ${-daysToExpiry} days ago` : `Expires in ${daysToExpiry} days`;
  return badge;
}

function flowsTable(agreement: AgreementView): HTMLTableElement {
  const table = document.createElement('table');
  table.className = 'table';
  const caption = document.createElement('caption');
  caption.textContent = `Flows of ${agreement.id}`;
  table.appendChild(caption);
  const head = document.createElement('tr');
  for (const name of ['Flow', 'Events', 'From', 'To', 'Consent', 'Purpose']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = name;
    head.appendChild(th);
  }
  table.createTHead().appendChild(head);
  const body = table.createTBody();
  for (const flow of agreement.flows) {
    const row = body.insertRow();
    cell(row, flow.id);
    cell(row, flow.events.join(', '));
    cell(row, selector(flow.from));
    cell(row, selector(flow.to));
    cell(row, flow.consent);
    cell(row, flow.purpose);
  }
  return table;
}

function agreementBox(agreement: AgreementView): HTMLElement {
  const box = document.createElement('article');
  box.className = 'agreement';
  box.setAttribute('data-agreement', agreement.id);
  const heading = document.createElement('h2');
  heading.textContent = `${agreement.id} v${agreement.version}${agreement.title ? ` — ${agreement.title}` : ''}`;
  const facts = document.createElement('p');
  facts.textContent = `Status ${agreement.status}${agreement.inForce ? ', in force' : ', not in force'}; period ${agreement.period.start} to ${agreement.period.end ?? 'open-ended'}. `;
  const badge = expiryBadge(agreement.daysToExpiry);
  if (badge) facts.appendChild(badge);
  const basis = document.createElement('p');
  basis.className = 'legal-basis';
  basis.textContent = `Legal basis: ${legalBasisWords(agreement.legalBasis)}`;
  box.append(heading, facts, basis, flowsTable(agreement));
  return box;
}

/** Loads and shows the agreements. */
export async function loadAgreements(): Promise<void> {
  const answer = await api<{ agreements: AgreementView[] }>('/agreements');
  const list = byId('agreements-list');
  list.textContent = '';
  if (answer.status !== 200 || !answer.body) {
    setStatus(outcomeText(answer.body, answer.status), true);
    return;
  }
  for (const agreement of answer.body.agreements) list.appendChild(agreementBox(agreement));
  setStatus(`${answer.body.agreements.length} agreements.`);
}
