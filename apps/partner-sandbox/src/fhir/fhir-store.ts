import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { setBounded } from '../shared/bounded';
import { SANDBOX_SETTINGS, type SandboxSettings } from '../shared/sandbox-settings';
import { matchesSearch, type SearchParams, type StoredResource } from './fhir-search';

/** The resource types the FHIR stand-in serves. */
export const FHIR_RESOURCE_TYPES = [
  'Patient',
  'ServiceRequest',
  'Task',
  'Appointment',
  'RiskAssessment',
  'Flag',
  'EpisodeOfCare',
  'CareTeam',
  'Consent',
  'Communication',
  'Observation',
  'Subscription',
] as const;

/** What a write did: the resource as stored, and whether it was new. */
export interface WriteResult {
  readonly resource: StoredResource;
  readonly created: boolean;
}

/**
 * The resources of each provider's FHIR server, in memory: server-assigned ids, versionId and a
 * strictly increasing `meta.lastUpdated` (so `_lastUpdated=gt<last seen>` never misses a write
 * made in the same millisecond). At most SANDBOX_MAX_RECORDS resources per partner.
 */
@Injectable()
export class FhirStore {
  private readonly byPartner = new Map<string, Map<string, StoredResource>>();
  private lastStamp = 0;

  constructor(@Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings) {}

  private resources(partnerId: string): Map<string, StoredResource> {
    let resources = this.byPartner.get(partnerId);
    if (!resources) {
      resources = new Map();
      this.byPartner.set(partnerId, resources);
    }
    return resources;
  }

  private stamp(): string {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return new Date(this.lastStamp).toISOString();
  }

  /** The current version of `type/id`, if any. */
  read(partnerId: string, type: string, id: string): StoredResource | undefined {
    return this.resources(partnerId).get(`${type}/${id}`);
  }

  /** Stores a new resource with a fresh id (any id in the body is replaced, as FHIR create does). */
  create(partnerId: string, body: Record<string, unknown>): StoredResource {
    const resource = this.stored(body, randomUUID(), '1');
    setBounded(
      this.resources(partnerId),
      `${resource.resourceType}/${resource.id}`,
      resource,
      this.settings.maxRecords,
    );
    return resource;
  }

  /** Stores a new version of `type/id` (creating it when absent: update as create). */
  update(partnerId: string, type: string, id: string, body: Record<string, unknown>): WriteResult {
    const current = this.read(partnerId, type, id);
    const resource = this.stored(body, id, current ? String(Number(current.meta.versionId) + 1) : '1');
    setBounded(this.resources(partnerId), `${type}/${id}`, resource, this.settings.maxRecords);
    return { resource, created: !current };
  }

  /** The resources of a type matching the filters, oldest `lastUpdated` first. */
  search(partnerId: string, type: string, filters: SearchParams): StoredResource[] {
    return [...this.resources(partnerId).values()]
      .filter((resource) => resource.resourceType === type && matchesSearch(resource, filters))
      .sort((a, b) => a.meta.lastUpdated.localeCompare(b.meta.lastUpdated));
  }

  /**
   * The identifier values of a resource and of the Patients it references (`Patient/{id}`), so
   * the received log can be filtered by NHS number even for a ServiceRequest or a notification.
   */
  identifierValuesAbout(partnerId: string, resource: Record<string, unknown>): string[] {
    const values = identifierValues(resource);
    for (const reference of JSON.stringify(resource).match(/"Patient\/[A-Za-z0-9\-.]{1,64}"/g) ?? []) {
      const patient = this.read(partnerId, 'Patient', reference.slice('"Patient/'.length, -1));
      if (patient) values.push(...identifierValues(patient));
    }
    return values;
  }

  private stored(body: Record<string, unknown>, id: string, versionId: string): StoredResource {
    const meta = typeof body.meta === 'object' && body.meta !== null ? (body.meta as Record<string, unknown>) : {};
    return {
      ...body,
      resourceType: body.resourceType as string,
      id,
      meta: { ...meta, versionId, lastUpdated: this.stamp() },
    };
  }
}

function identifierValues(resource: Record<string, unknown>): string[] {
  const identifiers = Array.isArray(resource.identifier) ? (resource.identifier as unknown[]) : [];
  return identifiers.flatMap((identifier) =>
    typeof identifier === 'object' &&
    identifier !== null &&
    typeof (identifier as { value?: unknown }).value === 'string'
      ? [(identifier as { value: string }).value]
      : [],
  );
}
