import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { DataSource } from 'typeorm';
import { AmqpConnection } from '../connection/amqp-connection';
import { InboundMessage } from '../consumer/inbound-message';
import { HandlerScope, idempotentProcessor, sequentialProcessor } from '../consumer/processors';
import { QueueConsumer, type QueueConsumerOptions } from '../consumer/queue-consumer';
import { HandlerOutcome, Outcome, toOutcome } from '../handler-outcome';
import { Outbox } from '../outbox/outbox';
import { AmqpContext } from './amqp-context';

/** Options of {@link AmqpTransport}. */
export interface AmqpTransportOptions {
  readonly connection: AmqpConnection;
  /** The queue this app consumes (its inbox, or `hub.ingress`). */
  readonly queue: string;
  /** Names this consumer in the idempotency records; stable across restarts. */
  readonly consumerName: string;
  readonly retryDelaysMs: readonly number[];
  readonly prefetch?: number;
  readonly maxBatch?: number;
  /** Batches in flight at once; same partition key, same lane (see QueueConsumerOptions.lanes). */
  readonly lanes?: number;
  /** The ordering key of a delivery without a partition key (see QueueConsumerOptions.laneKey). */
  readonly laneKey?: QueueConsumerOptions['laneKey'];
  /** Whether the partition key header chooses the lane (see QueueConsumerOptions.trustPartitionKey). Default true. */
  readonly trustPartitionKey?: boolean;
  /** Ordered retries in place before the delay queues (see QueueConsumerOptions.inPlaceRetryDelaysMs). */
  readonly inPlaceRetryDelaysMs?: readonly number[];
  /** Largest body accepted; larger ones are dead-lettered `too-large` unread (see QueueConsumerOptions.maxMessageBytes). */
  readonly maxMessageBytes?: number;
  /** Only deliveries of these broker users reach a handler (see QueueConsumerOptions.acceptedPublishers). */
  readonly acceptedPublishers?: QueueConsumerOptions['acceptedPublishers'];
  /**
   * Work on a batch before it is processed (and again before each retry of it), outside its
   * transaction: e.g. validating its bodies on worker threads while other batches hold the
   * database. A failure here fails nothing: the handlers do without it.
   */
  readonly prepareBatch?: (batch: readonly InboundMessage[]) => Promise<void>;
  /** With a database, consumption is idempotent and handlers may publish through the outbox. */
  readonly persistence?: { readonly dataSource: DataSource; readonly outbox: Outbox };
}

/**
 * A Nest transport on RabbitMQ with the guarantees the stock RMQ transport lacks: manual acks,
 * prefetch, retry with back-off and dead-lettering, idempotent consumption and an outbox.
 * Handlers keep `@EventPattern('<event type>')` and receive the parsed body and an
 * {@link AmqpContext}; they return a {@link HandlerOutcome} (or nothing, meaning done) and a
 * thrown error means retry. A message whose type has no handler is dead-lettered, never dropped.
 */
export class AmqpTransport extends Server implements CustomTransportStrategy {
  protected override readonly logger = new Logger(AmqpTransport.name);
  private consumer: QueueConsumer | undefined;
  /** Handlers by event type, looked up once (Nest's own lookup normalises the pattern on every call). */
  private readonly handlersByType = new Map<string, ReturnType<Server['getHandlerByPattern']>>();

  constructor(private readonly options: AmqpTransportOptions) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    const handle = (message: InboundMessage, scope: HandlerScope): Promise<HandlerOutcome> =>
      this.dispatch(message, scope);
    const { persistence } = this.options;
    const process = persistence
      ? idempotentProcessor(persistence.dataSource, this.options.consumerName, persistence.outbox, handle)
      : sequentialProcessor(handle);
    const prepare = this.options.prepareBatch;
    const processor: typeof process = prepare
      ? async (batch, options) => {
          await prepare(batch).catch((error: unknown) =>
            this.logger.warn(`Preparing a batch failed; its handlers do without: ${String(error)}`),
          );
          return process(batch, options);
        }
      : process;
    this.consumer = new QueueConsumer(
      this.options.connection,
      {
        queue: this.options.queue,
        prefetch: this.options.prefetch,
        maxBatch: this.options.maxBatch,
        lanes: this.options.lanes,
        laneKey: this.options.laneKey,
        trustPartitionKey: this.options.trustPartitionKey,
        inPlaceRetryDelaysMs: this.options.inPlaceRetryDelaysMs,
        maxMessageBytes: this.options.maxMessageBytes,
        acceptedPublishers: this.options.acceptedPublishers,
        retryDelaysMs: this.options.retryDelaysMs,
      },
      processor,
    );
    this.consumer.start();
    callback();
  }

  /** Graceful: stop consuming and finish what is in flight. */
  async close(): Promise<void> {
    await this.consumer?.stop();
  }

  /** True while subscribed (for health). */
  isConsuming(): boolean {
    return this.consumer?.isConsuming() ?? false;
  }

  on(): void {
    // Connection events are observed on AmqpConnection, not through the transport.
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private async dispatch(message: InboundMessage, scope: HandlerScope): Promise<HandlerOutcome> {
    let handler = this.handlersByType.get(message.type);
    if (handler === undefined) {
      handler = this.getHandlerByPattern(message.type);
      this.handlersByType.set(message.type, handler);
    }
    if (!handler)
      return Outcome.deadLetter('no-handler', `No handler for event type ${message.type} on ${message.queue}`);
    const result: unknown = await lastValueFrom(
      this.transformToObservable(await handler(message.body, new AmqpContext([message, scope]))),
      {
        defaultValue: undefined,
      },
    );
    return toOutcome(result);
  }
}
