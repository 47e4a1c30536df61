import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { AmqpContext, HandlerOutcome } from '@cstr/messaging';
import { GpRegistrationService } from './gp-registration.service';

/** The partner's inbox: the events after which the person's GP registration must be checked. */
@Controller()
export class GpInboxController {
  constructor(private readonly registrations: GpRegistrationService) {}

  @EventPattern('court.sentence.imposed')
  sentenceImposed(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.registrations.checkDelivered(bundle, context.getMessage().eventId, context.getScope());
  }

  @EventPattern('probation.psr.requested')
  psrRequested(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.registrations.checkDelivered(bundle, context.getMessage().eventId, context.getScope());
  }
}
