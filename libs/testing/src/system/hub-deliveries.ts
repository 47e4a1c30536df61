import { DELIVERY_EXCHANGE, deliveryRoutingKey } from '@cstr/contracts';
import { tryBuildEventBundle, type EventInput } from '@cstr/fhir';
import { AmqpConnection, ConfirmedPublisher, encodeBody } from '@cstr/messaging';

/**
 * Publishes to `cstr.delivery` with the hub's broker user, as the hub delivers to a partner's
 * inbox: for testing an adapter without the hub.
 */
export class HubDeliveries {
  private constructor(
    private readonly connection: AmqpConnection,
    private readonly publisher: ConfirmedPublisher,
  ) {}

  /** Connects with the hub's user (`TestEnvironment.hubUrl`). */
  static async open(hubUrl: string, connectionName = 'test-hub-deliveries'): Promise<HubDeliveries> {
    const connection = new AmqpConnection({ url: hubUrl, connectionName });
    await connection.start();
    return new HubDeliveries(connection, new ConfirmedPublisher(connection));
  }

  /** Builds the event's Bundle and delivers it to `partnerId`, `copies` times (a redelivery). */
  async deliver(partnerId: string, input: EventInput, copies = 1): Promise<void> {
    const built = tryBuildEventBundle(input);
    if (!built.ok) throw new Error(`The test event does not build: ${JSON.stringify(built.outcome)}`);
    for (let copy = 0; copy < copies; copy += 1) {
      await this.deliverBody(partnerId, input.type, input.envelope.eventId, built.resource);
    }
  }

  /** Delivers any body (even one that is not a valid Bundle) as event `eventId` of `type`. */
  async deliverBody(partnerId: string, type: string, eventId: string, body: unknown): Promise<void> {
    await this.publisher.publish({
      exchange: DELIVERY_EXCHANGE,
      routingKey: deliveryRoutingKey(partnerId, type),
      eventId,
      type,
      body: encodeBody(body),
    });
  }

  async close(): Promise<void> {
    await this.publisher.close();
    await this.connection.close();
  }
}
