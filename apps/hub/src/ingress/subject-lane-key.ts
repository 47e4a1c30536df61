import type * as amqp from 'amqplib';
import { HUB_INGRESS_QUEUE } from '@cstr/contracts';
import { COMMON_PLATFORM_DEFENDANT_ID_SYSTEM, CRN_SYSTEM, CRO_NUMBER_SYSTEM, NHS_NUMBER_SYSTEM, PNC_ID_SYSTEM, readSubjectIdentifiers } from '@cstr/identity';
import { originalRoutingKey } from '@cstr/messaging';
import { patientIn } from './ingress.pipeline';

/** Identifier systems in the order one is picked as a subject's ordering key (the most stable first). */
const KEY_SYSTEM_ORDER = [NHS_NUMBER_SYSTEM, CRN_SYSTEM, PNC_ID_SYSTEM, CRO_NUMBER_SYSTEM, COMMON_PLATFORM_DEFENDANT_ID_SYSTEM];

/**
 * The ordering key of an event on `hub.ingress`: its sender (the routing key's prefix) and the
 * subject's most stable valid identifier. Events one partner sends about one person therefore take
 * one consumer lane and are applied in the order they were sent (a consent withdrawal before the
 * next event), while other people's events run in parallel lanes. Undefined for a body the hub
 * cannot read; such an event is refused whatever lane it takes.
 */
export function subjectLaneKey(raw: amqp.ConsumeMessage): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw.content.toString('utf8'));
  } catch {
    return undefined;
  }
  const valid = readSubjectIdentifiers(patientIn(body)?.identifier).valid;
  if (valid.length === 0) return undefined;
  const rank = (system: string) => {
    const index = KEY_SYSTEM_ORDER.indexOf(system);
    return index < 0 ? KEY_SYSTEM_ORDER.length : index;
  };
  const [first] = [...valid].sort((a, b) => rank(a.system) - rank(b.system) || a.system.localeCompare(b.system));
  // A retry comes back under `hub.ingress.redeliver`: the sender is in the original key.
  const sender = originalRoutingKey(raw, HUB_INGRESS_QUEUE).split('.')[0];
  return `${sender}|${first.system}|${first.value}`;
}
