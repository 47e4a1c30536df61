import { once } from 'node:events';
import { Logger } from '@nestjs/common';
import type * as amqp from 'amqplib';
import { AmqpConnection } from '../connection/amqp-connection';
import { OutgoingMessage, publishOptions } from '../message';
import {
  BrokerUnavailableError,
  MessagingClosedError,
  PublishNotConfirmedError,
  UnroutableMessageError,
} from '../messaging.errors';

/** Options of {@link ConfirmedPublisher}. */
export interface ConfirmedPublisherOptions {
  /** How long a publish waits for a (re)connection before failing with {@link BrokerUnavailableError}. Default 5 s. */
  connectTimeoutMs?: number;
}

/**
 * Publishes with publisher confirms: `publish()` resolves only once the broker has confirmed
 * the message (so it is on disk in a durable queue), and rejects when the broker is
 * unreachable, refuses it, routes it nowhere (`mandatory`), or the channel dies first.
 * A rejected publish was not sent as far as the caller may assume; callers that must never
 * lose an event use the outbox, which retries. Every message carries the connection's broker
 * user as its AMQP `userId` (see {@link AmqpConnection.brokerUser}): the broker vouches for it.
 */
export class ConfirmedPublisher {
  private readonly logger = new Logger(ConfirmedPublisher.name);
  private channel: amqp.ConfirmChannel | undefined;
  private opening: Promise<amqp.ConfirmChannel> | undefined;
  private drained: Promise<unknown> | undefined;
  /** Messages the broker returned as unroutable; their confirm follows and must fail. */
  private readonly returned = new Set<string>();
  private closed = false;

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: ConfirmedPublisherOptions = {},
  ) {}

  /** Publishes one message and waits for the broker's confirm. */
  async publish(message: OutgoingMessage): Promise<void> {
    const channel = await this.openChannel();
    if (this.drained) await this.drained;
    await new Promise<void>((resolve, reject) => {
      const key = returnKey(message.exchange, message.routingKey, message.eventId);
      const accepted = channel.publish(
        message.exchange,
        message.routingKey,
        message.body,
        publishOptions(message, this.connection.brokerUser),
        (error) => {
          if (error)
            return reject(
              new PublishNotConfirmedError(`Broker did not confirm ${message.type} ${message.eventId}`, {
                cause: error,
              }),
            );
          if (this.returned.delete(key))
            return reject(new UnroutableMessageError(message.exchange, message.routingKey));
          resolve();
        },
      );
      if (!accepted && !this.drained) {
        // The socket buffer is full: hold further publishes until it drains (or the channel dies).
        this.drained = Promise.race([once(channel, 'drain'), once(channel, 'close')]).finally(
          () => (this.drained = undefined),
        );
      }
    });
  }

  /** Publishes many messages at once and waits for every confirm; settles each independently. */
  publishAll(messages: readonly OutgoingMessage[]): Promise<PromiseSettledResult<void>[]> {
    return Promise.allSettled(messages.map((message) => this.publish(message)));
  }

  /** Closes the channel after outstanding confirms have arrived. */
  async close(): Promise<void> {
    this.closed = true;
    const channel = this.channel;
    this.channel = undefined;
    if (channel) {
      try {
        await channel.waitForConfirms();
        await channel.close();
      } catch {
        // channel already closed with the connection
      }
    }
  }

  private async openChannel(): Promise<amqp.ConfirmChannel> {
    if (this.closed) throw new MessagingClosedError('Publisher is closed');
    if (this.channel) return this.channel;
    this.opening ??= this.createChannel().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async createChannel(): Promise<amqp.ConfirmChannel> {
    const connection = await this.connection.waitUntilConnected(this.options.connectTimeoutMs ?? 5_000);
    let channel: amqp.ConfirmChannel;
    try {
      channel = await connection.createConfirmChannel();
    } catch (error) {
      throw new BrokerUnavailableError('Could not open a confirm channel', { cause: error });
    }
    channel.on('return', (returned: amqp.Message) => {
      this.returned.add(
        returnKey(returned.fields.exchange, returned.fields.routingKey, String(returned.properties.messageId)),
      );
    });
    channel.on('error', (error: Error) => this.logger.warn(`Publisher channel error: ${error.message}`));
    channel.on('close', () => {
      if (this.channel === channel) this.channel = undefined;
    });
    this.channel = channel;
    return channel;
  }
}

function returnKey(exchange: string, routingKey: string, messageId: string): string {
  return `${exchange}\u0000${routingKey}\u0000${messageId}`;
}
