import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { AmqpContext, HandlerOutcome } from '@cstr/messaging';
import { InboxAcknowledgements, type AcknowledgedTypes } from '@cstr/platform';
import { GpRegistrationService } from './gp-registration.service';

/** The events after which the person's GP registration is checked with PDS. */
const CHECKED = ['court.sentence.imposed', 'probation.psr.requested'] as const;

/**
 * The types the agreements deliver to the GP registration service that need no PDS call: it is a
 * registration lookup, not a records system.
 */
export const GP_ACKNOWLEDGED: AcknowledgedTypes = {
  'treatment.episode.ended': {
    code: 'not-a-records-system',
    reason:
      "PDS keeps registrations, not clinical letters: the practice's discharge summary goes from the provider's own system.",
  },
  'consent.recorded': {
    code: 'not-a-records-system',
    reason: 'PDS keeps no consent; the hub applies consent to what it shares.',
  },
  'consent.withdrawn': {
    code: 'not-a-records-system',
    reason: 'PDS keeps no consent; the hub stops sharing under a withdrawn one.',
  },
  'pathway.deadline.missed': {
    code: 'not-a-records-system',
    reason: 'PDS has no task list; the pathway dashboard shows the overdue step.',
  },
};

/** Every type the GP adapter's inbox handles. */
export const GP_INBOX_EVENT_TYPES: readonly string[] = [...CHECKED, ...Object.keys(GP_ACKNOWLEDGED)];

/**
 * The partner's inbox: a sentence or a PSR request makes the adapter check the person's GP
 * registration; the other types are acknowledged (logged at debug, counted at `GET /metrics`).
 */
@Controller()
export class GpInboxController {
  constructor(
    private readonly registrations: GpRegistrationService,
    @Inject(InboxAcknowledgements) private readonly acknowledgements: InboxAcknowledgements,
  ) {}

  @EventPattern([...GP_INBOX_EVENT_TYPES])
  handle(@Payload() bundle: unknown, @Ctx() context: AmqpContext): Promise<HandlerOutcome> {
    const { eventId, type } = context.getMessage();
    const acknowledged = this.acknowledgements.acknowledge(GP_ACKNOWLEDGED, type, eventId);
    if (acknowledged) return Promise.resolve(acknowledged);
    return this.registrations.checkDelivered(bundle, eventId, context.getScope());
  }
}
