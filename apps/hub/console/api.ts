/**
 * Calls to the hub's JSON API with the session cookie of a console sign-in. The page never holds
 * the user's secret; the session's CSRF token is held in memory only and sent on state-changing
 * calls. `X-Requested-With` tells the hub never to answer with a Basic challenge.
 */

/** The hub's answer: its status and JSON body (null when there is none). */
export interface Answer<T = unknown> {
  readonly status: number;
  readonly body: T | null;
}

/** A FHIR OperationOutcome, as the hub answers errors. */
interface OperationOutcome {
  readonly issue?: readonly { readonly code?: string; readonly diagnostics?: string }[];
}

/** The path of the console session (sign-in, who is signed in, sign-out). */
export const SESSION_PATH = '/console/session';

let csrfToken: string | null = null;
let onSessionLost: (message: string) => void = () => undefined;

/** Keeps (or forgets, with null) the session's CSRF token. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** What the page does when the hub says the session has ended (a 401). */
export function whenSessionLost(handler: (message: string) => void): void {
  onSessionLost = handler;
}

/** The hub's OperationOutcome as one line. */
export function outcomeText(body: unknown, status: number): string {
  const issues = (body as OperationOutcome | null)?.issue;
  const text = Array.isArray(issues)
    ? issues.map((issue: { code?: string; diagnostics?: string }) => issue.diagnostics ?? issue.code ?? '').join(' ')
    : '';
  return text.trim() || `The hub answered ${status}.`;
}

/** Calls the hub: GET by default, or `method` with an optional JSON body. A 401 ends the session. */
export async function api<T>(path: string, options: { method?: string; json?: unknown } = {}): Promise<Answer<T>> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json', 'X-Requested-With': 'cstr-console' };
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.json);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let body: T | null = null;
  try {
    body = text ? (JSON.parse(text) as T) : null;
  } catch {
    body = null;
  }
  if (response.status === 401 && path !== SESSION_PATH) onSessionLost('Your session has ended: sign in again.');
  return { status: response.status, body };
}
