import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AdapterPusher } from '../shared/adapter-pusher';
import { matchesSearch, searchParamsOf, type StoredResource } from './fhir-search';
import { FhirStore } from './fhir-store';

/** A Subscription's criteria, read: the resource type and its filters (`Appointment?status=noshow`). */
export function parseCriteria(criteria: string): { type: string; query: string } {
  const at = criteria.indexOf('?');
  return at < 0 ? { type: criteria, query: '' } : { type: criteria.slice(0, at), query: criteria.slice(at + 1) };
}

/** `Name: value` channel headers as a header map (malformed entries are skipped). */
function channelHeaders(headers: unknown): Record<string, string> {
  if (!Array.isArray(headers)) return {};
  return Object.fromEntries(
    headers.flatMap((header: unknown) => {
      if (typeof header !== 'string' || !header.includes(':')) return [];
      return [[header.slice(0, header.indexOf(':')).trim(), header.slice(header.indexOf(':') + 1).trim()]];
    }),
  );
}

/**
 * Rest-hook notifications: after each create or update, every active Subscription of the partner
 * whose criteria the resource matches gets an id-only notification — a `history` Bundle whose one
 * entry has the resource's fullUrl, request and response, but no resource — POSTed to its
 * `channel.endpoint` with its `channel.header`s.
 */
@Injectable()
export class SubscriptionNotifier {
  private readonly logger = new Logger(SubscriptionNotifier.name);

  constructor(
    private readonly store: FhirStore,
    private readonly pusher: AdapterPusher,
  ) {}

  /** Notifies the matching subscribers; resolves once every notification was answered or failed. */
  async notify(partnerId: string, resource: StoredResource, created: boolean, fullUrl: string): Promise<void> {
    if (resource.resourceType === 'Subscription') return;
    const subscriptions = this.store.search(partnerId, 'Subscription', [['status', 'active']]);
    const matching = subscriptions.filter((subscription) => {
      const { type, query } = parseCriteria(String(subscription.criteria));
      return type === resource.resourceType && matchesSearch(resource, searchParamsOf(query));
    });
    await Promise.all(
      matching.map(async (subscription) => {
        const channel = subscription.channel as { endpoint: string; header?: unknown };
        const bundle = {
          resourceType: 'Bundle',
          id: randomUUID(),
          type: 'history',
          timestamp: new Date().toISOString(),
          entry: [
            {
              fullUrl,
              request: {
                method: created ? 'POST' : 'PUT',
                url: created ? resource.resourceType : `${resource.resourceType}/${resource.id}`,
              },
              response: {
                status: created ? '201 Created' : '200 OK',
                etag: `W/"${resource.meta.versionId}"`,
                lastModified: resource.meta.lastUpdated,
              },
            },
          ],
        };
        const result = await this.pusher.send({
          kind: 'fhir',
          partnerId,
          method: 'POST',
          url: channel.endpoint,
          body: bundle,
          contentType: 'application/fhir+json',
          headers: { ...channelHeaders(channel.header), 'x-subscription-id': subscription.id },
          identifiers: this.store.identifierValuesAbout(partnerId, resource),
        });
        if (result.status === null || result.status >= 300)
          this.logger.warn(
            `Notification of Subscription/${subscription.id} to ${channel.endpoint} failed: ${result.error ?? result.status}`,
          );
      }),
    );
  }
}
