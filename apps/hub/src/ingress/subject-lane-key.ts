import type * as amqp from 'amqplib';
import { patientOf } from '@cstr/fhir';
import { readSubjectIdentifiers } from '@cstr/identity';
import { jsonBodyOf } from '@cstr/messaging';

/**
 * The ordering key of an event on `hub.ingress`, computed by the hub from the subject (never a
 * header a partner sets): the subject's most stable valid identifier, whoever sent it. Events
 * naming a person by the same identifier take one consumer lane and are applied in the order the
 * hub received them — a consent withdrawal before the sender's next event, a restriction before
 * the next sender's — also when one of them is retried (the lane retries in place), while other
 * people's events run in parallel lanes. Events about one person that share no identifier (a
 * court's PNC ID, a provider's NHS number) may take two lanes; `CONSUMER_LANES=1` orders
 * everything. Undefined for a body the hub cannot read; such an event is refused whatever lane it takes.
 */
export function subjectLaneKey(raw: amqp.ConsumeMessage): string | undefined {
  const parsed = jsonBodyOf(raw);
  if (!parsed.ok) return undefined;
  // Valid identifiers come ordered by IDENTIFIER_PRIORITY: NHS number, CRN, PNC ID, CRO number, Common Platform id.
  const [first] = readSubjectIdentifiers(patientOf(parsed.body)?.identifier).valid;
  return first ? `${first.system}|${first.value}` : undefined;
}
