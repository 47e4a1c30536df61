/** Publishing test events to cstr.ingress as the partners do: each with its own broker user. */
import { randomUUID } from 'node:crypto';
import {
  AmqpHeaders,
  INGRESS_EXCHANGE,
  deadLetterQueue,
  deliveryRoutingKey,
  partnerInboxQueue,
  partnerRetryExchange,
} from '@cstr/contracts';
import { AmqpConnection, ConfirmedPublisher, encodeBody, type OutgoingMessage } from '@cstr/messaging';
import { testEnvironment } from '@cstr/testing';
import type { TestEvent } from './ingress-test-kit';

/** Publishes `event` to cstr.ingress with confirms, under its own id, type, routing key and correlation id. */
export async function publishToIngress(publisher: ConfirmedPublisher, event: TestEvent): Promise<void> {
  await publisher.publish({
    exchange: INGRESS_EXCHANGE,
    routingKey: event.routingKey,
    eventId: event.eventId,
    type: event.type,
    correlationId: event.correlationId,
    body: encodeBody(event.body),
  });
}

/**
 * One confirmed publisher per partner, opened on first use with that partner's broker user (the
 * sender is the first part of the event's routing key), kept until {@link PartnerPublishers.close}.
 */
export class PartnerPublishers {
  private readonly open = new Map<string, { connection: AmqpConnection; publisher: ConfirmedPublisher }>();

  constructor(private readonly connectionName: string) {}

  /** Publishes `event` as its sender. */
  async publish(event: TestEvent): Promise<void> {
    await publishToIngress(await this.publisherOf(event.routingKey.split('.')[0]), event);
  }

  async close(): Promise<void> {
    for (const { connection, publisher } of this.open.values()) {
      await publisher.close();
      await connection.close();
    }
    this.open.clear();
  }

  private async publisherOf(partner: string): Promise<ConfirmedPublisher> {
    const known = this.open.get(partner);
    if (known) return known.publisher;
    const connection = new AmqpConnection({
      url: testEnvironment().partnerUrls[partner],
      connectionName: `${this.connectionName}:${partner}`,
    });
    await connection.start();
    const publisher = new ConfirmedPublisher(connection);
    this.open.set(partner, { connection, publisher });
    return publisher;
  }
}

/** Publishes one message with confirms as the broker user of `url` (its user-id set, as every app's). */
export async function publishOnce(url: string, message: OutgoingMessage, connectionName: string): Promise<void> {
  const connection = new AmqpConnection({ url, connectionName });
  await connection.start();
  const publisher = new ConfirmedPublisher(connection);
  try {
    await publisher.publish(message);
  } finally {
    await publisher.close();
    await connection.close();
  }
}

/** A dead letter as a partner's adapter parks it, and what its headers say. */
export interface InboxDeadLetter {
  readonly type: string;
  readonly code: string;
  readonly reason: string;
  readonly body: string;
  readonly eventId?: string;
  /** The queue the headers say it failed in (by default the partner's inbox). */
  readonly failedQueue?: string;
  readonly deadLetteredAt?: string;
}

/**
 * Parks a message in `partner`'s inbox DLQ as its adapter does: with its own broker user, through
 * its own retry exchange. Returns the event id.
 */
export async function parkInInboxDeadLetters(
  partner: string,
  letter: InboxDeadLetter,
  connectionName: string,
): Promise<string> {
  const eventId = letter.eventId ?? randomUUID();
  const inbox = partnerInboxQueue(partner);
  await publishOnce(
    testEnvironment().partnerUrls[partner],
    {
      exchange: partnerRetryExchange(partner),
      routingKey: deadLetterQueue(inbox),
      body: Buffer.from(letter.body),
      eventId,
      type: letter.type,
      headers: {
        [AmqpHeaders.failureCode]: letter.code,
        [AmqpHeaders.failureReason]: letter.reason,
        [AmqpHeaders.failedQueue]: letter.failedQueue ?? inbox,
        [AmqpHeaders.originalRoutingKey]: deliveryRoutingKey(partner, letter.type),
        [AmqpHeaders.attempt]: 1,
        ...(letter.deadLetteredAt ? { [AmqpHeaders.deadLetteredAt]: letter.deadLetteredAt } : {}),
      },
    },
    connectionName,
  );
  return eventId;
}
