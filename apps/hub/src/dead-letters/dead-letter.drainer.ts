import { Logger } from '@nestjs/common';
import type * as amqp from 'amqplib';
import { safeErrorText } from '@cstr/contracts';
import { sleep, type AmqpConnection } from '@cstr/messaging';
import type { DeadLetterStore } from './dead-letter.store';

/**
 * Drains dead-letter queues into `hub_dead_letter`: each message is acknowledged only after its
 * row has committed, so a crash in between leaves it in the DLQ (at worst stored twice, never
 * lost). Messages are taken one at a time per queue, in order; a failed insert puts the message
 * back after a pause. Each queue has a channel of its own, so a DLQ the broker refuses (not
 * provisioned, no permission) stops only itself; every channel re-subscribes after a reconnect.
 */
export class DeadLetterDrainer {
  private readonly logger = new Logger(DeadLetterDrainer.name);
  private readonly channels = new Map<string, amqp.Channel>();
  private removeListener: (() => void) | undefined;
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly subscribed = new Set<string>();

  constructor(
    private readonly connection: AmqpConnection,
    private readonly store: DeadLetterStore,
    /** The DLQs to drain; the hub's broker user must be allowed to read them. */
    readonly queues: readonly string[],
    private readonly onStored: (queue: string) => void = () => undefined,
  ) {}

  /** Starts draining now and after every reconnect. */
  start(): void {
    this.removeListener = this.connection.onConnected((connection) => this.subscribeAll(connection));
  }

  /** True while subscribed to every queue. */
  isDraining(): boolean {
    return this.subscribed.size === this.queues.length;
  }

  /** Stops taking messages, finishes the ones in hand, closes the channels. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.removeListener?.();
    await Promise.all([...this.inFlight]);
    await Promise.all([...this.channels.values()].map((channel) => channel.close().catch(() => undefined)));
    this.channels.clear();
  }

  private async subscribeAll(connection: amqp.ChannelModel): Promise<void> {
    for (const queue of this.queues) {
      try {
        await this.subscribe(connection, queue);
      } catch (error) {
        this.logger.warn(`Cannot drain ${queue}: ${safeErrorText(error)}`);
      }
    }
  }

  private async subscribe(connection: amqp.ChannelModel, queue: string): Promise<void> {
    if (this.stopping) return;
    const channel = await connection.createChannel();
    channel.on('error', (error: Error) => this.logger.warn(`Dead-letter channel of ${queue}: ${safeErrorText(error)}`));
    channel.on('close', () => {
      if (this.channels.get(queue) === channel) this.channels.delete(queue);
      this.subscribed.delete(queue);
    });
    this.channels.set(queue, channel);
    await channel.prefetch(1);
    await channel.consume(queue, (raw) => raw && this.track(this.keep(channel, queue, raw)), { noAck: false });
    this.subscribed.add(queue);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async keep(channel: amqp.Channel, queue: string, raw: amqp.ConsumeMessage): Promise<void> {
    try {
      await this.store.insert(queue, raw);
      channel.ack(raw);
      this.onStored(queue);
    } catch (error) {
      this.logger.warn(`Could not store a dead letter of ${queue}; it goes back to the queue: ${safeErrorText(error)}`);
      await sleep(1_000);
      try {
        channel.nack(raw, false, true);
      } catch {
        // The channel closed: the broker gives the message back by itself.
      }
    }
  }
}
