/**
 * Dead letters (`GET /dead-letters`) with replay (`POST /dead-letters/{id}/replay`, CSRF token
 * sent by `api`), then what the hub did with the replayed event; and replay by filter
 * (`POST /dead-letters/replay`): a dry run lists what would be sent back, a replay asks first.
 */
import { api, outcomeText } from './api.js';
import { byId, cell, nextDay, setStatus, tableBody, valueOf, when } from './dom.js';

interface DeadLetter {
  readonly id: string;
  readonly receivedAt: string;
  readonly eventType: string | null;
  readonly eventId: string | null;
  readonly failureCode: string | null;
  readonly failureReason: string | null;
  readonly attempts: number | null;
  readonly replayedAt: string | null;
  readonly replayedBy: string | null;
}

interface Decision {
  readonly recipient: string | null;
  readonly outcome: string;
  readonly rule: string | null;
}

/** How long, at most, the page follows a replay (one check a second). */
const FOLLOW_TRIES = 30;
const FOLLOW_INTERVAL_MS = 1000;

/** Loads the dead letters of the chosen status. */
export async function loadDeadLetters(event?: Event): Promise<void> {
  event?.preventDefault();
  const replayed = valueOf('dead-letters-replayed');
  const answer = await api<{ deadLetters: DeadLetter[] }>(
    `/dead-letters?limit=100${replayed ? `&replayed=${replayed}` : ''}`,
  );
  const body = tableBody('dead-letters-table');
  body.textContent = '';
  if (answer.status !== 200 || !answer.body) {
    setStatus(outcomeText(answer.body, answer.status), true);
    return;
  }
  for (const letter of answer.body.deadLetters) body.appendChild(deadLetterRow(letter));
  setStatus(`${answer.body.deadLetters.length} dead letters.`);
}

function deadLetterRow(letter: DeadLetter): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.setAttribute('data-dead-letter', letter.id);
  cell(row, letter.id);
  cell(row, when(letter.receivedAt));
  cell(row, letter.eventType);
  cell(row, letter.eventId);
  cell(row, `${letter.failureCode ?? ''}${letter.failureReason ? `: ${letter.failureReason}` : ''}`);
  cell(row, letter.attempts);
  const status = cell(
    row,
    letter.replayedAt ? `Replayed ${when(letter.replayedAt)} by ${letter.replayedBy ?? ''}` : 'Waiting',
  );
  status.setAttribute('aria-live', 'polite');
  const action = document.createElement('td');
  if (!letter.replayedAt) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Replay';
    button.setAttribute('aria-label', `Replay dead letter ${letter.id} (${letter.eventType ?? 'unknown type'})`);
    button.addEventListener('click', () => void replay(letter, button, status));
    action.appendChild(button);
  }
  row.appendChild(action);
  return row;
}

async function replay(letter: DeadLetter, button: HTMLButtonElement, status: HTMLElement): Promise<void> {
  button.disabled = true;
  const answer = await api(`/dead-letters/${encodeURIComponent(letter.id)}/replay`, { method: 'POST' });
  if (answer.status !== 202) {
    status.textContent = outcomeText(answer.body, answer.status);
    button.disabled = false;
    return;
  }
  status.textContent = 'Replayed; waiting for the hub…';
  if (letter.eventId) await followReplay(letter.eventId, status);
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Follows a replay until the hub has dealt with the event again: its delivery decisions, or a
 * new dead letter of the same event when it failed again.
 */
async function followReplay(eventId: string, status: HTMLElement): Promise<void> {
  for (let tries = 0; tries <= FOLLOW_TRIES; tries++) {
    const [decided, again] = await Promise.all([
      api<{ decisions: Decision[] }>(`/console/events/${encodeURIComponent(eventId)}/decisions`),
      api<{ deadLetters: DeadLetter[] }>(`/dead-letters?replayed=false&event=${encodeURIComponent(eventId)}`),
    ]);
    const decisions = decided.status === 200 ? (decided.body?.decisions ?? []) : [];
    const failed = again.status === 200 ? (again.body?.deadLetters ?? []) : [];
    if (decisions.length > 0) {
      const delivered = decisions.filter((d) => d.outcome === 'delivered').map((d) => d.recipient ?? '');
      const refused = decisions
        .filter((d) => d.outcome === 'refused')
        .map((d) => `${d.recipient ?? ''}${d.rule ? ` (${d.rule})` : ''}`);
      status.textContent = `${[
        delivered.length ? `Delivered to ${delivered.join(', ')}` : '',
        refused.length ? `Refused for ${refused.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; ')}.`;
      status.className = delivered.length ? 'outcome-delivered' : 'outcome-refused';
      return;
    }
    if (failed.length > 0) {
      const [letter] = failed;
      status.textContent = `Failed again: ${letter.failureCode ?? 'no code'}${letter.failureReason ? ` — ${letter.failureReason}` : ''} (new dead letter ${letter.id}).`;
      status.className = 'outcome-refused';
      return;
    }
    await pause(FOLLOW_INTERVAL_MS);
  }
  status.textContent = 'Replayed; no outcome yet.';
}

/** One dead letter a bulk replay takes (metadata only). */
interface BulkItem {
  readonly id: string;
  readonly queue: string;
  readonly eventType: string | null;
  readonly eventId: string | null;
  readonly failureCode: string | null;
  readonly failureReason: string | null;
  readonly ageSeconds: number;
}

/** The answer of `POST /dead-letters/replay`. */
interface BulkAnswer {
  readonly dryRun: boolean;
  readonly count: number;
  readonly deadLetters: readonly BulkItem[];
  readonly notReplayable: readonly { readonly id: string; readonly reason: string }[];
  readonly more: boolean;
}

/** The filter of the form as query parameters (the "to" day is inclusive, so the hub gets the next). */
function bulkFilter(): URLSearchParams {
  const query = new URLSearchParams();
  const add = (name: string, value: string) => value.trim() && query.set(name, value.trim());
  add('partner', valueOf('bulk-partner'));
  add('queue', valueOf('bulk-queue'));
  add('code', valueOf('bulk-code'));
  add('from', valueOf('bulk-from'));
  const to = valueOf('bulk-to');
  if (to) query.set('to', nextDay(to));
  return query;
}

/** An age in words: "45 s", "12 min", "3 h 5 min", "2 days 4 h". */
function ageWords(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (days > 0) return `${days} day${days === 1 ? '' : 's'}${hours % 24 ? ` ${hours % 24} h` : ''}`;
  if (hours > 0) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return minutes > 0 ? `${minutes} min` : `${seconds} s`;
}

function bulkRow(item: BulkItem): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.setAttribute('data-dead-letter', item.id);
  cell(row, item.id);
  cell(row, item.queue);
  cell(row, item.eventType);
  cell(row, item.eventId);
  cell(row, `${item.failureCode ?? ''}${item.failureReason ? `: ${item.failureReason}` : ''}`);
  cell(row, ageWords(item.ageSeconds));
  return row;
}

/** Shows a bulk answer: the summary line and, for a dry run, the list. */
function showBulk(answer: BulkAnswer): void {
  const summary = byId('bulk-replay-summary');
  const skipped = answer.notReplayable.length
    ? ` ${answer.notReplayable.length} matching cannot be replayed (the hub does not know who wrote them, or they have no event id).`
    : '';
  const more = answer.more ? ' More match: run it again for the next ones.' : '';
  summary.textContent = `${answer.dryRun ? `${answer.count} dead letters would be replayed.` : `${answer.count} dead letters replayed.`}${skipped}${more}`;
  summary.className = 'panel';
  summary.hidden = false;
  const table = byId('bulk-replay-table');
  const body = tableBody('bulk-replay-table');
  body.textContent = '';
  byId('bulk-replay-caption').textContent = answer.dryRun
    ? 'Would be replayed, oldest first'
    : 'Replayed, oldest first';
  for (const item of answer.deadLetters) body.appendChild(bulkRow(item));
  table.hidden = answer.deadLetters.length === 0;
}

async function bulkCall(dryRun: boolean): Promise<BulkAnswer | undefined> {
  const query = bulkFilter();
  if (dryRun) query.set('dryRun', 'true');
  const answer = await api<BulkAnswer>(`/dead-letters/replay?${query.toString()}`, { method: 'POST' });
  if ((answer.status !== 200 && answer.status !== 202) || !answer.body) {
    const summary = byId('bulk-replay-summary');
    summary.textContent = outcomeText(answer.body, answer.status);
    summary.className = 'panel bad';
    summary.hidden = false;
    byId('bulk-replay-table').hidden = true;
    return undefined;
  }
  showBulk(answer.body);
  return answer.body;
}

/** Lists what a replay of the form's filter would send back. */
async function dryRun(event: Event): Promise<void> {
  event.preventDefault();
  await bulkCall(true);
}

/** Replays the form's filter once the operator has confirmed how many it takes (a dry run first). */
async function replayMatching(button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    const preview = await bulkCall(true);
    if (!preview || preview.count === 0) return;
    if (!window.confirm(`Replay ${preview.count} dead letters? Each is sent back once to the queue it failed in.`))
      return;
    if (await bulkCall(false)) await loadDeadLetters();
  } finally {
    button.disabled = false;
  }
}

/** Wires the view's controls. */
export function wireDeadLetters(): void {
  byId('dead-letters-form').addEventListener('submit', (event) => void loadDeadLetters(event));
  byId('bulk-replay-form').addEventListener('submit', (event) => void dryRun(event));
  const replayButton = byId<HTMLButtonElement>('bulk-replay');
  replayButton.addEventListener('click', () => void replayMatching(replayButton));
}
