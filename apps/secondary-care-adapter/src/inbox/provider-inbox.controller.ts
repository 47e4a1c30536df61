import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Outcome, type AmqpContext, type HandlerOutcome } from '@cstr/messaging';
import { InboxAcknowledgements } from '@cstr/platform';
import { ProviderFhirClient } from '../provider/provider-fhir.client';
import { PROVIDER_PARTNER_SETTINGS } from '../provider/provider-partner.token';
import type { ProviderPartnerSettings } from '../provider/provider-partner-settings';
import { executeProviderWrites } from './provider-writer';
import { PROVIDER_INBOX_EVENT_TYPES, isProviderInboxEventType, planProviderWrites } from './provider-writes';

/**
 * The provider's inbox: every event type the agreements deliver to a treatment provider is written
 * to its FHIR server, or acknowledged (logged at debug and counted at `GET /metrics`), so none ends
 * in the dead-letter queue for want of a handler (see provider-writes.ts).
 */
@Controller()
export class ProviderInboxController {
  constructor(
    private readonly fhir: ProviderFhirClient,
    @Inject(PROVIDER_PARTNER_SETTINGS) private readonly partner: ProviderPartnerSettings,
    @Inject(InboxAcknowledgements) private readonly acknowledgements: InboxAcknowledgements,
  ) {}

  @EventPattern([...PROVIDER_INBOX_EVENT_TYPES])
  handle(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    const { eventId, type } = context.getMessage();
    if (!isProviderInboxEventType(type))
      return Promise.resolve(Outcome.deadLetter('no-handler', `No provider plan for event type ${type}`));
    const plan = planProviderWrites(type, bundle, eventId, this.partner.partnerId);
    if (plan.kind === 'nothing-for-provider') this.acknowledgements.acknowledged(type, plan.code, eventId, plan.reason);
    return executeProviderWrites(this.fhir, plan);
  }
}
