/**
 * The provider's FHIR R4 server, through fhir-kit-client. Every call ends in a typed result;
 * nothing here throws on a partner failure.
 */
import Client from 'fhir-kit-client';
import type { FhirResource } from 'fhir/r4';

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

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.client = new Client({ baseUrl });
  }

  conditionalCreate<T extends FhirResource>(resource: T, query: string): Promise<FhirCallResult<T>> {
    return this.call(
      (signal) =>
        this.client.create({
          resourceType: resource.resourceType,
          body: resource,
          options: { headers: { 'If-None-Exist': query, accept: 'application/fhir+json' }, signal },
        }) as Promise<T>,
    );
  }

  /** `POST {type}`: an unconditional create. */
  create<T extends FhirResource>(resource: T): Promise<FhirCallResult<T>> {
    return this.call(
      (signal) =>
        this.client.create({ resourceType: resource.resourceType, body: resource, options: { signal } }) as Promise<T>,
    );
  }

  /** `GET {type}/{id}`. */
  read<T extends FhirResource>(resourceType: T['resourceType'], id: string): Promise<FhirCallResult<T>> {
    return this.call((signal) => this.client.read({ resourceType, id, options: { signal } }) as Promise<T>);
  }

  /** `GET {type}?{params}`: the resources of the first page of a search. */
  search<T extends FhirResource>(
    resourceType: T['resourceType'],
    searchParams: Record<string, string>,
  ): Promise<FhirCallResult<T[]>> {
    return this.call(async (signal) => {
      const bundle = (await this.client.search({ resourceType, searchParams, options: { signal } })) as {
        entry?: { resource?: T }[];
      };
      return (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
    });
  }

  /** The server's CapabilityStatement (`GET metadata`). */
  capabilityStatement(): Promise<FhirCallResult<FhirResource>> {
    return this.call(
      (signal) => this.client.request('metadata', { options: { signal } } as never) as Promise<FhirResource>,
    );
  }

  private async call<T>(request: (signal: AbortSignal) => Promise<T>): Promise<FhirCallResult<T>> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      return { kind: 'ok', resource: await request(signal) };
    } catch (error) {
      if (signal.aborted)
        return { kind: 'unavailable', reason: `The FHIR server did not answer within ${this.timeoutMs} ms.` };
      const status = (error as { response?: { status?: unknown } })?.response?.status;
      if (typeof status !== 'number') return { kind: 'unavailable', reason: 'The FHIR server could not be reached.' };
      const reason = `The FHIR server answered ${status}${issueCodeOf(error)}.`;
      return status >= 500 || status === 408 || status === 429
        ? { kind: 'unavailable', reason }
        : { kind: 'rejected', status, reason };
    }
  }
}

/** The first OperationOutcome issue code, never its diagnostics (they may echo personal data). */
function issueCodeOf(error: unknown): string {
  const data = (error as { response?: { data?: { resourceType?: unknown; issue?: { code?: unknown }[] } } }).response
    ?.data;
  const code = data?.resourceType === 'OperationOutcome' ? data.issue?.[0]?.code : undefined;
  return typeof code === 'string' ? ` ${code.slice(0, 40)}` : '';
}
