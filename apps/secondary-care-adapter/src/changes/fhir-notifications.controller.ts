import { Body, Controller, Inject, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { operationOutcome } from '@cstr/contracts';
import { InboundAuthGuard } from '@cstr/platform';
import { PROVIDER_PARTNER_SETTINGS } from '../provider/provider-partner.token';
import type { ProviderPartnerSettings } from '../provider/provider-partner-settings';
import { ProviderChangeIntake } from './provider-change-intake';

/**
 * `POST /fhir-notifications`: the provider's rest-hook Subscriptions notify here with an id-only
 * history Bundle. Each entry's `fullUrl` is read back only when it is a resource of the provider's
 * own server (`{fhirBaseUrl}/{type}/{id}`): the adapter never follows a URL elsewhere.
 * 200 once every entry is taken in; 502 when the server could not be read; 400 for a bad body;
 * 401 without the secret header the adapter set in its Subscriptions' `channel.header`.
 */
@Controller()
@UseGuards(InboundAuthGuard)
export class FhirNotificationsController {
  constructor(
    private readonly intake: ProviderChangeIntake,
    @Inject(PROVIDER_PARTNER_SETTINGS) private readonly partner: ProviderPartnerSettings,
  ) {}

  @Post('fhir-notifications')
  async notify(@Body() bundle: unknown, @Res() response: Response): Promise<void> {
    const entries =
      (bundle as { resourceType?: unknown; entry?: unknown })?.resourceType === 'Bundle'
        ? ((bundle as { entry?: unknown }).entry ?? [])
        : undefined;
    if (!Array.isArray(entries)) {
      response
        .status(400)
        .type('application/fhir+json')
        .json(operationOutcome('error', 'invalid', 'The body must be a FHIR Bundle (a history Bundle of ids).'));
      return;
    }
    const base = `${this.partner.fhirBaseUrl.replace(/\/+$/, '')}/`;
    let taken = 0;
    for (const [index, entry] of entries.entries()) {
      const fullUrl = (entry as { fullUrl?: unknown })?.fullUrl;
      const match =
        typeof fullUrl === 'string' && fullUrl.startsWith(base)
          ? /^([A-Za-z]+)\/([A-Za-z0-9.-]{1,64})$/.exec(fullUrl.slice(base.length))
          : null;
      if (!match) {
        response
          .status(400)
          .type('application/fhir+json')
          .json(
            operationOutcome('error', 'security', 'fullUrl is not a resource of the provider server.', [
              `Bundle.entry[${index}].fullUrl`,
            ]),
          );
        return;
      }
      const result = await this.intake.ingest(match[1], match[2]);
      if (result.kind === 'unavailable') {
        response
          .status(502)
          .type('application/fhir+json')
          .json(operationOutcome('error', 'transient', result.reason, [`Bundle.entry[${index}].fullUrl`]));
        return;
      }
      if (result.kind === 'published') taken += result.events;
    }
    response.status(200).json({ events: taken });
  }
}
