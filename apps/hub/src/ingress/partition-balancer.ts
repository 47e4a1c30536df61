import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type * as amqp from 'amqplib';
import { HUB_INSTANCES_QUEUE } from '@cstr/contracts';
import { AmqpConnection, QueueConsumer } from '@cstr/messaging';
import { APP_CONFIG, TransportRegistry } from '@cstr/platform';
import type { HubConfig } from '../hub.config';

/** A partition that delivered within this window has this instance as its active consumer. */
const ACTIVE_WINDOW_MS = 10_000;

/**
 * How many partitions this instance should give up: those it is active on beyond its fair share
 * of `partitions` among `instances` (rounded up, so a share never makes two instances trade back
 * and forth). Pure.
 */
export function partitionsToRelease(active: number, partitions: number, instances: number): number {
  const share = Math.ceil(partitions / Math.max(1, instances));
  return Math.max(0, active - share);
}

/**
 * Shares the ingress partitions between hub instances with nothing but what the broker says. A
 * single active consumer stays active until it goes, so the instance that started first would keep
 * every partition: each instance keeps a consumer on `hub.instances` (so its consumer count is the
 * number of running instances) and every `INGRESS_BALANCE_INTERVAL_MS`, when it is active on more
 * than its share, hands the excess over ({@link QueueConsumer.release}: in-flight batches finish first, so order holds). No
 * coordinator, no shared state: an instance that stops loses its partitions to the others at once,
 * and one that starts gets its share within an interval or two. `hub.instances` lives on one broker
 * node: when that node stops, the broker cancels every consumer of it, and each instance joins it
 * again on its next pass once the node is back (else each would count itself alone and keep all).
 */
@Injectable()
export class PartitionBalancer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PartitionBalancer.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private removeListener: (() => void) | undefined;
  private presence: amqp.Channel | undefined;
  private joining: Promise<void> | undefined;
  private joinFailed = false;

  constructor(
    @Inject(AmqpConnection) private readonly connection: AmqpConnection,
    @Inject(TransportRegistry) private readonly registry: TransportRegistry,
    @Inject(APP_CONFIG) private readonly config: HubConfig,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.INGRESS_BALANCE_INTERVAL_MS;
    if (every === 0) return;
    this.removeListener = this.connection.onConnected((connection) => this.showPresence(connection));
    this.timer = setInterval(() => {
      this.running ??= this.ensurePresence()
        .then(() => this.balance())
        .then(() => undefined)
        .catch((error: unknown) => this.logger.warn(`Could not balance the partitions: ${(error as Error).message}`))
        .finally(() => (this.running = undefined));
    }, every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.removeListener?.();
    await this.running;
    await this.presence?.close().catch(() => undefined);
  }

  /** Joins `hub.instances` again when this instance is connected but not (or no longer) a consumer of it. */
  private async ensurePresence(): Promise<void> {
    if (this.presence || !this.connection.isConnected()) return;
    await this.showPresence(await this.connection.waitUntilConnected(5_000));
  }

  /**
   * A consumer on `hub.instances` while connected (again after each reconnect, and after the broker
   * cancelled it): it never receives anything. One join at a time; a failure is logged once until a
   * join succeeds.
   */
  private showPresence(connection: amqp.ChannelModel): Promise<void> {
    this.joining ??= this.join(connection).finally(() => (this.joining = undefined));
    return this.joining;
  }

  private async join(connection: amqp.ChannelModel): Promise<void> {
    if (this.presence) return;
    try {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      channel.on('close', () => {
        if (this.presence === channel) this.presence = undefined;
      });
      await channel.consume(
        HUB_INSTANCES_QUEUE,
        (message) => {
          // null: the broker cancelled the consumer (the queue's node stopped); the next pass joins again.
          if (message === null && this.presence === channel) {
            this.presence = undefined;
            void channel.close().catch(() => undefined);
          }
        },
        { noAck: true },
      );
      this.presence = channel;
      if (this.joinFailed) this.logger.log(`Joined ${HUB_INSTANCES_QUEUE} again`);
      this.joinFailed = false;
    } catch (error) {
      if (!this.joinFailed) this.logger.warn(`Could not join ${HUB_INSTANCES_QUEUE}: ${(error as Error).message}`);
      this.joinFailed = true;
    }
  }

  /** One pass: release what is beyond this instance's share. */
  async balance(): Promise<number> {
    const consumers = this.registry.transports
      .map((transport) => transport.unwrap<QueueConsumer | undefined>())
      .filter((consumer): consumer is QueueConsumer => consumer !== undefined);
    const active = consumers.filter((consumer) => consumer.receivedWithin(ACTIVE_WINDOW_MS));
    if (active.length <= 1) return 0;
    const excess = partitionsToRelease(active.length, consumers.length, await this.instances());
    for (const consumer of active.slice(active.length - excess)) await consumer.release();
    if (excess > 0)
      this.logger.log(`Handed ${excess} of ${active.length} active partitions over to other hub instances`);
    return excess;
  }

  /** Hub instances running: the consumers of `hub.instances` (a passive declare needs no permission). */
  private async instances(): Promise<number> {
    const connection = await this.connection.waitUntilConnected(5_000);
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      return Math.max(1, (await channel.checkQueue(HUB_INSTANCES_QUEUE)).consumerCount);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}
