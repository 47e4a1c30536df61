/**
 * Stable resource ids: every resource of an event's Bundle gets a UUID derived from the event id
 * and the resource's role in the message (RFC 4122 version 5, SHA-1), so the same input always
 * gives the same Bundle — fixtures, retries and idempotent consumers rely on that.
 */
import { createHash } from 'node:crypto';
import type { Reference, Resource } from 'fhir/r4';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a UUID in its canonical textual form (any version). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** The RFC 4122 version-5 UUID of `name` in the namespace `namespace` (itself a UUID). */
export function uuidV5(namespace: string, name: string): string {
  if (!isUuid(namespace)) throw new TypeError('uuidV5: the namespace must be a UUID.');
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `urn:uuid:<id>`: the `fullUrl` of a Bundle entry whose resource id is a UUID. */
export function uuidFullUrl(id: string): string {
  return `urn:uuid:${id}`;
}

/** A resource with its Bundle `fullUrl`. */
export interface BundledResource<R extends Resource = Resource> {
  readonly fullUrl: string;
  readonly resource: R;
}

/** A reference to a bundled resource by its `fullUrl`, with an optional display. */
export function referenceTo(entry: BundledResource, display?: string): Reference {
  return display ? { reference: entry.fullUrl, display } : { reference: entry.fullUrl };
}
