/*
 * The CSTR hub console: a few views over the hub's JSON API. Signing in exchanges the user's id
 * and secret, once, for a session cookie the page cannot read (HttpOnly); the secret is kept
 * nowhere. State-changing calls carry the session's CSRF token, held in memory only. Every text
 * from the hub is set with textContent, never as HTML.
 */
import { loadAgreements } from './agreements-view.js';
import { api, outcomeText, SESSION_PATH, setCsrfToken, whenSessionLost } from './api.js';
import { wireAudit } from './audit-view.js';
import { verifyChain } from './chain-view.js';
import { loadDeadLetters, wireDeadLetters } from './dead-letters-view.js';
import { byId, daysBefore, isoDay, setStatus } from './dom.js';
import { drawFlows, loadFlows } from './flows-view.js';
import { allowSubjectAccessExport, wireTimeline } from './timeline-view.js';

/** `GET`/`POST /console/session`. */
interface SessionView {
  readonly id: string;
  readonly roles: readonly string[];
  readonly csrfToken: string;
}

/** The flow map opens on this many days up to today. */
const FLOW_MAP_DAYS = 30;
/** What a view loads when it is shown (the others wait for their form). */
const ON_SHOW: Readonly<Record<string, () => Promise<void>>> = {
  flows: () => loadFlows(),
  agreements: loadAgreements,
  'dead-letters': () => loadDeadLetters(),
};

let session: { readonly id: string; readonly roles: readonly string[] } | null = null;

function rolesOf(item: Element): string[] {
  return (item.getAttribute('data-roles') ?? '').split(' ');
}

function hasRole(roles: readonly string[]): boolean {
  return session !== null && session.roles.some((role) => roles.includes(role));
}

function navItems(): HTMLLIElement[] {
  return [...document.querySelectorAll<HTMLLIElement>('#nav li')];
}

/** The views this user may open, in menu order. */
function allowedViews(): string[] {
  return navItems()
    .filter((item) => hasRole(rolesOf(item)))
    .map((item) => item.querySelector('a')?.getAttribute('href')?.slice(1) ?? '')
    .filter(Boolean);
}

function show(viewId: string): void {
  for (const view of document.querySelectorAll<HTMLElement>('.view')) view.hidden = view.id !== `view-${viewId}`;
}

function showLogin(message = ''): void {
  show('login');
  byId('login-error').textContent = message;
  byId('login-id').focus();
}

/** Shows the view of the location hash (the first allowed one by default). */
function route(): void {
  if (!session) return;
  const allowed = allowedViews();
  const wanted = location.hash.slice(1);
  const view = allowed.includes(wanted) ? wanted : allowed[0];
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.getAttribute('href') === `#${view}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  show(view);
  setStatus('');
  const heading = document.querySelector<HTMLElement>(`#view-${view} h1`);
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
  if (Object.prototype.hasOwnProperty.call(ON_SHOW, view)) void ON_SHOW[view]();
}

function beginSession(view: SessionView): void {
  session = { id: view.id, roles: view.roles };
  setCsrfToken(view.csrfToken);
  byId('who').textContent = `Signed in as ${view.id} (${view.roles.join(', ')})`;
  byId('who').hidden = false;
  byId('logout').hidden = false;
  byId('nav').hidden = false;
  for (const item of navItems()) item.hidden = !hasRole(rolesOf(item));
  allowSubjectAccessExport(hasRole(['ig-auditor']));
  route();
}

/** Forgets the session in the page and shows the sign-in form. */
function endSession(message: string): void {
  session = null;
  setCsrfToken(null);
  byId('who').hidden = true;
  byId('logout').hidden = true;
  byId('nav').hidden = true;
  showLogin(message);
}

async function signIn(event: Event): Promise<void> {
  event.preventDefault();
  const id = byId<HTMLInputElement>('login-id').value.trim();
  const secretInput = byId<HTMLInputElement>('login-secret');
  const secret = secretInput.value;
  secretInput.value = '';
  byId('login-error').textContent = '';
  try {
    const answer = await api<SessionView>(SESSION_PATH, { method: 'POST', json: { id, secret } });
    if (answer.status === 200 && answer.body) return beginSession(answer.body);
    if (answer.status === 403 && /partner/i.test(outcomeText(answer.body, 403))) {
      show('refused');
      byId('refused-back').focus();
      return;
    }
    showLogin(
      answer.status === 401 ? 'That user id and secret were not accepted.' : outcomeText(answer.body, answer.status),
    );
  } catch {
    showLogin('The hub could not be reached.');
  }
}

/** Asks the hub whether this browser has a live session (after a reload). */
async function resumeSession(): Promise<void> {
  try {
    const answer = await api<SessionView>(SESSION_PATH);
    if (answer.status === 200 && answer.body) beginSession(answer.body);
    else showLogin();
  } catch {
    showLogin('The hub could not be reached.');
  }
}

/** Signs out: the hub ends the session (its cookie is then worthless), then the page forgets it. */
async function signOut(): Promise<void> {
  try {
    const answer = await api(SESSION_PATH, { method: 'DELETE' });
    endSession(answer.status === 204 ? 'Signed out.' : outcomeText(answer.body, answer.status));
  } catch {
    endSession('The hub could not be reached: the session ends by itself when idle.');
  }
}

function start(): void {
  const today = new Date();
  byId<HTMLInputElement>('flows-to').value = isoDay(today);
  byId<HTMLInputElement>('flows-from').value = isoDay(daysBefore(today, FLOW_MAP_DAYS));
  whenSessionLost(endSession);
  byId('login-form').addEventListener('submit', (event) => void signIn(event));
  byId('logout').addEventListener('click', () => void signOut());
  byId('refused-back').addEventListener('click', () => showLogin());
  byId('flows-form').addEventListener('submit', (event) => void loadFlows(event));
  byId('flows-event').addEventListener('change', drawFlows);
  byId('chain-verify').addEventListener('click', () => void verifyChain());
  wireAudit();
  wireDeadLetters();
  wireTimeline();
  window.addEventListener('hashchange', route);
  void resumeSession();
}

// A module script runs once the document is parsed.
start();
