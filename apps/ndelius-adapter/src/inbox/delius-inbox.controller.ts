import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { AmqpContext, HandlerOutcome } from '@cstr/messaging';
import { APP_CONFIG, type PartnerAdapterConfig } from '@cstr/platform';
import { DeliusApiClient } from '../delius/delius-api.client';
import { executeDeliusWrites } from './delius-writer';
import { planDeliusWrites, type DeliusInboxEventType } from './delius-writes';

/** The partner's inbox: events from the hub written to Delius as contacts and alerts (see delius-writes.ts). */
@Controller()
export class DeliusInboxController {
  constructor(
    private readonly delius: DeliusApiClient,
    @Inject(APP_CONFIG) private readonly config: PartnerAdapterConfig,
  ) {}

  @EventPattern('treatment.appointment.missed')
  appointmentMissed(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.appointment.missed', bundle, context);
  }

  @EventPattern('treatment.appointment.attended')
  appointmentAttended(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.appointment.attended', bundle, context);
  }

  @EventPattern('risk.changed')
  riskChanged(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('risk.changed', bundle, context);
  }

  @EventPattern('treatment.referral.accepted')
  referralAccepted(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.referral.accepted', bundle, context);
  }

  @EventPattern('treatment.referral.rejected')
  referralRejected(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.referral.rejected', bundle, context);
  }

  @EventPattern('treatment.episode.ended')
  episodeEnded(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.episode.ended', bundle, context);
  }

  private write(type: DeliusInboxEventType, bundle: unknown, context: AmqpContext): Promise<HandlerOutcome> {
    return executeDeliusWrites(this.delius, planDeliusWrites(type, bundle, context.getMessage().eventId, this.config.PARTNER_ID));
  }
}
