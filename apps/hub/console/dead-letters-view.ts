/**
 * Dead letters (`GET /dead-letters`) with replay (`POST /dead-letters/{id}/replay`, CSRF token
 * sent by `api`), then what the hub did with the replayed event.
 */
import { api, outcomeText } from './api.js';
import { byId, cell, setStatus, tableBody, valueOf, when } from './dom.js';

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

/** Wires the view's controls. */
export function wireDeadLetters(): void {
  byId('dead-letters-form').addEventListener('submit', (event) => void loadDeadLetters(event));
}
