/** The flow map view: `GET /audit/flows` of a period, as a map and as a table. */
import { api, outcomeText } from './api.js';
import { byId, cell, nextDay, setStatus, tableBody, valueOf } from './dom.js';
import { drawFlowMap, type Flow } from './flow-map.js';

let lastFlows: readonly Flow[] = [];

/** Loads the flows of the chosen period and redraws. */
export async function loadFlows(event?: Event): Promise<void> {
  event?.preventDefault();
  const from = valueOf('flows-from');
  const to = valueOf('flows-to');
  const answer = await api<{ flows: Flow[] }>(
    `/audit/flows?from=${encodeURIComponent(from)}&to=${encodeURIComponent(nextDay(to))}`,
  );
  if (answer.status !== 200 || !answer.body) {
    setStatus(outcomeText(answer.body, answer.status), true);
    return;
  }
  lastFlows = answer.body.flows;
  const select = byId<HTMLSelectElement>('flows-event');
  const chosen = select.value;
  const types = [...new Set(lastFlows.map((flow) => flow.eventType))].sort();
  select.textContent = '';
  for (const type of ['', ...types]) {
    const option = document.createElement('option');
    option.value = type;
    option.textContent = type || 'All event types';
    select.appendChild(option);
  }
  select.value = types.includes(chosen) ? chosen : '';
  drawFlows();
}

/** Draws the last flows loaded, of the chosen event type. */
export function drawFlows(): void {
  const type = valueOf('flows-event');
  const period = `${valueOf('flows-from')} to ${valueOf('flows-to')}`;
  drawFlowMap(byId('flow-map'), lastFlows, type, period);
  const body = tableBody('flows-table');
  body.textContent = '';
  for (const flow of lastFlows) {
    if (type && flow.eventType !== type) continue;
    const row = document.createElement('tr');
    cell(row, flow.sender);
    cell(row, flow.recipient);
    cell(row, flow.eventType);
    cell(row, flow.delivered, 'num');
    cell(row, flow.refused, 'num');
    cell(row, flow.kept ?? 0, 'num');
    body.appendChild(row);
  }
  setStatus(`${lastFlows.length} flows from ${period}.`);
}
