import { createHash, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { operationOutcome, operationOutcomeOf, type OperationOutcome } from '@cstr/contracts';
import { isHmppsEventOfInterest, mapHmppsDomainEvent, type EventInput, type MappingContext } from '@cstr/fhir';
import { payloadEventIds, type IngressPublisher } from '@cstr/platform';
import type { DeliusApiClient } from '../delius/delius-api.client';
import type { DetailUrlAllowList } from '../delius/detail-url-allow-list';

/** The HTTP answer to one notification. */
export interface IntakeAnswer {
  readonly status: 200 | 202 | 400 | 422 | 502;
  readonly body:
    | OperationOutcome
    | { readonly outcome: 'ignored'; readonly reason: string }
    | { readonly outcome: 'published'; readonly events: number };
}

/**
 * `POST /domain-events`: an SNS notification whose `Message` is an HMPPS domain event.
 * Events the hub does not follow are acknowledged and dropped. For the others, the `detailUrl`
 * is fetched **only** when it starts with an allow-listed prefix (anything else is refused,
 * reported and never fetched), the event is mapped and published. Delius being unreachable is a
 * 502 so the sender redelivers; bad input is a 400/422 OperationOutcome; nothing throws.
 * Event ids derive from the notification's SNS `MessageId` (UUID v5), so a redelivery of one
 * notification publishes the same event ids and the hub applies it once.
 */
export class DomainEventIntake {
  constructor(
    private readonly delius: DeliusApiClient,
    private readonly allowList: DetailUrlAllowList,
    private readonly context: () => MappingContext,
    private readonly dataSource: DataSource,
    private readonly publisher: IngressPublisher,
  ) {}

  async receive(notification: unknown): Promise<IntakeAnswer> {
    const message = readSnsMessage(notification);
    if ('issue' in message) return { status: 400, body: message };
    if (!isHmppsEventOfInterest(message.event)) {
      return { status: 200, body: { outcome: 'ignored', reason: 'Not an event type the hub follows.' } };
    }
    const detailUrl = (message.event as { detailUrl?: unknown }).detailUrl;
    if (typeof detailUrl !== 'string' || !this.allowList.allows(detailUrl)) {
      return {
        status: 422,
        body: operationOutcome(
          'error',
          'security',
          'detailUrl is missing or not under an allow-listed prefix: refused, not fetched.',
          ['Message.detailUrl'],
        ),
      };
    }
    const detail = await this.delius.getJson(detailUrl);
    if (detail.kind === 'unavailable')
      return { status: 502, body: operationOutcome('error', 'transient', detail.reason, ['Message.detailUrl']) };
    if (detail.kind !== 'found') {
      return {
        status: 422,
        body: operationOutcome('error', 'not-found', `The detail could not be read (${detail.kind}).`, [
          'Message.detailUrl',
        ]),
      };
    }
    const base = this.context();
    const mapped = mapHmppsDomainEvent(message.event, detail.body, {
      ...base,
      newId: payloadEventIds(base.senderPartnerId, `sns ${message.identity}`),
    });
    if (mapped.kind === 'ignored') return { status: 200, body: { outcome: 'ignored', reason: mapped.reason } };
    if (mapped.kind === 'invalid') return { status: 422, body: mapped.outcome };
    return this.publish(mapped.events);
  }

  /** Queues the events of one notification in one transaction: all of them, or none and why. */
  private async publish(events: readonly EventInput[]): Promise<IntakeAnswer> {
    const published = await this.dataSource.transaction((manager) =>
      this.publisher.publish(
        manager,
        events.map((input) => ({ input })),
      ),
    );
    if (!published.ok)
      return { status: 422, body: operationOutcomeOf(published.rejected.flatMap((each) => each.outcome.issue)) };
    return { status: 202, body: { outcome: 'published', events: published.queued } };
  }
}

/**
 * The domain event inside an SNS notification (`Message`, a JSON string) and the notification's
 * identity — its `MessageId`, which SNS keeps across redeliveries, else a SHA-256 of `Message` —
 * or why it cannot be read.
 */
export function readSnsMessage(notification: unknown): { event: unknown; identity: string } | OperationOutcome {
  if (typeof notification !== 'object' || notification === null)
    return operationOutcome('error', 'invalid', 'The body is not a JSON object.');
  const {
    Type: type,
    Message: text,
    MessageId: messageId,
  } = notification as { Type?: unknown; Message?: unknown; MessageId?: unknown };
  if (type !== 'Notification') return operationOutcome('error', 'invalid', 'Type must be "Notification".', ['Type']);
  if (typeof text !== 'string')
    return operationOutcome('error', 'required', 'Message must be a string holding the domain event.', ['Message']);
  try {
    const event = JSON.parse(text) as unknown;
    const identity =
      typeof messageId === 'string' && messageId.trim() !== ''
        ? `message-id ${messageId}`
        : `message-sha256 ${createHash('sha256').update(text).digest('hex')}`;
    return { event, identity };
  } catch {
    return operationOutcome('error', 'structure', 'Message is not JSON.', ['Message']);
  }
}

/** A mapping context for one delivery from `partner`. */
export function mappingContextFor(
  partner: { partnerId: string; name: string; ods?: string },
  now: () => Date = () => new Date(),
): MappingContext {
  return {
    senderPartnerId: partner.partnerId,
    senderOrganization: {
      partnerId: partner.partnerId,
      name: partner.name,
      ...(partner.ods ? { code: partner.ods } : {}),
    },
    receivedAt: now().toISOString(),
    newId: randomUUID,
  };
}
