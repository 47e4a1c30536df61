import { Logger } from '@nestjs/common';
import type * as amqp from 'amqplib';
import { AmqpHeaders, retryExchangeOf } from '@cstr/contracts';
import { sleep } from '../backoff';
import { AmqpConnection } from '../connection/amqp-connection';
import { HandlerOutcome, Outcome, describeFailure } from '../handler-outcome';
import { OutgoingMessage } from '../message';
import { HUB_BROKER_USER } from '../provisioning/broker-provisioner';
import { ConfirmedPublisher } from '../publisher/confirmed-publisher';
import { deadLetterCopy, retryCopy, type FailedQueue } from './failure-copies';
import {
  InboundMessage,
  UnparseableMessage,
  attemptOf,
  brokerVerifiedPublisher,
  isRedelivery,
  parseDelivery,
} from './inbound-message';

/** How a {@link BatchProcessor} is asked to run a batch. */
export interface BatchRunOptions {
  /**
   * The consumer will retry this batch in place if it fails: a message whose handler asks for a
   * retry must not let the later messages of the batch commit before it. The processor then
   * throws (undoing the batch) instead of settling the others; see
   * {@link QueueConsumerOptions.inPlaceRetryDelaysMs}.
   */
  readonly ordered?: boolean;
}

/**
 * Processes a batch of parsed messages in order and returns one outcome per message,
 * in the same order. A batch lets a transactional processor commit many messages at once.
 */
export type BatchProcessor = (batch: readonly InboundMessage[], options?: BatchRunOptions) => Promise<HandlerOutcome[]>;

/** Default {@link QueueConsumerOptions.maxMessageBytes}: 1 MiB, the broker's `max_message_size` in the local stack. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;

/**
 * Whose deliveries a consumer acts on, by the broker-verified AMQP `userId`
 * ({@link brokerVerifiedPublisher}). Anything else is dead-lettered at once, code
 * `unauthenticated-publisher`, and never reaches a handler.
 */
export interface AcceptedPublishers {
  /** Broker users whose deliveries are accepted under any routing key. */
  readonly publishers: readonly string[];
  /**
   * Broker users whose deliveries are accepted when they come back under the queue's own
   * `<queue>.redeliver` key on its retry exchange (a retry copy the consumer itself published,
   * back from its delay queue; an operator's replay).
   */
  readonly redeliveredBy: readonly string[];
}

/**
 * What a partner inbox accepts: deliveries the hub published, and under the inbox's redeliver key
 * also its own retry copies (published by `ownBrokerUser`, the adapter's user). A partner can
 * write only to `cstr.ingress` and its own retry exchange, so nothing it publishes looks like a
 * hub delivery.
 */
export function hubDeliveriesOnly(ownBrokerUser: string): AcceptedPublishers {
  return { publishers: [HUB_BROKER_USER], redeliveredBy: [HUB_BROKER_USER, ownBrokerUser] };
}

/** Options of {@link QueueConsumer}. */
export interface QueueConsumerOptions {
  readonly queue: string;
  /** Unacknowledged messages the broker may push ahead. Default 200. */
  readonly prefetch?: number;
  /** Most messages handed to the processor at once. Default 100. */
  readonly maxBatch?: number;
  /** Delay before each retry; after the last one the message is dead-lettered. */
  readonly retryDelaysMs: readonly number[];
  /**
   * Batches processed at once, each in its own lane. Messages with the same partition key
   * (`x-cstr-partition-key`) always take the same lane, so they are applied in arrival order;
   * messages without one are spread by event id. Default 1 (everything in order).
   */
  readonly lanes?: number;
  /**
   * The ordering key of a delivery when it has no partition key (e.g. the hub: the sender and the
   * subject's identifier, read from the body). Undefined falls back to the event id.
   */
  readonly laneKey?: (raw: amqp.ConsumeMessage) => string | undefined;
  /**
   * Whether the `x-cstr-partition-key` header chooses the lane. Default true. False for a queue
   * publishers outside the hub write to (`hub.ingress`): the header is ignored and the lane
   * comes from {@link laneKey} alone (else the event id), so nobody can steer their events into
   * another person's lane.
   */
  readonly trustPartitionKey?: boolean;
  /**
   * Ordered retries in place: when processing a batch fails (the processor throws — database
   * down, a deadlock not resolved — or a handler asks for a retry), the batch is tried again in its
   * lane after each of these delays, before any later message of that lane; only when those
   * attempts fail too does it take the delay-queue retry path. Keeps, say, a consent withdrawal
   * ahead of the person's later events when its first attempt fails. Default none. A graceful stop
   * skips the remaining waits.
   */
  readonly inPlaceRetryDelaysMs?: readonly number[];
  /**
   * Largest body accepted, in bytes: a larger message is dead-lettered with code `too-large`
   * before anything reads it (lane key, parsing). Default {@link DEFAULT_MAX_MESSAGE_BYTES}.
   */
  readonly maxMessageBytes?: number;
  /** Only deliveries of these publishers reach the processor (see {@link AcceptedPublishers}). Default: any. */
  readonly acceptedPublishers?: AcceptedPublishers;
  /** The exchange failure copies go to. Default `retryExchangeOf(queue)` (libs/contracts). */
  readonly retryExchange?: string;
}

interface Delivery {
  readonly raw: amqp.ConsumeMessage;
  readonly channel: amqp.Channel;
  /** Why it is dead-lettered without being read (too large, unauthenticated publisher). */
  readonly refusal?: { readonly code: string; readonly reason: string };
}

/**
 * Consumes one queue with manual acknowledgements and settles every message explicitly:
 * acknowledged when done; sent to its next retry delay queue (or, after the last attempt, to
 * `<queue>.dlq`) with the failure reason and attempt count; dead-lettered at once when it cannot
 * be parsed or the handler says so. Failure copies are published with confirms *before* the
 * original is acknowledged, so a crash at any point leaves the message in the queue.
 * Within a lane, messages are processed in arrival order, one batch at a time.
 */
export class QueueConsumer {
  private readonly logger: Logger;
  private readonly failurePublisher: ConfirmedPublisher;
  private channel: amqp.Channel | undefined;
  private consumerTag: string | undefined;
  private readonly lanes: Lane[];
  /** Channels that closed: their unsettled deliveries come back from the broker on a new one. */
  private readonly closedChannels = new WeakSet<amqp.Channel>();
  private stopping = false;
  /** The channel being handed over by {@link release}: its new deliveries are left unsettled, to return to the queue. */
  private releasing: amqp.Channel | undefined;
  /** When the latest delivery arrived (ms since epoch, 0 for none since subscribing). */
  private latestDeliveryAt = 0;
  private removeListener: (() => void) | undefined;
  private subscribing: Promise<void> | undefined;
  /** Aborted by {@link stop}: ends the waits between in-place retries. */
  private readonly stopSignal = new AbortController();
  private readonly retryExchange: string;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: QueueConsumerOptions,
    private readonly processor: BatchProcessor,
  ) {
    this.logger = new Logger(`QueueConsumer:${options.queue}`);
    this.failurePublisher = new ConfirmedPublisher(connection, { connectTimeoutMs: 2_000 });
    this.lanes = Array.from({ length: Math.max(1, options.lanes ?? 1) }, () => ({ buffer: [], draining: undefined }));
    this.retryExchange = options.retryExchange ?? retryExchangeOf(options.queue);
  }

  /** The queue it consumes. */
  get queue(): string {
    return this.options.queue;
  }

  /** Starts consuming now and again after every reconnect. */
  start(): void {
    this.removeListener = this.connection.onConnected((connection) => this.ensureSubscribed(connection));
  }

  /** True while subscribed to the queue. */
  isConsuming(): boolean {
    return this.consumerTag !== undefined;
  }

  /**
   * True when a delivery arrived within `windowMs`: with a single active consumer, only the active
   * one receives deliveries, so a consumer that has some now is the active one.
   */
  receivedWithin(windowMs: number, now = Date.now()): boolean {
    return this.consumerTag !== undefined && now - this.latestDeliveryAt < windowMs;
  }

  /**
   * Hands a single-active-consumer queue over to the next consumer in line: takes no further
   * delivery, lets the batches in flight finish and settle, then closes the channel — which returns
   * what was delivered but not processed to the queue, in order, for the consumer the broker
   * activates next — and subscribes again a moment later, at the back of the line. Nothing of the
   * queue is processed by two consumers at once, so per-key order holds across the handover.
   */
  async release(): Promise<void> {
    const channel = this.channel;
    if (!channel || this.stopping || this.releasing) return;
    this.releasing = channel;
    try {
      for (const lane of this.lanes) lane.buffer.length = 0;
      await Promise.all(this.lanes.map((lane) => lane.draining ?? Promise.resolve()));
      this.latestDeliveryAt = 0;
      await channel.close().catch(() => undefined);
    } finally {
      this.releasing = undefined;
    }
  }

  /**
   * Graceful stop: cancel the subscription (no new deliveries), finish every message already
   * delivered, then close the channel. Resolves when nothing is in flight.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSignal.abort();
    this.removeListener?.();
    await this.subscribing?.catch(() => undefined);
    const channel = this.channel;
    if (channel && this.consumerTag) await channel.cancel(this.consumerTag).catch(() => undefined);
    this.consumerTag = undefined;
    await Promise.all(this.lanes.map((lane) => lane.draining ?? Promise.resolve()));
    this.channel = undefined;
    await channel?.close().catch(() => undefined);
    await this.failurePublisher.close();
  }

  /** Subscribes unless already subscribed or subscribing (a reconnect and a channel recovery may race). */
  private ensureSubscribed(connection: amqp.ChannelModel): Promise<void> {
    if (this.stopping || this.consumerTag) return Promise.resolve();
    this.subscribing ??= this.subscribe(connection).finally(() => (this.subscribing = undefined));
    return this.subscribing;
  }

  private async subscribe(connection: amqp.ChannelModel): Promise<void> {
    const channel = await connection.createChannel();
    channel.on('error', (error: Error) => this.logger.warn(`Channel error: ${error.message}`));
    channel.on('close', () => {
      this.closedChannels.add(channel);
      if (this.channel !== channel) return;
      this.channel = undefined;
      this.consumerTag = undefined;
      // A channel-level failure while the connection lives: subscribe again after a pause.
      if (!this.stopping && this.connection.isConnected()) void this.resubscribeSoon();
    });
    await channel.prefetch(this.options.prefetch ?? 200);
    this.channel = channel;
    const { consumerTag } = await channel.consume(
      this.options.queue,
      (raw) => {
        if (raw === null) {
          // The broker cancelled us (queue deleted or failed over): subscribe again.
          this.consumerTag = undefined;
          if (!this.stopping) void this.resubscribeSoon();
          return;
        }
        // Being handed over: left unsettled, it returns to the queue when the channel closes.
        if (this.releasing === channel) return;
        this.latestDeliveryAt = Date.now();
        const refusal = this.refusalOf(raw);
        // A refused delivery is never read, not even for its lane key.
        const lane =
          this.lanes[
            this.lanes.length === 1
              ? 0
              : laneIndex(
                  raw,
                  this.lanes.length,
                  refusal ? undefined : this.options.laneKey,
                  !refusal && (this.options.trustPartitionKey ?? true),
                )
          ];
        lane.buffer.push(refusal ? { raw, channel, refusal } : { raw, channel });
        lane.draining ??= this.drain(lane).finally(() => (lane.draining = undefined));
      },
      { noAck: false },
    );
    this.consumerTag = consumerTag;
  }

  private async resubscribeSoon(): Promise<void> {
    await sleep(1_000);
    if (this.stopping || this.consumerTag || this.subscribing) return;
    try {
      const connection = await this.connection.waitUntilConnected(5_000);
      if (this.channel) await this.channel.close().catch(() => undefined);
      await this.ensureSubscribed(connection);
    } catch (error) {
      this.logger.error(`Could not subscribe again: ${(error as Error).message}`);
      if (!this.stopping) void this.resubscribeSoon();
    }
  }

  private async drain(lane: Lane): Promise<void> {
    while (lane.buffer.length > 0) {
      const batch = lane.buffer
        .splice(0, this.options.maxBatch ?? 100)
        .filter((delivery) => !this.closedChannels.has(delivery.channel));
      if (batch.length > 0) await this.processBatch(batch);
    }
  }

  /** Why a delivery is dead-lettered unread, if it is: too large, or not from an accepted publisher. */
  private refusalOf(raw: amqp.ConsumeMessage): Delivery['refusal'] {
    const limit = this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (raw.content.length > limit) {
      return { code: 'too-large', reason: `The message body is ${raw.content.length} bytes; the limit is ${limit}` };
    }
    const accepted = this.options.acceptedPublishers;
    if (!accepted) return undefined;
    const publisher = brokerVerifiedPublisher(raw);
    if (publisher !== undefined && accepted.publishers.includes(publisher)) return undefined;
    if (publisher !== undefined && accepted.redeliveredBy.includes(publisher) && isRedelivery(raw, this.options.queue))
      return undefined;
    return {
      code: 'unauthenticated-publisher',
      reason: `Not published by a broker user this queue accepts (user-id ${publisher === undefined ? 'absent' : JSON.stringify(publisher.slice(0, 60))})`,
    };
  }

  private async processBatch(batch: Delivery[]): Promise<void> {
    const parsed: { delivery: Delivery; message: InboundMessage }[] = [];
    for (const delivery of batch) {
      if (delivery.refusal) {
        await this.settle(delivery, Outcome.deadLetter(delivery.refusal.code, delivery.refusal.reason));
        continue;
      }
      const message = parseDelivery(delivery.raw, this.options.queue);
      if (message instanceof UnparseableMessage) {
        await this.settle(delivery, Outcome.deadLetter(message.code, message.reason));
      } else {
        parsed.push({ delivery, message });
      }
    }
    if (parsed.length === 0) return;
    const outcomes = await this.process(parsed.map((entry) => entry.message));
    const last = parsed[parsed.length - 1].delivery;
    const allDoneOnOneChannel =
      this.lanes.length === 1 &&
      parsed.length === batch.length &&
      outcomes.every((outcome) => outcome.kind === 'done') &&
      parsed.every(({ delivery }) => delivery.channel === last.channel);
    if (allDoneOnOneChannel) {
      // The common case with a single lane: one acknowledgement for the whole batch (every earlier
      // delivery on this channel is settled, since a channel with an unsettled message is closed,
      // see settle()). With several lanes, earlier deliveries may still be in another lane.
      try {
        last.channel.ack(last.raw, true);
      } catch (error) {
        this.logger.warn(`Could not acknowledge a batch (the broker redelivers it): ${(error as Error).message}`);
      }
      return;
    }
    for (const [index, { delivery }] of parsed.entries()) {
      await this.settle(delivery, outcomes[index] ?? Outcome.retry('No outcome returned'));
    }
  }

  /**
   * Runs the processor, first in place (ordered) as often as {@link QueueConsumerOptions.inPlaceRetryDelaysMs}
   * allows, then once more settling each message on its own.
   */
  private async process(messages: readonly InboundMessage[]): Promise<HandlerOutcome[]> {
    const delays = this.options.inPlaceRetryDelaysMs ?? [];
    for (let attempt = 0; ; attempt++) {
      const ordered = attempt < delays.length && !this.stopping;
      try {
        return await this.processor(messages, { ordered });
      } catch (error) {
        if (ordered) {
          this.logger.warn(
            `A batch of ${messages.length} failed (${describeFailure(error)}); trying it again in place in ${delays[attempt]} ms`,
          );
          await sleep(delays[attempt], this.stopSignal.signal);
          continue;
        }
        // The processor itself failed (e.g. the database is down): nothing was committed, try later.
        const reason = `Processing failed: ${describeFailure(error)}`.slice(0, 300);
        return messages.map(() => Outcome.retry(reason));
      }
    }
  }

  private async settle(delivery: Delivery, outcome: HandlerOutcome): Promise<void> {
    try {
      switch (outcome.kind) {
        case 'done':
          break;
        case 'retry':
          await this.failurePublisher.publish(this.failureCopy(delivery.raw, outcome.reason, 'handler-retry'));
          break;
        case 'dead-letter':
          await this.failurePublisher.publish(deadLetterCopy(delivery.raw, this.failedQueue(), outcome));
          break;
      }
      delivery.channel.ack(delivery.raw);
    } catch (error) {
      // Not acknowledged. Closing the channel makes the broker redeliver it (and keeps a later
      // batch acknowledgement from covering it); nothing is lost.
      this.logger.warn(`Could not settle a message (${outcome.kind}): ${(error as Error).message}`);
      await delivery.channel.close().catch(() => undefined);
    }
  }

  /** The next retry copy, or the dead-letter copy once the attempts are used up. */
  private failureCopy(raw: amqp.ConsumeMessage, reason: string, code: string): OutgoingMessage {
    const attempt = attemptOf(raw);
    const delays = this.options.retryDelaysMs;
    if (attempt > delays.length) {
      return deadLetterCopy(raw, this.failedQueue(), {
        code: 'attempts-exhausted',
        reason: `Gave up after ${attempt} attempts; last failure: ${reason}`,
      });
    }
    return retryCopy(raw, this.failedQueue(), { code, reason }, delays[attempt - 1]);
  }

  private failedQueue(): FailedQueue {
    return { queue: this.options.queue, retryExchange: this.retryExchange };
  }
}

interface Lane {
  readonly buffer: Delivery[];
  draining: Promise<void> | undefined;
}

/**
 * The lane of a delivery: by partition key when it has one and it is trusted, else by the
 * consumer's lane key, else by message id (FNV-1a).
 */
export function laneIndex(
  raw: amqp.ConsumeMessage,
  lanes: number,
  laneKey: QueueConsumerOptions['laneKey'],
  trustPartitionKey = true,
): number {
  const key = trustPartitionKey ? raw.properties.headers?.[AmqpHeaders.partitionKey] : undefined;
  const text =
    typeof key === 'string' && key.length > 0
      ? key
      : (laneKey?.(raw) ?? String(raw.properties.messageId ?? raw.fields.deliveryTag));
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
}
