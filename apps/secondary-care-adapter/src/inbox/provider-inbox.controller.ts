import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { AmqpContext, HandlerOutcome } from '@cstr/messaging';
import { ProviderFhirClient } from '../provider/provider-fhir.client';
import { PROVIDER_PARTNER_SETTINGS } from '../provider/provider-partner.token';
import type { ProviderPartnerSettings } from '../provider/provider-partner-settings';
import { executeProviderWrites } from './provider-writer';
import { planProviderWrites, type ProviderInboxEventType } from './provider-writes';

/** The provider's inbox: hub events written to its FHIR server (see provider-writes.ts). */
@Controller()
export class ProviderInboxController {
  constructor(
    private readonly fhir: ProviderFhirClient,
    @Inject(PROVIDER_PARTNER_SETTINGS) private readonly partner: ProviderPartnerSettings,
  ) {}

  @EventPattern('treatment.referral.requested')
  referralRequested(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.referral.requested', bundle, context);
  }

  @EventPattern('risk.changed')
  riskChanged(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('risk.changed', bundle, context);
  }

  @EventPattern('court.sentence.imposed')
  sentenceImposed(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('court.sentence.imposed', bundle, context);
  }

  @EventPattern('probation.case.allocated')
  caseAllocated(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('probation.case.allocated', bundle, context);
  }

  private write(type: ProviderInboxEventType, bundle: unknown, context: AmqpContext): Promise<HandlerOutcome> {
    return executeProviderWrites(
      this.fhir,
      planProviderWrites(type, bundle, context.getMessage().eventId, this.partner.partnerId),
    );
  }
}
