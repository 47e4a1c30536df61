/**
 * Infrastructure errors of the messaging layer: named `Error` subclasses with a stable
 * `code`, carrying context but never message bodies (they may hold personal data).
 */
export abstract class MessagingError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No broker connection was available within the publish timeout: the message was NOT sent. */
export class BrokerUnavailableError extends MessagingError {
  readonly code = 'broker-unavailable';
}

/** The broker refused the message (basic.nack) or the channel closed before its confirm. */
export class PublishNotConfirmedError extends MessagingError {
  readonly code = 'publish-not-confirmed';
}

/** The broker accepted the message but no queue was bound for its routing key. */
export class UnroutableMessageError extends MessagingError {
  readonly code = 'unroutable';
  constructor(
    readonly exchange: string,
    readonly routingKey: string,
  ) {
    super(`No queue is bound to ${exchange} for routing key ${routingKey}`);
  }
}

/** The component was already shut down. */
export class MessagingClosedError extends MessagingError {
  readonly code = 'closed';
}
