import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AmqpConnection, ConfirmedPublisher, OutboxRelay } from '@cstr/messaging';

/**
 * Releases the infrastructure in order once Nest has closed the HTTP server and the transport
 * (which stopped consuming and finished in-flight messages): flush the outbox, stop the relay,
 * close the publisher, the broker connection and the database pool.
 */
@Injectable()
export class MessagingLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger(MessagingLifecycle.name);

  constructor(
    @Inject(AmqpConnection) private readonly connection: AmqpConnection,
    @Inject(ConfirmedPublisher) private readonly publisher: ConfirmedPublisher,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.connection.isConnected()) await this.relay.flush(5_000);
    await this.relay.stop();
    await this.publisher.close();
    await this.connection.close();
    await this.dataSource.destroy();
    this.logger.log('Shut down cleanly');
  }
}
