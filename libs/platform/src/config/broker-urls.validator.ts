import { registerDecorator } from 'class-validator';
import { brokerUrls, brokerUserOf } from '@cstr/messaging';

/** One `amqp://` or `amqps://` URL, or several separated by commas (the nodes of a cluster). */
export const BROKER_URL_LIST_PATTERN = /^amqps?:\/\/[^\s,]+(,amqps?:\/\/[^\s,]+)*$/;

/**
 * Every URL of a broker list (the nodes of a cluster, comma-separated) logs in as the same user:
 * the app publishes with that user as the AMQP `userId`, which the broker checks on each node.
 */
export function OneBrokerUser(): PropertyDecorator {
  return (target, property) => {
    registerDecorator({
      name: 'oneBrokerUser',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate(value: unknown): boolean {
          // Anything but a list of AMQP URLs is for the format check to report.
          if (typeof value !== 'string' || !BROKER_URL_LIST_PATTERN.test(value)) return true;
          return new Set(brokerUrls(value).map(brokerUserOf)).size === 1;
        },
        defaultMessage: () => 'lists broker URLs with different users; every node must be reached as the same user',
      },
    });
  };
}
