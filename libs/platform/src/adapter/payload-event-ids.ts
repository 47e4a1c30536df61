import { uuidV5 } from '@cstr/fhir';

/** Namespace of the event ids adapters derive from partner payloads. */
const PAYLOAD_EVENT_ID_NAMESPACE = '5b0e6f3a-2c1d-5e8f-9a4b-7c6d5e4f3a2b';

/**
 * An event-id generator for one partner payload: the n-th id is a version-5 UUID of the partner,
 * the payload's identity (e.g. its route and SHA-256) and n. A partner re-sending the same payload
 * therefore yields the same event ids, and the hub, which de-duplicates by event id, applies it once.
 */
export function payloadEventIds(partnerId: string, payloadIdentity: string): () => string {
  let next = 0;
  return () => uuidV5(PAYLOAD_EVENT_ID_NAMESPACE, `${partnerId}\u0000${payloadIdentity}\u0000${++next}`);
}
