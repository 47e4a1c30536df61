/**
 * The provider's FHIR R4 server, through fhir-kit-client. Every call ends in a typed result;
 * nothing here throws on a partner failure.
 */
import Client from 'fhir-kit-client';
import type { FhirResource } from 'fhir/r4';
import type { AccessTokenSource } from '@cstr/platform';

/** What a write or read came to. */
export type FhirCallResult<T> =
  | { readonly kind: 'ok'; readonly resource: T }
  /** The server refused the request as invalid (4xx other than 408/429): retrying cannot help. */
  | { readonly kind: 'rejected'; readonly status: number; readonly reason: string }
  /** Down, slow or faulting (5xx, 408, 429, timeout, network): try again later. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/** Writes the adapter makes on the provider's server (an interface so handlers can be tested alone). */
export interface ProviderFhirWriter {
  /**
   * `POST {type}` with `If-None-Exist: {query}`: creates the resource unless one matches the query,
   * in which case the existing one comes back and nothing is created (so a redelivery makes no duplicate).
   */
  conditionalCreate<T extends FhirResource>(resource: T, query: string): Promise<FhirCallResult<T>>;
}

/** A client of one provider's FHIR server. */
export class ProviderFhirClient implements ProviderFhirWriter {
  private readonly client: Client;

  /**
   * @param tokens the provider's token endpoint (OAuth2 client credentials, as SMART backend
   * services): every request carries its bearer token; a 401 gets a new token and one retry.
   */
  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
    private readonly tokens?: AccessTokenSource,
  ) {
    this.client = new Client({ baseUrl });
  }

  conditionalCreate<T extends FhirResource>(resource: T, query: string): Promise<FhirCallResult<T>> {
    return this.call(
      (signal, auth) =>
        this.client.create({
          resourceType: resource.resourceType,
          body: resource,
          options: { headers: { ...auth, 'If-None-Exist': query, accept: 'application/fhir+json' }, signal },
        }) as Promise<T>,
    );
  }

  /** `POST {type}`: an unconditional create. */
  create<T extends FhirResource>(resource: T): Promise<FhirCallResult<T>> {
    return this.call(
      (signal, headers) =>
        this.client.create({
          resourceType: resource.resourceType,
          body: resource,
          options: { headers, signal },
        }) as Promise<T>,
    );
  }

  /** `PUT {type}/{id}`: an update. */
  update<T extends FhirResource & { id: string }>(resource: T): Promise<FhirCallResult<T>> {
    return this.call(
      (signal, headers) =>
        this.client.update({
          resourceType: resource.resourceType,
          id: resource.id,
          body: resource,
          options: { headers, signal },
        }) as Promise<T>,
    );
  }

  /** `GET {type}/{id}`. */
  read<T extends FhirResource>(resourceType: T['resourceType'], id: string): Promise<FhirCallResult<T>> {
    return this.call(
      (signal, headers) => this.client.read({ resourceType, id, options: { headers, signal } }) as Promise<T>,
    );
  }

  /** `GET {type}?{params}`: the resources of the first page of a search. */
  search<T extends FhirResource>(
    resourceType: T['resourceType'],
    searchParams: Record<string, string>,
  ): Promise<FhirCallResult<T[]>> {
    return this.call(async (signal, headers) => {
      const bundle = (await this.client.search({ resourceType, searchParams, options: { headers, signal } })) as {
        entry?: { resource?: T }[];
      };
      return (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
    });
  }

  /** The server's CapabilityStatement (`GET metadata`). */
  capabilityStatement(): Promise<FhirCallResult<FhirResource>> {
    return this.call(
      (signal, headers) =>
        this.client.request('metadata', { options: { headers, signal } } as never) as Promise<FhirResource>,
    );
  }

  private async call<T>(
    request: (signal: AbortSignal, headers: Record<string, string>) => Promise<T>,
  ): Promise<FhirCallResult<T>> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    let token: string | undefined;
    const attempt = async (): Promise<T> => {
      token = this.tokens ? await this.tokens.token() : undefined;
      return request(signal, token ? { authorization: `Bearer ${token}` } : {});
    };
    try {
      try {
        return { kind: 'ok', resource: await attempt() };
      } catch (error) {
        // A 401 with a token: it may have been revoked or expired early; one retry with a new one.
        if (!token || statusOf(error) !== 401) throw error;
        this.tokens?.invalidate(token);
        return { kind: 'ok', resource: await attempt() };
      }
    } catch (error) {
      if ((error as { code?: unknown })?.code === 'token-unavailable')
        return { kind: 'unavailable', reason: 'No access token from the provider’s token endpoint.' };
      if (signal.aborted)
        return { kind: 'unavailable', reason: `The FHIR server did not answer within ${this.timeoutMs} ms.` };
      const status = (error as { response?: { status?: unknown } })?.response?.status;
      if (typeof status !== 'number') return { kind: 'unavailable', reason: 'The FHIR server could not be reached.' };
      const reason = `The FHIR server answered ${status}${issueCodeOf(error)}.`;
      // 401 even with a fresh token: credentials being fixed, worth retrying later.
      return status >= 500 || status === 408 || status === 429 || status === 401
        ? { kind: 'unavailable', reason }
        : { kind: 'rejected', status, reason };
    }
  }
}

function statusOf(error: unknown): unknown {
  return (error as { response?: { status?: unknown } })?.response?.status;
}

/** The first OperationOutcome issue code, never its diagnostics (they may echo personal data). */
function issueCodeOf(error: unknown): string {
  const data = (error as { response?: { data?: { resourceType?: unknown; issue?: { code?: unknown }[] } } }).response
    ?.data;
  const code = data?.resourceType === 'OperationOutcome' ? data.issue?.[0]?.code : undefined;
  return typeof code === 'string' ? ` ${code.slice(0, 40)}` : '';
}
