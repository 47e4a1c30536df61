/** Builders of the message envelope: MessageHeader, the message Bundle, and AuditEvent. */
import type { AuditEvent, Bundle, BundleEntry, FhirResource, MessageHeader } from 'fhir/r4';
import { ukCoreResource, type ResourceFields } from './profiled-resource';
import type { BundledResource } from './resource-ids';
import { ukCoreProfile } from './uk-core-profiles';

/** UKCore-MessageHeader: `event[x]` and `source.endpoint` are required. */
export function buildMessageHeader(id: string, fields: ResourceFields<MessageHeader>): MessageHeader {
  return ukCoreResource<MessageHeader>('MessageHeader', id, fields);
}

/** UKCore-AuditEvent: `type`, `recorded`, at least one `agent` (with `requestor`) and `source.observer`. */
export function buildAuditEvent(id: string, fields: ResourceFields<AuditEvent>): AuditEvent {
  return ukCoreResource<AuditEvent>('AuditEvent', id, fields);
}

/** What a message Bundle is made of. */
export interface MessageBundleParts {
  /** Bundle id; the event id. */
  readonly id: string;
  /** When the message was assembled (ISO 8601 instant). */
  readonly timestamp: string;
  /** The MessageHeader first, then every other resource. */
  readonly header: BundledResource<MessageHeader>;
  readonly entries: readonly BundledResource[];
}

/**
 * A UKCore-Bundle of type `message`: the MessageHeader as `entry[0]`, then the other entries in
 * the order given; `identifier` is the event id as a URN, so a copy keeps it.
 */
export function buildMessageBundle(parts: MessageBundleParts): Bundle {
  const entry: BundleEntry<FhirResource>[] = [parts.header, ...parts.entries].map((each) => ({
    fullUrl: each.fullUrl,
    resource: each.resource as FhirResource,
  }));
  return {
    resourceType: 'Bundle',
    id: parts.id,
    meta: { profile: [ukCoreProfile('Bundle')] },
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${parts.id}` },
    type: 'message',
    timestamp: parts.timestamp,
    entry,
  };
}
