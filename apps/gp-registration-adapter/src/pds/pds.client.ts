import { Inject, Injectable, Optional } from '@nestjs/common';
import { APP_CONFIG } from '@cstr/platform';
import type { GpRegistrationAdapterConfig } from '../gp-registration-adapter.config';
import { GP_PARTNER_SETTINGS, type GpPartnerSettings } from '../gp-partner-settings';

/** A PDS read: the Patient, or what went wrong (without personal data). */
export type PdsRead =
  | { readonly kind: 'found'; readonly patient: unknown }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'refused'; readonly status: number }
  | { readonly kind: 'unavailable'; readonly reason: string }
  | { readonly kind: 'not-allowed' };

/** DI token of the `fetch` PDS is called with: one that adds the application-restricted access token. */
export const PDS_FETCH = Symbol('PDS_FETCH');

/** Reads Patients from the PDS-style service, and only from it. */
@Injectable()
export class PdsClient {
  constructor(
    @Inject(GP_PARTNER_SETTINGS) private readonly settings: GpPartnerSettings,
    @Inject(APP_CONFIG) private readonly config: Pick<GpRegistrationAdapterConfig, 'PDS_TIMEOUT_MS'>,
    @Optional() @Inject(PDS_FETCH) private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** `GET {pdsBaseUrl}/Patient/{nhsNumber}`. */
  readPatient(nhsNumber: string): Promise<PdsRead> {
    return this.read(`${this.settings.pdsBaseUrl}/Patient/${encodeURIComponent(nhsNumber)}`);
  }

  /**
   * Reads a URL a change-of-GP signal points to (`dataref`): only under `pdsBaseUrl`, so a
   * signal cannot make the adapter fetch anything else.
   */
  readDataref(url: string): Promise<PdsRead> {
    if (!url.startsWith(`${this.settings.pdsBaseUrl}/Patient/`)) return Promise.resolve({ kind: 'not-allowed' });
    return this.read(url);
  }

  private async read(url: string): Promise<PdsRead> {
    try {
      const response = await this.fetchImpl(url, {
        headers: { accept: 'application/fhir+json' },
        signal: AbortSignal.timeout(this.config.PDS_TIMEOUT_MS),
      });
      if (response.status === 200) return { kind: 'found', patient: (await response.json()) as unknown };
      await response.arrayBuffer().catch(() => undefined);
      if (response.status === 404) return { kind: 'not-found' };
      // 401: even a fresh token was refused (credentials being fixed): try again later.
      if (response.status === 401 || response.status === 408 || response.status === 429 || response.status >= 500)
        return { kind: 'unavailable', reason: `PDS answered ${response.status}` };
      return { kind: 'refused', status: response.status };
    } catch (error) {
      return {
        kind: 'unavailable',
        reason: `PDS could not be reached (${error instanceof Error ? error.name : 'Error'})`,
      };
    }
  }
}
