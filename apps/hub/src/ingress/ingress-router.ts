import { createHmac } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type * as amqp from 'amqplib';
import { AmqpHeaders, HUB_INGRESS_QUEUE, INGRESS_PARTITION_EXCHANGE } from '@cstr/contracts';
import {
  AmqpConnection,
  ConfirmedPublisher,
  Outcome,
  QueueConsumer,
  originalRoutingKey,
  type HandlerOutcome,
  type InboundMessage,
  type OutgoingMessage,
} from '@cstr/messaging';
import { APP_CONFIG, retryDelays } from '@cstr/platform';
import type { HubConfig } from '../hub.config';
import { routingKeyPartner } from './envelope.check';
import { ingressProvenance } from './ingress-provenance';
import { subjectLaneKey } from './subject-lane-key';

/** Length of the person key in hex characters (128 bits), as the delivered copies' partition key. */
const PERSON_KEY_LENGTH = 32;

/**
 * The router keeps trying a batch it could not move (the broker refused or did not confirm) in
 * place for about a minute before the message takes the `hub.ingress` delay queues, so that one
 * person's events keep their order through a short broker hiccup.
 */
const ROUTER_IN_PLACE_RETRY_DELAYS_MS = [250, 1_000, 5_000, 15_000, 30_000];

/** Headers only the router writes: whatever a publisher put there on `hub.ingress` is dropped. */
const ROUTER_HEADERS: ReadonlySet<string> = new Set([
  AmqpHeaders.partitionKey,
  AmqpHeaders.ingressPublisher,
  AmqpHeaders.ingressRedelivered,
  AmqpHeaders.originalRoutingKey,
]);

/**
 * The pseudonymous key that chooses an event's partition: a keyed hash (HMAC-SHA256 under
 * `PARTITION_KEY_SECRET`) of the subject's most stable identifier ({@link subjectLaneKey}), so one
 * person's events named by that identifier share a partition whoever sent them; for an event the
 * router cannot read (no subject), of its sender, so that the pipeline refuses it in its sender's
 * order. Never the identifier in clear: the key travels in a header.
 */
export function ingressPartitionKey(raw: amqp.ConsumeMessage, sender: string, secret: string): string {
  const subject = subjectLaneKey(raw);
  const text = subject === undefined ? `sender\n${sender}` : `subject\n${subject}`;
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex').slice(0, PERSON_KEY_LENGTH);
}

/**
 * The copy of a `hub.ingress` delivery the router publishes to the partition exchange: same body,
 * id, type, correlation, trace and routing key (the sender's `<partner-id>.<event-type>`, the
 * original one for a retry or replay), the partition key, and who published it to `hub.ingress` as
 * the broker vouched (`userId`) and whether it came back there as a redelivery — headers the hub
 * believes on the partitions only, where nobody but the hub may publish. Any such header the
 * publisher set itself is dropped.
 */
export function routedCopy(raw: amqp.ConsumeMessage, secret: string): OutgoingMessage {
  const provenance = ingressProvenance(raw, HUB_INGRESS_QUEUE);
  const routingKey = originalRoutingKey(raw, HUB_INGRESS_QUEUE);
  const properties = raw.properties;
  const carried: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(properties.headers ?? {})) {
    if (!ROUTER_HEADERS.has(name) && (typeof value === 'string' || typeof value === 'number')) carried[name] = value;
  }
  const sender = provenance.publisher ?? routingKeyPartner(routingKey);
  const traceparent: unknown = carried[AmqpHeaders.traceparent];
  return {
    exchange: INGRESS_PARTITION_EXCHANGE,
    routingKey,
    eventId: String(properties.messageId),
    type: String(properties.type),
    body: raw.content,
    correlationId: typeof properties.correlationId === 'string' ? properties.correlationId : undefined,
    traceparent: typeof traceparent === 'string' ? traceparent : undefined,
    timestamp: typeof properties.timestamp === 'number' ? new Date(properties.timestamp * 1000) : undefined,
    contentType: typeof properties.contentType === 'string' ? properties.contentType : undefined,
    headers: {
      ...carried,
      [AmqpHeaders.partitionKey]: ingressPartitionKey(raw, sender, secret),
      [AmqpHeaders.originalRoutingKey]: routingKey,
      ...(provenance.publisher === undefined ? {} : { [AmqpHeaders.ingressPublisher]: provenance.publisher }),
      ...(provenance.redelivered ? { [AmqpHeaders.ingressRedelivered]: 'true' } : {}),
    },
  };
}

/**
 * The hub's ingress router: every hub instance runs one on `hub.ingress`, whose single active
 * consumer makes one of them route at a time (the broker hands over to another when it goes). It
 * reads only the sender and the subject's identifier, republishes each event with publisher
 * confirms, in arrival order, to the consistent-hash exchange of the partitions, and acknowledges
 * the original only once the copy is confirmed: a crash between the two republishes it, and the
 * idempotent partition consumers apply it once. What it cannot even parse (not JSON, no event id)
 * or what is too large goes to `hub.ingress.dlq` as before; a Bundle without a subject still goes
 * to a partition, where the pipeline refuses it with its OperationOutcome.
 */
@Injectable()
export class IngressRouter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(IngressRouter.name);
  private publisher: ConfirmedPublisher | undefined;
  private consumer: QueueConsumer | undefined;

  constructor(
    @Inject(AmqpConnection) private readonly connection: AmqpConnection,
    @Inject(APP_CONFIG) private readonly config: HubConfig,
  ) {}

  onApplicationBootstrap(): void {
    const publisher = new ConfirmedPublisher(this.connection);
    this.publisher = publisher;
    this.consumer = new QueueConsumer(
      this.connection,
      {
        queue: HUB_INGRESS_QUEUE,
        prefetch: this.config.PREFETCH,
        retryDelaysMs: retryDelays(this.config),
        inPlaceRetryDelaysMs: ROUTER_IN_PLACE_RETRY_DELAYS_MS,
        maxMessageBytes: this.config.MAX_MESSAGE_BYTES,
      },
      (batch) => this.route(publisher, batch),
    );
    this.consumer.start();
    this.logger.log(`Routing ${HUB_INGRESS_QUEUE} to ${this.config.INGRESS_PARTITIONS} partitions`);
  }

  /** Stops routing before the partitions' transports stop, so nothing new reaches them. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    await this.publisher?.close();
  }

  /** True while subscribed to `hub.ingress` (active or standby). */
  isConsuming(): boolean {
    return this.consumer?.isConsuming() ?? false;
  }

  private async route(publisher: ConfirmedPublisher, batch: readonly InboundMessage[]): Promise<HandlerOutcome[]> {
    // Published in order on one channel; the batch is acknowledged only once every copy is confirmed.
    await Promise.all(
      batch.map((message) => publisher.publish(routedCopy(message.raw, this.config.PARTITION_KEY_SECRET))),
    );
    return batch.map(() => Outcome.done());
  }
}
