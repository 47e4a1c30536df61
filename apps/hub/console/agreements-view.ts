/**
 * The agreements in force (`GET /agreements`): status, period, expiry warnings, legal basis,
 * flows; and for IG leads their change control: proposals and decisions, a proposal's
 * differences from the version in force and its impact on the last 30 days, approve or reject,
 * and proposing a new version.
 */
import { api, outcomeText } from './api.js';
import { legalBasisWords } from './disclosure-words.js';
import { byId, cell, setStatus, tableBody, valueOf, when } from './dom.js';

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

/** Loads and shows the agreements, and their changes to an IG lead. */
export async function loadAgreements(): Promise<void> {
  const answer = await api<{ agreements: AgreementView[] }>('/agreements');
  const list = byId('agreements-list');
  list.textContent = '';
  if (answer.status !== 200 || !answer.body) {
    setStatus(outcomeText(answer.body, answer.status), true);
    return;
  }
  for (const agreement of answer.body.agreements) list.appendChild(agreementBox(agreement));
  fillProposeFrom(answer.body.agreements);
  setStatus(`${answer.body.agreements.length} agreements.`);
  await loadChanges();
}

/** A stored version (`GET /agreement-versions`). */
interface VersionView {
  readonly id: string;
  readonly version: number;
  readonly state: string;
  readonly origin: 'import' | 'proposal';
  readonly proposedBy: string;
  readonly proposedAt: string;
  readonly note: string | null;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly effectiveAt: string | null;
  readonly agreement: AgreementView;
  readonly yaml: string;
}

interface Difference {
  readonly area: string;
  readonly change: string;
  readonly flowId?: string;
  readonly item: string;
  readonly before?: string;
  readonly after?: string;
}

interface ImpactView {
  readonly decisions: number;
  readonly reevaluated: number;
  readonly changed: number;
  readonly counts: readonly {
    readonly agreementId: string;
    readonly flowId: string;
    readonly recipient: string;
    readonly element?: string;
    readonly gained: number;
    readonly lost: number;
  }[];
}

/** Listed as changes: these states, and every version that came from a proposal (imports are the list above). */
const CHANGE_STATES = new Set(['proposed', 'approved', 'rejected']);
let wired = false;

/** The table of proposals and decisions; hidden from those who may not read them (403). */
async function loadChanges(): Promise<void> {
  wireChanges();
  const answer = await api<{ versions: VersionView[] }>('/agreement-versions');
  const section = byId('agreement-changes');
  section.hidden = answer.status !== 200 || !answer.body;
  if (!answer.body || answer.status !== 200) return;
  const changes = answer.body.versions
    .filter((version) => CHANGE_STATES.has(version.state) || version.origin === 'proposal')
    .sort((a, b) => b.proposedAt.localeCompare(a.proposedAt));
  const body = tableBody('versions-table');
  body.textContent = '';
  for (const version of changes) {
    const row = body.insertRow();
    row.setAttribute('data-version', `${version.id}/${version.version}`);
    cell(row, version.id);
    cell(row, version.version);
    cell(row, version.state);
    cell(row, `${version.proposedBy}, ${when(version.proposedAt)}`);
    cell(row, version.decidedBy ? `${version.decidedBy}, ${when(version.decidedAt)}` : '');
    const action = row.insertCell();
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'button-secondary';
    open.textContent = `Open ${version.id} v${version.version}`;
    open.addEventListener('click', () => void openChange(version.id, version.version));
    action.appendChild(open);
  }
}

function wireChanges(): void {
  if (wired) return;
  wired = true;
  byId('propose-form').addEventListener('submit', (event) => void propose(event));
  byId('propose-from').addEventListener('change', () => void startFrom(valueOf('propose-from')));
}

/** The agreements a proposal may start from. */
function fillProposeFrom(agreements: readonly AgreementView[]): void {
  const select = byId<HTMLSelectElement>('propose-from');
  while (select.options.length > 1) select.remove(1);
  for (const agreement of agreements) {
    const option = document.createElement('option');
    option.value = agreement.id;
    option.textContent = `${agreement.id} (version ${agreement.version})`;
    select.appendChild(option);
  }
}

/** Puts the YAML of the version in force of `id` in the form, its version number moved on by one. */
async function startFrom(id: string): Promise<void> {
  if (!id) return;
  const answer = await api<{ versions: VersionView[] }>(`/agreements/${encodeURIComponent(id)}/versions`);
  const current = answer.body?.versions.find((version) => version.state === 'in-force');
  if (answer.status !== 200 || !current) return setStatus(outcomeText(answer.body, answer.status), true);
  const highest = Math.max(...(answer.body?.versions ?? []).map((version) => version.version));
  byId<HTMLTextAreaElement>('propose-yaml').value = current.yaml.replace(/^version: \d+$/m, `version: ${highest + 1}`);
}

async function propose(event: Event): Promise<void> {
  event.preventDefault();
  const yaml = byId<HTMLTextAreaElement>('propose-yaml').value;
  const id = /^id:\s*([a-z0-9-]+)\s*$/m.exec(yaml)?.[1];
  if (!id) return setStatus('The YAML needs an id: line.', true);
  const note = valueOf('propose-note').trim();
  const answer = await api<VersionView>(`/agreements/${encodeURIComponent(id)}/versions`, {
    method: 'POST',
    json: { yaml, ...(note ? { note } : {}) },
  });
  if (answer.status !== 201 || !answer.body) return setStatus(outcomeText(answer.body, answer.status), true);
  setStatus(`Proposed ${answer.body.id} version ${answer.body.version}: a second IG lead must approve it.`);
  byId<HTMLTextAreaElement>('propose-yaml').value = '';
  byId<HTMLInputElement>('propose-note').value = '';
  await loadChanges();
  await openChange(answer.body.id, answer.body.version);
}

function table(caption: string, headings: readonly string[], rows: readonly (readonly (string | number)[])[]) {
  const element = document.createElement('table');
  element.className = 'table';
  element.createCaption().textContent = caption;
  const head = element.createTHead().insertRow();
  for (const heading of headings) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = heading;
    head.appendChild(th);
  }
  const body = element.createTBody();
  for (const values of rows) {
    const row = body.insertRow();
    for (const value of values) cell(row, value);
  }
  return element;
}

/** Shows one version: its differences from the version in force, its impact, and the decision buttons. */
async function openChange(id: string, version: number): Promise<void> {
  const path = `/agreements/${encodeURIComponent(id)}/versions/${version}`;
  const answer = await api<VersionView & { diff: { against: number | null; differences: Difference[] } }>(path);
  if (answer.status !== 200 || !answer.body) return setStatus(outcomeText(answer.body, answer.status), true);
  const shown = answer.body;
  const detail = byId('change-detail');
  detail.hidden = false;
  detail.textContent = '';
  const heading = document.createElement('h3');
  heading.textContent = `${id} version ${version}: ${shown.state}`;
  const facts = document.createElement('p');
  facts.textContent = `Proposed by ${shown.proposedBy} on ${when(shown.proposedAt)}${shown.note ? ` — “${shown.note}”` : ''}. Compared with ${shown.diff.against === null ? 'no version in force' : `version ${shown.diff.against} in force`}.`;
  const differences = table(
    `Differences from ${shown.diff.against === null ? 'nothing' : `version ${shown.diff.against}`}`,
    ['Area', 'Flow', 'Item', 'Change', 'Before', 'After'],
    shown.diff.differences.map((each) => [
      each.area,
      each.flowId ?? '',
      each.item,
      each.change,
      each.before ?? '',
      each.after ?? '',
    ]),
  );
  detail.append(heading, facts, differences);
  if (shown.state !== 'proposed') return;
  detail.append(await impactOf(path), decisionForm(id, version));
}

async function impactOf(path: string): Promise<HTMLElement> {
  const answer = await api<ImpactView>(`${path}/impact`);
  const box = document.createElement('div');
  if (answer.status !== 200 || !answer.body) {
    box.textContent = outcomeText(answer.body, answer.status);
    return box;
  }
  const impact = answer.body;
  const summary = document.createElement('p');
  summary.className = 'impact-summary';
  summary.textContent = `Impact over the last 30 days: ${impact.decisions} decisions, ${impact.reevaluated} re-evaluated under this version, ${impact.changed} would change.`;
  const rows = impact.counts.map((count) => [
    `${count.agreementId} / ${count.flowId}`,
    count.recipient,
    count.element ?? 'whole disclosures',
    count.gained,
    count.lost,
  ]);
  box.append(
    summary,
    table(
      'Disclosures gained and lost, per flow, recipient and element',
      ['Agreement / flow', 'Recipient', 'Element', 'Gained', 'Lost'],
      rows,
    ),
  );
  return box;
}

function decisionForm(id: string, version: number): HTMLElement {
  const form = document.createElement('form');
  form.className = 'form inline';
  const field = document.createElement('div');
  field.className = 'field';
  const label = document.createElement('label');
  label.htmlFor = 'decision-note';
  label.textContent = 'Decision note (internal)';
  const note = document.createElement('input');
  note.id = 'decision-note';
  note.type = 'text';
  field.append(label, note);
  const button = (text: string, action: 'approve' | 'reject', secondary: boolean): HTMLButtonElement => {
    const element = document.createElement('button');
    element.type = 'button';
    element.textContent = text;
    if (secondary) element.className = 'button-secondary';
    element.addEventListener('click', () => void decide(id, version, action, note.value.trim()));
    return element;
  };
  form.append(field, button('Approve', 'approve', false), button('Reject', 'reject', true));
  return form;
}

async function decide(id: string, version: number, action: 'approve' | 'reject', note: string): Promise<void> {
  const answer = await api<VersionView>(`/agreements/${encodeURIComponent(id)}/versions/${version}/${action}`, {
    method: 'POST',
    json: note ? { note } : {},
  });
  if (answer.status !== 200 || !answer.body) return setStatus(outcomeText(answer.body, answer.status), true);
  const state = answer.body.state;
  await loadAgreements();
  await openChange(id, version);
  setStatus(
    state === 'in-force'
      ? `${id} version ${version} is in force.`
      : state === 'approved'
        ? `${id} version ${version} is approved and takes effect on ${answer.body.agreement.period.start}.`
        : `${id} version ${version} is rejected.`,
  );
}
