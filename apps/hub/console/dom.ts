/** Small DOM helpers of the console. Every text from the hub is set with textContent, never as HTML. */

const DAY_MS = 86_400_000;

/** The element of that id (the page's own markup: it is there). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The console page has no #${id}.`);
  return element as T;
}

/** The value of the input or select of that id. */
export function valueOf(id: string): string {
  return byId<HTMLInputElement | HTMLSelectElement>(id).value;
}

/** Shows a line in the page's status area (an error in red). */
export function setStatus(text: string, isError = false): void {
  const status = byId('status');
  status.textContent = text;
  status.className = isError ? 'status error' : 'status';
}

/** Appends a cell with `text` (nothing for null) to `row`. */
export function cell(
  row: HTMLTableRowElement,
  text: string | number | null | undefined,
  className = '',
): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined ? '' : String(text);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

/** Appends a cell holding a list of `items` (or `empty` when there are none). */
export function listCell(row: HTMLTableRowElement, items: readonly string[], empty: string): HTMLTableCellElement {
  const td = document.createElement('td');
  if (items.length === 0) td.textContent = empty;
  else {
    const list = document.createElement('ul');
    list.className = 'plain-list';
    for (const item of items) {
      const li = document.createElement('li');
      li.textContent = item;
      list.appendChild(li);
    }
    td.appendChild(list);
  }
  row.appendChild(td);
  return td;
}

/** The tbody of the table of that id. */
export function tableBody(tableId: string): HTMLTableSectionElement {
  const body = byId(tableId).querySelector('tbody');
  if (!body) throw new Error(`The table #${tableId} has no tbody.`);
  return body;
}

/** `YYYY-MM-DD` of a date (UTC). */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The day after `day` (`YYYY-MM-DD`), for inclusive date ranges. */
export function nextDay(day: string): string {
  return isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS));
}

/** `days` before `date`. */
export function daysBefore(date: Date, days: number): Date {
  return new Date(date.getTime() - days * DAY_MS);
}

/** A time of the hub (ISO 8601) in UK time, as the page shows it. */
export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString('en-GB', { timeZone: 'Europe/London' }) : '';
}
