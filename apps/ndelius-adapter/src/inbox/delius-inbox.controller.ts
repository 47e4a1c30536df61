import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Outcome, type AmqpContext, type HandlerOutcome } from '@cstr/messaging';
import { APP_CONFIG, type PartnerAdapterConfig } from '@cstr/platform';
import { DeliusApiClient } from '../delius/delius-api.client';
import { DeliusInboxMetrics } from './delius-inbox.metrics';
import { executeDeliusWrites } from './delius-writer';
import { DELIUS_INBOX_EVENT_TYPES, isDeliusInboxEventType, planDeliusWrites } from './delius-writes';

/**
 * The partner's inbox: every event type the agreements deliver to probation (see delius-writes.ts)
 * is written to Delius as contacts and alerts, or acknowledged (logged at debug and counted), so
 * none ends in the dead-letter queue for want of a handler.
 */
@Controller()
export class DeliusInboxController {
  constructor(
    private readonly delius: DeliusApiClient,
    @Inject(DeliusInboxMetrics) private readonly metrics: DeliusInboxMetrics,
    @Inject(APP_CONFIG) private readonly config: PartnerAdapterConfig,
  ) {}

  @EventPattern([...DELIUS_INBOX_EVENT_TYPES])
  handle(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    const { eventId, type } = context.getMessage();
    if (!isDeliusInboxEventType(type))
      return Promise.resolve(Outcome.deadLetter('no-handler', `No Delius plan for event type ${type}`));
    const plan = planDeliusWrites(type, bundle, eventId, this.config.PARTNER_ID);
    if (plan.kind === 'nothing') this.metrics.acknowledged(type, plan.code, eventId, plan.reason);
    return executeDeliusWrites(this.delius, plan);
  }
}
