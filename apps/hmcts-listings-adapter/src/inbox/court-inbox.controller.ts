import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { Outcome, type AmqpContext, type HandlerOutcome } from '@cstr/messaging';
import { InboxAcknowledgements, type AcknowledgedTypes } from '@cstr/platform';

/**
 * The types the agreements deliver to a court. Common Platform offers this adapter no write (it
 * pushes hearings and results to it, and Libra sends lists), so each is acknowledged with its reason.
 */
export const COURT_ACKNOWLEDGED: AcknowledgedTypes = {
  'probation.review.reported': {
    code: 'no-write-door',
    reason:
      "Common Platform takes no documents from this adapter: the hub's audit records the report's delivery, and the court's staff file it in the case from there.",
  },
  'consent.recorded': {
    code: 'nothing-for-court',
    reason: 'The court keeps no consent to share; the hub applies consent to what it shares.',
  },
  'consent.withdrawn': {
    code: 'nothing-for-court',
    reason: 'The court keeps no consent to share; the hub stops sharing under a withdrawn one.',
  },
  'pathway.deadline.missed': {
    code: 'nothing-for-court',
    reason: 'Common Platform has no task list the hub can write to; the pathway dashboard shows the overdue step.',
  },
};

/** Every type the court adapter's inbox handles. */
export const COURT_INBOX_EVENT_TYPES: readonly string[] = Object.keys(COURT_ACKNOWLEDGED);

/** The partner's inbox: every type the agreements deliver to a court, acknowledged (logged at debug, counted at `GET /metrics`). */
@Controller()
export class CourtInboxController {
  constructor(@Inject(InboxAcknowledgements) private readonly acknowledgements: InboxAcknowledgements) {}

  @EventPattern([...COURT_INBOX_EVENT_TYPES])
  handle(@Ctx() context: AmqpContext): HandlerOutcome {
    const { eventId, type } = context.getMessage();
    return (
      this.acknowledgements.acknowledge(COURT_ACKNOWLEDGED, type, eventId) ??
      Outcome.deadLetter('no-handler', `No court plan for event type ${type}`)
    );
  }
}
