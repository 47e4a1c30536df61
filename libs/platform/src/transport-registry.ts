import { Injectable } from '@nestjs/common';
import type { AmqpTransport } from '@cstr/messaging';

/** Holds the app's transports once bootstrap has connected them (one per consumed queue), for health checks. */
@Injectable()
export class TransportRegistry {
  private readonly transports: AmqpTransport[] = [];

  register(transport: AmqpTransport): void {
    this.transports.push(transport);
  }

  /** True when every transport is subscribed to its queue. */
  isConsuming(): boolean {
    return this.transports.length > 0 && this.transports.every((transport) => transport.isConsuming());
  }
}
