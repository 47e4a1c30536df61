import { BaseRpcContext } from '@nestjs/microservices';
import type { EntityManager } from 'typeorm';
import { InboundMessage } from '../consumer/inbound-message';
import { HandlerScope } from '../consumer/processors';

/**
 * The context an `@EventPattern` handler receives with `@Ctx()`: the parsed message and the
 * transaction scope its effects and outgoing events must use.
 */
export class AmqpContext extends BaseRpcContext<[InboundMessage, HandlerScope]> {
  /** The message: event id, type, attempt, correlation, trace. */
  getMessage(): InboundMessage {
    return this.args[0];
  }

  /** The transaction shared with the idempotency record (undefined without a database). */
  getManager(): EntityManager | undefined {
    return this.args[1].manager;
  }

  /** The handler's scope: transaction and outbox. */
  getScope(): HandlerScope {
    return this.args[1];
  }
}
