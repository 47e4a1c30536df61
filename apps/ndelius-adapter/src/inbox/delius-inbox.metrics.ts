import { InboxAcknowledgements } from '@cstr/platform';
import type { AcknowledgedReason, DeliusInboxEventType } from './delius-writes';

/**
 * The inbox's acknowledgements (served at `GET /metrics`): how many events were acknowledged
 * without a Delius write, by event type and reason, in `cstr_ndelius_events_acknowledged_total`.
 * An acknowledgement is also logged at debug, so an operator can follow one event id; it is never
 * a dead letter. The shared {@link InboxAcknowledgements}, typed with the inbox's types and reasons.
 */
export class DeliusInboxMetrics extends InboxAcknowledgements {
  constructor() {
    super('ndelius', 'Delius');
  }

  /** Records that `eventId` of `type` needs nothing written to Delius. */
  override acknowledged(type: DeliusInboxEventType, code: AcknowledgedReason, eventId: string, reason: string): void {
    super.acknowledged(type, code, eventId, reason);
  }
}
