import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Outcome, type AmqpContext, type HandlerOutcome } from '@cstr/messaging';
import { InboxAcknowledgements, type AcknowledgedTypes } from '@cstr/platform';
import { LD_PARTNER_SETTINGS, type LdPartnerSettings } from '../ld-partner-settings';
import { LdAlertsClient } from './ld-alerts.client';
import { buildListedTodayAlert } from './listed-today-alert.builder';

/** The types the L&D case system takes as "listed today" alerts (`POST {ldSystemUrl}/alerts`). */
const ALERTED = ['pathway.candidate.identified', 'court.hearing.listed'] as const;

/**
 * The types the agreements deliver to L&D that its case system takes without a write: it has one
 * door for the hub, the "listed today" alert, and keeps screenings and consent itself.
 */
export const LD_ACKNOWLEDGED: AcknowledgedTypes = {
  'court.hearing.resulted': {
    code: 'nothing-for-ld-system',
    reason: "The L&D case system takes listings only; the court's result is read in court by the practitioner.",
  },
  'probation.psr.requested': {
    code: 'nothing-for-ld-system',
    reason:
      "The L&D case system has no door for requests; the practitioner shares the screening with the report's author in court.",
  },
  'consent.recorded': {
    code: 'kept-by-ld',
    reason: 'L&D records the consent it takes in its own case system; the hub applies consent to what it shares.',
  },
  'consent.withdrawn': {
    code: 'kept-by-ld',
    reason: 'L&D records the consent it takes in its own case system; the hub stops sharing under a withdrawn one.',
  },
  'pathway.deadline.missed': {
    code: 'nothing-for-ld-system',
    reason: 'The L&D case system has no task list the hub can write to; the pathway dashboard shows the overdue step.',
  },
};

/** Every type the L&D adapter's inbox handles. */
export const LD_INBOX_EVENT_TYPES: readonly string[] = [...ALERTED, ...Object.keys(LD_ACKNOWLEDGED)];

/**
 * The partner's inbox: candidates and hearings the hub delivers become "listed today" alerts; the
 * other types the agreements deliver are acknowledged (logged at debug, counted at `GET /metrics`).
 */
@Controller()
export class LdInboxController {
  constructor(
    private readonly alerts: LdAlertsClient,
    @Inject(LD_PARTNER_SETTINGS) private readonly settings: LdPartnerSettings,
    @Inject(InboxAcknowledgements) private readonly acknowledgements: InboxAcknowledgements,
  ) {}

  @EventPattern([...LD_INBOX_EVENT_TYPES])
  async handle(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    const { eventId, type } = context.getMessage();
    const acknowledged = this.acknowledgements.acknowledge(LD_ACKNOWLEDGED, type, eventId);
    if (acknowledged) return acknowledged;
    const built = buildListedTodayAlert(type, bundle, eventId, this.settings.courts);
    if (!built.ok) return Outcome.deadLetter(built.code, built.reason);
    return this.alerts.post(built.alert);
  }
}
