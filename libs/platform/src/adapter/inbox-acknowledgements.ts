import { Controller, Get, HttpStatus, Inject, Logger, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Counter, Registry } from 'prom-client';
import type { EventType } from '@cstr/contracts';
import { Outcome, type HandlerOutcome } from '@cstr/messaging';

/** Why a partner's system takes an event type without a write: a short code (a metric label) and the reason. */
export interface Acknowledgement {
  readonly code: string;
  readonly reason: string;
}

/** The event types an adapter acknowledges without a write, each with its reason. */
export type AcknowledgedTypes = Partial<Readonly<Record<EventType, Acknowledgement>>>;

/**
 * An adapter inbox's acknowledgements: events from the hub that the partner's system takes without
 * a write (it gets them elsewhere, or there is nothing in them for it), each logged at debug with
 * its reason and counted by type and reason in `cstr_<adapter>_events_acknowledged_total`, served
 * at `GET /metrics`. An acknowledgement is never a dead letter.
 */
export class InboxAcknowledgements {
  readonly registry = new Registry();
  private readonly logger: Logger;
  private readonly acknowledgedTotal: Counter<'type' | 'reason'>;

  /** @param adapter the metric's middle part and the log context, e.g. `provider` or `ld`. */
  constructor(adapter: string, partnerSystem: string) {
    this.logger = new Logger(`${adapter}-inbox`);
    this.acknowledgedTotal = new Counter<'type' | 'reason'>({
      name: `cstr_${adapter.replace(/[^a-z0-9]+/gi, '_')}_events_acknowledged_total`,
      help: `Events from the hub acknowledged without a write to ${partnerSystem}, by event type and reason.`,
      labelNames: ['type', 'reason'],
      registers: [this.registry],
    });
  }

  /** Records that `eventId` of `type` needs nothing written, with a short `code` (a metric label) and the reason. */
  acknowledged(type: string, code: string, eventId: string, reason: string): void {
    this.logger.debug(`Acknowledged ${type} ${eventId} without a write (${code}): ${reason}`);
    this.acknowledgedTotal.inc({ type, reason: code });
  }

  /** When `acknowledged` lists `type`: logs and counts it, and the message is done; otherwise undefined. */
  acknowledge(acknowledged: AcknowledgedTypes, type: string, eventId: string): HandlerOutcome | undefined {
    const acknowledgement = (acknowledged as Readonly<Record<string, Acknowledgement | undefined>>)[type];
    if (!acknowledgement) return undefined;
    this.acknowledged(type, acknowledgement.code, eventId, acknowledgement.reason);
    return Outcome.done();
  }

  /** The count for one event type and reason (for tests and diagnostics). */
  async acknowledgedCount(type: string, code: string): Promise<number> {
    const { values } = await this.acknowledgedTotal.get();
    return values.find((value) => value.labels.type === type && value.labels.reason === code)?.value ?? 0;
  }
}

/** `GET /metrics` (Prometheus text format): the adapter's {@link InboxAcknowledgements}. Adapters listen on loopback only. */
@Controller('metrics')
export class InboxMetricsController {
  constructor(@Inject(InboxAcknowledgements) private readonly acknowledgements: InboxAcknowledgements) {}

  @Get()
  async scrape(@Res() response: Response): Promise<void> {
    response
      .status(HttpStatus.OK)
      .type(this.acknowledgements.registry.contentType)
      .send(await this.acknowledgements.registry.metrics());
  }
}
