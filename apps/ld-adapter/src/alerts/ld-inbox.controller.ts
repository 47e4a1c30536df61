import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Outcome, type AmqpContext, type HandlerOutcome } from '@cstr/messaging';
import { LD_PARTNER_SETTINGS, type LdPartnerSettings } from '../ld-partner-settings';
import { LdAlertsClient } from './ld-alerts.client';
import { buildListedTodayAlert } from './listed-today-alert.builder';

/** The partner's inbox: candidates and hearings the hub delivers become "listed today" alerts. */
@Controller()
export class LdInboxController {
  constructor(
    private readonly alerts: LdAlertsClient,
    @Inject(LD_PARTNER_SETTINGS) private readonly settings: LdPartnerSettings,
  ) {}

  @EventPattern('pathway.candidate.identified')
  candidate(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.alert('pathway.candidate.identified', bundle, context);
  }

  @EventPattern('court.hearing.listed')
  hearingListed(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.alert('court.hearing.listed', bundle, context);
  }

  private async alert(type: string, bundle: unknown, context: AmqpContext): Promise<HandlerOutcome> {
    const built = buildListedTodayAlert(type, bundle, context.getMessage().eventId, this.settings.courts);
    if (!built.ok) return Outcome.deadLetter(built.code, built.reason);
    return this.alerts.post(built.alert);
  }
}
