import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { AmqpContext, HandlerOutcome } from '@cstr/messaging';
import { APP_CONFIG, type PartnerAdapterConfig } from '@cstr/platform';
import { DeliusApiClient } from '../delius/delius-api.client';
import { DeliusInboxMetrics } from './delius-inbox.metrics';
import { executeDeliusWrites } from './delius-writer';
import { planDeliusWrites, type DeliusInboxEventType } from './delius-writes';

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

  @EventPattern('treatment.appointment.missed')
  treatmentAppointmentMissed(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.appointment.missed', bundle, context);
  }

  @EventPattern('treatment.appointment.attended')
  treatmentAppointmentAttended(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.appointment.attended', bundle, context);
  }

  @EventPattern('treatment.appointment.booked')
  treatmentAppointmentBooked(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.appointment.booked', bundle, context);
  }

  @EventPattern('risk.changed')
  riskChanged(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('risk.changed', bundle, context);
  }

  @EventPattern('treatment.referral.accepted')
  treatmentReferralAccepted(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.referral.accepted', bundle, context);
  }

  @EventPattern('treatment.referral.rejected')
  treatmentReferralRejected(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.referral.rejected', bundle, context);
  }

  @EventPattern('treatment.episode.ended')
  treatmentEpisodeEnded(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.episode.ended', bundle, context);
  }

  @EventPattern('treatment.assessment.completed')
  treatmentAssessmentCompleted(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.assessment.completed', bundle, context);
  }

  @EventPattern('treatment.suitability.decided')
  treatmentSuitabilityDecided(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.suitability.decided', bundle, context);
  }

  @EventPattern('treatment.progress.reported')
  treatmentProgressReported(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('treatment.progress.reported', bundle, context);
  }

  @EventPattern('consent.recorded')
  consentRecorded(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('consent.recorded', bundle, context);
  }

  @EventPattern('consent.withdrawn')
  consentWithdrawn(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('consent.withdrawn', bundle, context);
  }

  @EventPattern('gp.registration.checked')
  gpRegistrationChecked(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('gp.registration.checked', bundle, context);
  }

  @EventPattern('gp.registration.changed')
  gpRegistrationChanged(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('gp.registration.changed', bundle, context);
  }

  @EventPattern('ld.screening.completed')
  ldScreeningCompleted(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('ld.screening.completed', bundle, context);
  }

  @EventPattern('pathway.candidate.identified')
  pathwayCandidateIdentified(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('pathway.candidate.identified', bundle, context);
  }

  @EventPattern('pathway.deadline.missed')
  pathwayDeadlineMissed(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('pathway.deadline.missed', bundle, context);
  }

  @EventPattern('court.hearing.listed')
  courtHearingListed(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('court.hearing.listed', bundle, context);
  }

  @EventPattern('court.hearing.resulted')
  courtHearingResulted(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('court.hearing.resulted', bundle, context);
  }

  @EventPattern('court.sentence.imposed')
  courtSentenceImposed(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    return this.write('court.sentence.imposed', bundle, context);
  }

  private write(type: DeliusInboxEventType, bundle: unknown, context: AmqpContext): Promise<HandlerOutcome> {
    const { eventId } = context.getMessage();
    const plan = planDeliusWrites(type, bundle, eventId, this.config.PARTNER_ID);
    if (plan.kind === 'nothing') this.metrics.acknowledged(type, plan.code, eventId, plan.reason);
    return executeDeliusWrites(this.delius, plan);
  }
}
