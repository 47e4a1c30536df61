import type { INestApplication } from '@nestjs/common';
import { json, urlencoded } from 'express';
import { AppDefinition } from '@cstr/platform';
import { PartnerSandboxConfig } from './partner-sandbox.config';
import { PartnerSandboxModule } from './partner-sandbox.module';

/**
 * Parses JSON bodies of every JSON media type adapters send: `application/json`,
 * `application/fhir+json` (FHIR clients) and `application/cloudevents+json`; and the form bodies
 * of token requests.
 */
export function configureSandboxHttp(app: INestApplication): void {
  app.use(json({ type: ['application/json', 'application/*+json'], limit: '5mb' }));
  // Token requests (OAuth2 is form-encoded).
  app.use(urlencoded({ extended: false, limit: '64kb' }));
}

/** How the partner sandbox is put together: HTTP only, no queue. */
export const partnerSandboxApp: AppDefinition<PartnerSandboxConfig> = {
  name: 'partner-sandbox',
  configClass: PartnerSandboxConfig,
  module: PartnerSandboxModule,
  configureHttp: (app) => configureSandboxHttp(app),
};
