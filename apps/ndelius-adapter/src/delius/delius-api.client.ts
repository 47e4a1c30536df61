/**
 * The Delius API (contacts, alerts, event details), as the HMPPS APIs answer: errors are
 * `{ status, errorCode, userMessage, developerMessage, moreInfo? }`. Every call ends in a typed
 * {@link DeliusWriteResult} or {@link DeliusReadResult}; nothing here throws on a partner failure.
 */

/** The Delius contact types the pathway writes: attendance, and a drug test result (DTRR). */
export type DeliusContactType = 'ATTC' | 'AFTA' | 'AFTC' | 'DTRR';

/** A contact to record on a case; `externalReference` (the hub event id) makes the write idempotent. */
export interface DeliusContactRequest {
  readonly type: DeliusContactType;
  /** ISO date or date-time. */
  readonly date: string;
  readonly notes?: string;
  readonly externalReference: string;
}

/** An alert for the case's responsible officer. */
export interface DeliusAlertRequest {
  readonly type: string;
  readonly date: string;
  readonly notes: string;
  readonly externalReference: string;
}

/** What a write came to. */
export type DeliusWriteResult =
  | { readonly kind: 'created'; readonly id: string }
  /** The external reference was already recorded: the earlier write stands (idempotent). */
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'unknown-crn' }
  /** Delius refused the request as invalid (4xx): retrying cannot help. */
  | { readonly kind: 'rejected'; readonly status: number; readonly reason: string }
  /** Delius is down, slow or faulting (5xx, 429, timeout, network): try again later. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/** What a read came to. */
export type DeliusReadResult =
  | { readonly kind: 'found'; readonly body: unknown }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'rejected'; readonly status: number; readonly reason: string }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** Settings of one partner's Delius API. */
export interface DeliusApiOptions {
  /** e.g. `http://127.0.0.1:3200/sandbox/delius/nps-london-croydon` (no trailing slash needed). */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  /** Injected in unit tests; the global `fetch` otherwise. */
  readonly fetch?: typeof fetch;
}

const CRN_PATH_SEGMENT = /^[A-Z][0-9]{6}$/;

/** A client of one partner's Delius API. */
export class DeliusApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: DeliusApiOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** `POST case/{crn}/contacts`. */
  createContact(crn: string, contact: DeliusContactRequest): Promise<DeliusWriteResult> {
    return this.write(crn, 'contacts', contact);
  }

  /** `POST case/{crn}/alerts`. */
  createAlert(crn: string, alert: DeliusAlertRequest): Promise<DeliusWriteResult> {
    return this.write(crn, 'alerts', alert);
  }

  /**
   * `GET` of an absolute URL (an event's `detailUrl`). The caller checks the URL against the
   * partner's allow-list first: this method fetches whatever it is given.
   */
  async getJson(url: string): Promise<DeliusReadResult> {
    const response = await this.send(url, { method: 'GET', headers: { accept: 'application/json' } });
    if ('failure' in response) return { kind: 'unavailable', reason: response.failure };
    if (response.status === 404) return { kind: 'not-found' };
    if (response.ok) {
      const body = parseJson(response.text);
      return body === undefined
        ? { kind: 'rejected', status: response.status, reason: 'The detail is not JSON.' }
        : { kind: 'found', body };
    }
    return isTransient(response.status)
      ? { kind: 'unavailable', reason: describe(response) }
      : { kind: 'rejected', status: response.status, reason: describe(response) };
  }

  private async write(crn: string, collection: 'contacts' | 'alerts', body: object): Promise<DeliusWriteResult> {
    // A CRN reaches the URL path only in its canonical form: nothing else can be smuggled into it.
    if (!CRN_PATH_SEGMENT.test(crn)) return { kind: 'rejected', status: 400, reason: 'Not a canonical CRN.' };
    const response = await this.send(`${this.baseUrl}/case/${crn}/${collection}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    if ('failure' in response) return { kind: 'unavailable', reason: response.failure };
    if (response.status === 201 || response.status === 200) {
      const created = parseJson(response.text) as { id?: unknown } | undefined;
      return {
        kind: 'created',
        id: typeof created?.id === 'string' || typeof created?.id === 'number' ? String(created.id) : '',
      };
    }
    if (response.status === 409) return { kind: 'duplicate' };
    if (response.status === 404) return { kind: 'unknown-crn' };
    return isTransient(response.status)
      ? { kind: 'unavailable', reason: describe(response) }
      : { kind: 'rejected', status: response.status, reason: describe(response) };
  }

  private async send(
    url: string,
    init: RequestInit,
  ): Promise<{ status: number; ok: boolean; text: string } | { failure: string }> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await this.fetchImpl(url, { ...init, redirect: 'error', signal });
      return { status: response.status, ok: response.ok, text: await response.text() };
    } catch (error) {
      if (signal.aborted) return { failure: `Delius did not answer within ${this.options.timeoutMs} ms.` };
      return { failure: `Delius could not be reached (${error instanceof Error ? error.name : 'error'}).` };
    }
  }
}

/** Worth retrying later: the partner down or slow, or our token refused even when fresh (credentials being fixed). */
function isTransient(status: number): boolean {
  return status >= 500 || status === 429 || status === 408 || status === 401;
}

function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/** Status and error code only: Delius messages may name the person, and reasons end up in headers. */
function describe(response: { status: number; text: string }): string {
  const body = parseJson(response.text) as { errorCode?: unknown } | undefined;
  const code = typeof body?.errorCode === 'string' ? ` ${body.errorCode.slice(0, 60)}` : '';
  return `Delius answered ${response.status}${code}.`;
}
