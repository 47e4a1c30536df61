import { Inject, Injectable } from '@nestjs/common';
import { Outcome, type HandlerOutcome } from '@cstr/messaging';
import { APP_CONFIG } from '@cstr/platform';
import type { LdAdapterConfig } from '../ld-adapter.config';
import { LD_PARTNER_SETTINGS, type LdPartnerSettings } from '../ld-partner-settings';
import type { ListedTodayAlert } from './listed-today-alert.builder';

/**
 * Posts "listed today" alerts to the L&D case system. Idempotent: the alert's externalReference is
 * the hub event id, and a 409 (already there) counts as done. The partner being down (network
 * error, timeout, 408, 429, 5xx) means retry with back-off, then the DLQ; any other refusal is final.
 */
@Injectable()
export class LdAlertsClient {
  constructor(
    @Inject(LD_PARTNER_SETTINGS) private readonly settings: LdPartnerSettings,
    @Inject(APP_CONFIG) private readonly config: Pick<LdAdapterConfig, 'LD_TIMEOUT_MS'>,
  ) {}

  async post(alert: ListedTodayAlert): Promise<HandlerOutcome> {
    let status: number;
    try {
      const response = await fetch(`${this.settings.ldSystemUrl}/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(alert),
        signal: AbortSignal.timeout(this.config.LD_TIMEOUT_MS),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      return Outcome.retry(`The L&D case system could not be reached (${name}).`);
    }
    if (status === 201 || status === 200 || status === 409) return Outcome.done();
    if (status === 408 || status === 429 || status >= 500)
      return Outcome.retry(`The L&D case system answered ${status}.`);
    return Outcome.deadLetter('partner-refused', `The L&D case system refused the alert with ${status}.`);
  }
}
