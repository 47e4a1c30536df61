import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { AmqpContext, HandlerOutcome } from '@cstr/messaging';
import { ProviderFhirClient } from '../provider/provider-fhir.client';
import { executeProviderWrites } from './provider-writer';
import { planProviderWrites } from './provider-writes';

/** The provider's inbox: hub events written to its FHIR server (see provider-writes.ts). */
@Controller()
export class ProviderInboxController {
  constructor(private readonly fhir: ProviderFhirClient) {}

  @EventPattern('treatment.referral.requested')
  referralRequested(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return executeProviderWrites(this.fhir, planProviderWrites('treatment.referral.requested', bundle, context.getMessage().eventId));
  }

  @EventPattern('risk.changed')
  riskChanged(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return executeProviderWrites(this.fhir, planProviderWrites('risk.changed', bundle, context.getMessage().eventId));
  }
}
