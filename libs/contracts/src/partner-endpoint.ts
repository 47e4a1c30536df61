/** URN scheme of partner endpoints in `MessageHeader.source.endpoint` and `destination.endpoint`. */
export const PARTNER_ENDPOINT_PREFIX = 'urn:cstr-hub:partner:';

/**
 * The endpoint URN of a partner (SPEC §3), e.g. `urn:cstr-hub:partner:nps-london`.
 * The hub itself uses the partner id `cstr-hub`.
 */
export function partnerEndpoint(partnerId: string): string {
  return `${PARTNER_ENDPOINT_PREFIX}${partnerId}`;
}

/** The partner id in an endpoint URN made by {@link partnerEndpoint}; undefined for any other URI. */
export function partnerIdFromEndpoint(endpoint: string): string | undefined {
  return endpoint.startsWith(PARTNER_ENDPOINT_PREFIX) && endpoint.length > PARTNER_ENDPOINT_PREFIX.length
    ? endpoint.slice(PARTNER_ENDPOINT_PREFIX.length)
    : undefined;
}

/** The partner id the hub uses for events it originates itself (`pathway.*`). */
export const HUB_PARTNER_ID = 'cstr-hub';
