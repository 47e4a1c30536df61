import { randomUUID } from 'node:crypto';

/** The SNS topic the sandbox pretends to publish on (HMPPS domain events arrive through SNS → SQS). */
export const SANDBOX_DOMAIN_EVENTS_TOPIC = 'arn:aws:sns:eu-west-2:000000000000:cstr-sandbox-hmpps-domain-events';

/** An HMPPS domain event as the SQS message body carries it: an SNS notification whose `Message` is the event JSON as a string. */
export interface SnsNotification {
  readonly Type: 'Notification';
  readonly MessageId: string;
  readonly TopicArn: string;
  /** The HMPPS domain event (`eventType`, `version`, `occurredAt`, `detailUrl`, `personReference`, …) as JSON text. */
  readonly Message: string;
  readonly Timestamp: string;
  readonly MessageAttributes: { readonly eventType: { readonly Type: 'String'; readonly Value: string } };
}

/** Wraps a domain event the way SNS delivers it to an SQS subscriber (raw delivery off). */
export function snsNotification(event: Record<string, unknown>, now: Date = new Date()): SnsNotification {
  return {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: SANDBOX_DOMAIN_EVENTS_TOPIC,
    Message: JSON.stringify(event),
    Timestamp: now.toISOString(),
    MessageAttributes: { eventType: { Type: 'String', Value: String(event.eventType) } },
  };
}
