import type * as amqp from 'amqplib';
import {
  AmqpHeaders,
  HUB_INGRESS_QUEUE,
  deadLetterQueue,
  deliveryRoutingKey,
  ingressRoutingKey,
  partnerInboxQueue,
} from '@cstr/contracts';
import { HUB_BROKER_USER, brokerVerifiedPublisher } from '@cstr/messaging';

/**
 * Who wrote a dead letter's failure headers, as far as the hub can tell:
 * - `hub`: the hub published it (broker-verified `userId` = the hub's user);
 * - `broker`: RabbitMQ dead-lettered it itself (delivery limit; it carries `x-death`) — its
 *   `x-cstr-*` headers are whatever the message carried before, so they are not believed;
 * - `partner`: a partner's adapter parked it in that partner's own inbox DLQ — its code and reason
 *   are that partner's claim;
 * - `unauthenticated`: none of these (no `userId`, or a user that may not write there).
 */
export type DeadLetterWriter = 'hub' | 'broker' | 'partner' | 'unauthenticated';

/** What the hub believes about a dead letter, from the DLQ it drained it from and what the broker vouches for. */
export interface DeadLetterProvenance {
  /** The partner whose inbox DLQ it came from (the DLQ's name, never a header); null for `hub.ingress.dlq`. */
  readonly partner: string | null;
  /** The queue a replay may send it back to — the DLQ's own queue — or null when it may not be replayed. */
  readonly replayTo: string | null;
  readonly writer: DeadLetterWriter;
  /** The broker-verified publisher of the message as drained (its AMQP `userId`). */
  readonly publisher: string | undefined;
  /** The failure code recorded: the header's when the hub wrote it or a partner claims it, else the hub's own. */
  readonly failureCode: string;
  /** The failure reason recorded, saying whose claim it is when the hub did not write it. */
  readonly failureReason: string;
  /**
   * For `hub.ingress.dlq`: the ingress sender the hub may believe (the partner whose event it was),
   * or undefined when no one trustworthy says. Never set for a partner inbox's dead letter.
   */
  readonly sender: string | undefined;
  /**
   * The `x-cstr-original-routing-key` a replay carries: what the hub wrote, or the key rebuilt
   * from the trusted sender or recipient and the type; undefined drops the header.
   */
  readonly originalRoutingKey: string | undefined;
}

/** The DLQs the hub drains: the hub's own and each configured partner's inbox DLQ. */
export interface DrainedQueues {
  /** The partner whose inbox a DLQ belongs to; null for the hub's own (and for unknown queues). */
  partnerOf(dlq: string): string | null;
}

const headerText = (headers: Record<string, unknown>, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

/** The broker's own dead-lettering reason (`x-death`, newest first), when the message carries one. */
function brokerDeathReason(headers: Record<string, unknown>): string | undefined {
  const deaths = headers['x-death'];
  if (!Array.isArray(deaths) || deaths.length === 0) return undefined;
  const reason = (deaths[0] as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' ? reason.replace(/_/g, '-') : 'dead-lettered';
}

/**
 * What the hub believes about a message drained from `dlq`. The partner and the replay target
 * come from the DLQ itself; a sender from the hub's own headers (when the broker says the hub
 * published the copy) or from the broker-verified `userId` of a message the broker dead-lettered —
 * never from `x-cstr-failed-queue` or `x-cstr-original-routing-key` a partner could have written.
 */
export function deadLetterProvenance(
  dlq: string,
  raw: Pick<amqp.Message, 'properties'>,
  queues: DrainedQueues,
  isPartner: (id: string) => boolean,
): DeadLetterProvenance {
  const headers = (raw.properties.headers ?? {}) as Record<string, unknown>;
  const publisher = brokerVerifiedPublisher(raw);
  const claimedCode = headerText(headers, AmqpHeaders.failureCode)?.slice(0, 100);
  const claimedReason = headerText(headers, AmqpHeaders.failureReason);
  const type = typeof raw.properties.type === 'string' ? raw.properties.type : undefined;
  const death = brokerDeathReason(headers);
  const partner = queues.partnerOf(dlq);

  if (partner !== null) {
    const inbox = partnerInboxQueue(partner);
    const writer: DeadLetterWriter =
      publisher === partner ? 'partner' : death !== undefined ? 'broker' : 'unauthenticated';
    const failureCode =
      writer === 'broker'
        ? (death ?? 'dead-lettered')
        : writer === 'partner'
          ? (claimedCode ?? 'unknown')
          : 'unauthenticated';
    const failureReason =
      writer === 'broker'
        ? `The broker dead-lettered it (${death ?? 'unknown reason'})`
        : writer === 'partner'
          ? `Reported by ${partner}'s adapter: ${claimedReason ?? 'no reason given'}`
          : `Not written by ${partner}'s adapter nor by the broker (user-id ${publisher ?? 'absent'})`;
    return {
      partner,
      replayTo: inbox,
      writer,
      publisher,
      failureCode,
      failureReason,
      sender: undefined,
      originalRoutingKey: type ? deliveryRoutingKey(partner, type) : undefined,
    };
  }

  if (dlq !== deadLetterQueue(HUB_INGRESS_QUEUE)) {
    return {
      partner: null,
      replayTo: null,
      writer: 'unauthenticated',
      publisher,
      failureCode: 'unauthenticated',
      failureReason: `Drained from ${dlq}, which is not a queue the hub replays to`,
      sender: undefined,
      originalRoutingKey: undefined,
    };
  }

  if (publisher === HUB_BROKER_USER) {
    // The hub wrote the copy and its headers (a refusal, a retry given up, a transport dead letter).
    const original = headerText(headers, AmqpHeaders.originalRoutingKey);
    const senderId = original?.split('.')[0];
    return {
      partner: null,
      replayTo: HUB_INGRESS_QUEUE,
      writer: 'hub',
      publisher,
      failureCode: claimedCode ?? death ?? 'unknown',
      failureReason: claimedReason ?? (death ? `The broker dead-lettered it (${death})` : 'no reason given'),
      sender: senderId && isPartner(senderId) ? senderId : undefined,
      originalRoutingKey: original,
    };
  }

  if (death !== undefined && publisher !== undefined && isPartner(publisher)) {
    // A partner's own publish that the broker dead-lettered (delivery limit): the sender is the broker
    // user that published it; the headers it carried are the partner's, not believed.
    return {
      partner: null,
      replayTo: HUB_INGRESS_QUEUE,
      writer: 'broker',
      publisher,
      failureCode: death,
      failureReason: `The broker dead-lettered an event ${publisher} published (${death})`,
      sender: publisher,
      originalRoutingKey: type ? ingressRoutingKey(publisher, type) : undefined,
    };
  }

  return {
    partner: null,
    replayTo: null,
    writer: 'unauthenticated',
    publisher,
    failureCode: 'unauthenticated',
    failureReason:
      `Published to ${dlq} by ${publisher === undefined ? 'a publisher without user-id' : `broker user ${publisher}`}, ` +
      `neither the hub nor the broker's dead-lettering of a partner's event: its headers are not believed` +
      (claimedCode ? ` (it claims ${claimedCode})` : ''),
    sender: undefined,
    originalRoutingKey: undefined,
  };
}
