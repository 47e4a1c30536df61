import type * as amqp from 'amqplib';
import { HUB_INGRESS_QUEUE } from '@cstr/contracts';
import { readSubjectIdentifiers } from '@cstr/identity';
import { jsonBodyOf, originalRoutingKey } from '@cstr/messaging';
import { patientIn } from './ingress.pipeline';

/**
 * The ordering key of an event on `hub.ingress`: its sender (the routing key's prefix) and the
 * subject's most stable valid identifier. Events one partner sends about one person therefore take
 * one consumer lane and are applied in the order they were sent (a consent withdrawal before the
 * next event), while other people's events run in parallel lanes. Undefined for a body the hub
 * cannot read; such an event is refused whatever lane it takes.
 */
export function subjectLaneKey(raw: amqp.ConsumeMessage): string | undefined {
  const parsed = jsonBodyOf(raw);
  if (!parsed.ok) return undefined;
  const body = parsed.body;
  // Valid identifiers come ordered by IDENTIFIER_PRIORITY: NHS number, CRN, PNC ID, CRO number, Common Platform id.
  const [first] = readSubjectIdentifiers(patientIn(body)?.identifier).valid;
  if (!first) return undefined;
  // A retry comes back under `hub.ingress.redeliver`: the sender is in the original key.
  const sender = originalRoutingKey(raw, HUB_INGRESS_QUEUE).split('.')[0];
  return `${sender}|${first.system}|${first.value}`;
}
