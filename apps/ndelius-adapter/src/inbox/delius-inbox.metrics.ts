import { Logger } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import type { AcknowledgedReason, DeliusInboxEventType } from './delius-writes';

/**
 * The inbox's Prometheus registry (served at `GET /metrics`): how many events were acknowledged
 * without a Delius write, by event type and reason. An acknowledgement is also logged at debug, so
 * an operator can follow one event id; it is never a dead letter.
 */
export class DeliusInboxMetrics {
  readonly registry = new Registry();
  private readonly logger = new Logger('DeliusInbox');
  private readonly acknowledgedTotal = new Counter<'type' | 'reason'>({
    name: 'cstr_ndelius_events_acknowledged_total',
    help: 'Events from the hub acknowledged without a Delius write, by event type and reason (e.g. from-common-platform).',
    labelNames: ['type', 'reason'],
    registers: [this.registry],
  });

  /** Records that `eventId` of `type` needs nothing written to Delius. */
  acknowledged(type: DeliusInboxEventType, code: AcknowledgedReason, eventId: string, reason: string): void {
    this.logger.debug(`Acknowledged ${type} ${eventId} without a Delius write (${code}): ${reason}`);
    this.acknowledgedTotal.inc({ type, reason: code });
  }

  /** The count for one event type and reason (for tests and diagnostics). */
  async acknowledgedCount(type: DeliusInboxEventType, code: AcknowledgedReason): Promise<number> {
    const { values } = await this.acknowledgedTotal.get();
    return values.find((value) => value.labels.type === type && value.labels.reason === code)?.value ?? 0;
  }
}
