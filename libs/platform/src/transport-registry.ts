import { Injectable } from '@nestjs/common';
import type { AmqpTransport } from '@cstr/messaging';

/** Holds the app's transports once bootstrap has connected them (one per consumed queue), for health checks. */
@Injectable()
export class TransportRegistry {
  private readonly registered: AmqpTransport[] = [];

  /** The transports, in the order they were registered (one per consumed queue). */
  get transports(): readonly AmqpTransport[] {
    return this.registered;
  }

  register(transport: AmqpTransport): void {
    this.registered.push(transport);
  }

  /** True when every transport is subscribed to its queue. */
  isConsuming(): boolean {
    return this.registered.length > 0 && this.registered.every((transport) => transport.isConsuming());
  }
}
