import { Injectable } from '@nestjs/common';
import type { AmqpTransport } from '@cstr/messaging';

/** Holds the app's transport once bootstrap has connected it, for health checks. */
@Injectable()
export class TransportRegistry {
  private transport: AmqpTransport | undefined;

  register(transport: AmqpTransport): void {
    this.transport = transport;
  }

  isConsuming(): boolean {
    return this.transport?.isConsuming() ?? false;
  }
}
