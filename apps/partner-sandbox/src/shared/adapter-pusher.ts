import { Inject, Injectable } from '@nestjs/common';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { SandboxTokenIssuer } from '../oauth/sandbox-token-issuer';
import { ReceivedLog, type ReceivedRecord } from './received-log';
import type { SandboxKind } from './sandbox-kind';
import { SandboxPartners } from './sandbox-partners';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox-settings';

/** The stand-ins whose pushes carry a bearer token of the partner's system (the others sign, or send the subscription's header). */
const BEARER_KINDS: ReadonlySet<SandboxKind> = new Set(['hmcts', 'ld', 'pds']);

/** One push from a stand-in to an adapter or subscriber. */
export interface Push {
  readonly kind: SandboxKind;
  readonly partnerId: string;
  readonly method: 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  /** JSON body; none for a DELETE or an empty notification. */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Person identifiers the body does not show (for `received` filtering). */
  readonly identifiers?: readonly string[];
}

/** What came of a push: the adapter's status (null when unreachable) and the record of it. */
export interface PushResult {
  readonly status: number | null;
  readonly responseBody?: unknown;
  readonly error?: string;
  readonly record: ReceivedRecord;
}

/** Sends what the push stand-ins emit, with a timeout, and records each send and its answer. */
@Injectable()
export class AdapterPusher {
  constructor(
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
    private readonly log: ReceivedLog,
    private readonly issuer: SandboxTokenIssuer,
    private readonly partners: SandboxPartners,
  ) {}

  /**
   * The URL for `path` on the partner's adapter: `targetUrl` when given (a full URL, used as is),
   * else the partner's base URL from `SANDBOX_ADAPTER_URLS` + `path`. A 422 OperationOutcome when neither is known.
   */
  adapterUrl(partnerId: string, path: string, targetUrl?: unknown): string {
    if (targetUrl !== undefined) {
      if (typeof targetUrl !== 'string' || !/^https?:\/\/[^\s]+$/.test(targetUrl)) {
        throw new OperationOutcomeError(
          400,
          operationOutcome('error', 'value', 'targetUrl must be an http(s) URL', ['targetUrl']),
        );
      }
      return targetUrl;
    }
    const base = this.settings.adapterUrls[partnerId];
    if (!base) {
      throw new OperationOutcomeError(
        422,
        operationOutcome(
          'error',
          'processing',
          `No adapter URL for ${partnerId}: set it in SANDBOX_ADAPTER_URLS or give a targetUrl`,
          ['targetUrl'],
        ),
      );
    }
    return `${base.replace(/\/+$/, '')}${path}`;
  }

  /** Sends a push and records it; never throws (an unreachable adapter gives status null and the error). */
  async send(push: Push): Promise<PushResult> {
    const headers: Record<string, string> = { ...(push.headers ?? {}) };
    if (push.body !== undefined) headers['content-type'] = push.contentType ?? 'application/json';
    const partner = this.partners.all().find((candidate) => candidate.id === push.partnerId);
    const token = BEARER_KINDS.has(push.kind) && partner ? await this.issuer.partnerSystemToken(partner) : undefined;
    // Sent, never recorded: the received log shows the other headers only.
    const sentHeaders = token ? { ...headers, authorization: `Bearer ${token}` } : headers;
    let status: number | null = null;
    let responseBody: unknown;
    let error: string | undefined;
    try {
      const response = await fetch(push.url, {
        method: push.method,
        headers: sentHeaders,
        body: push.body === undefined ? undefined : JSON.stringify(push.body),
        signal: AbortSignal.timeout(this.settings.pushTimeoutMs),
      });
      status = response.status;
      const text = await response.text();
      responseBody = parseMaybeJson(text);
    } catch (caught) {
      error = describeFetchError(caught);
    }
    const record = this.log.add(
      {
        kind: push.kind,
        partnerId: push.partnerId,
        direction: 'sent',
        method: push.method,
        url: push.url,
        status,
        ...(push.body !== undefined ? { body: push.body } : {}),
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        ...(error ? { error } : {}),
      },
      push.identifiers,
    );
    return { status, ...(responseBody !== undefined ? { responseBody } : {}), ...(error ? { error } : {}), record };
  }
}

function parseMaybeJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 2000);
  }
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
