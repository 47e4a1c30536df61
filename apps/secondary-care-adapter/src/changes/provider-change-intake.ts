import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { FhirResource, Reference } from 'fhir/r4';
import { mapProviderResource, PROVIDER_RESOURCE_TYPES, type MappingContext } from '@cstr/fhir';
import type { IngressPublisher } from '@cstr/platform';
import type { ProviderFhirClient } from '../provider/provider-fhir.client';

/** What taking in one changed resource came to. */
export type ChangeIntakeResult =
  | { readonly kind: 'published'; readonly events: number }
  /** Already taken in (same id and versionId), of no interest, or unmappable (logged): nothing to do. */
  | { readonly kind: 'skipped'; readonly reason: string }
  /** The provider's server could not be read: try again later. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/**
 * A changed Appointment / Task / RiskAssessment / EpisodeOfCare / Consent on the provider's server (told by a
 * rest-hook notification, or found by polling) → read it and its Patient, map it with
 * `mapProviderResource`, publish the events. De-duplicated by resource id + versionId in
 * `provider_resource_version`, written in the same transaction as the outbox rows.
 */
export class ProviderChangeIntake {
  private readonly logger = new Logger(ProviderChangeIntake.name);

  constructor(
    private readonly fhir: ProviderFhirClient,
    private readonly dataSource: DataSource,
    private readonly publisher: IngressPublisher,
    private readonly context: () => MappingContext,
  ) {}

  /** Takes in `{type}/{id}`, reading its current version. */
  async ingest(resourceType: string, id: string): Promise<ChangeIntakeResult> {
    if (!isProviderResourceType(resourceType))
      return { kind: 'skipped', reason: `${resourceType} is not a type the hub follows.` };
    const read = await this.fhir.read<FhirResource>(resourceType as FhirResource['resourceType'], id);
    if (read.kind === 'unavailable') return read;
    if (read.kind === 'rejected')
      return { kind: 'skipped', reason: `The ${resourceType} could not be read (${read.status}).` };
    return this.ingestResource(read.resource);
  }

  /** Takes in a resource already read (a poll returns them whole). */
  async ingestResource(resource: FhirResource): Promise<ChangeIntakeResult> {
    const version = resource.meta?.versionId ?? resource.meta?.lastUpdated;
    if (!resource.id || !version) return { kind: 'skipped', reason: 'The resource has no id or version.' };
    const patientId = patientIdOf(resource);
    const patient = patientId ? await this.fhir.read<FhirResource>('Patient', patientId) : undefined;
    if (patient?.kind === 'unavailable') return patient;
    const mapped = mapProviderResource(resource, patient?.kind === 'ok' ? patient.resource : undefined, this.context());
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `INSERT INTO provider_resource_version (resource_type, resource_id, version_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING resource_id`,
        [resource.resourceType, resource.id, version],
      )) as unknown[];
      if (rows.length === 0) return { kind: 'skipped', reason: 'This version was already taken in.' } as const;
      if (mapped.kind === 'ignored') return { kind: 'skipped', reason: mapped.reason } as const;
      if (mapped.kind === 'invalid') {
        // Recorded as seen: the provider must correct the record (a new version), not the adapter retry.
        this.logger.warn(
          `${resource.resourceType} version not mappable: ${mapped.outcome.issue.map((issue) => `${issue.code} at ${issue.expression?.join(',') ?? '-'}`).join('; ')}`,
        );
        return { kind: 'skipped', reason: 'The resource does not follow the conventions (logged).' } as const;
      }
      const published = await this.publisher.publish(
        manager,
        mapped.events.map((input) => ({ input })),
      );
      if (!published.ok)
        throw new Error(
          `An event mapped from a ${resource.resourceType} failed validation: ${published.rejected[0]?.outcome.issue[0]?.diagnostics ?? ''}`.slice(
            0,
            300,
          ),
        );
      return { kind: 'published', events: published.queued } as const;
    });
  }
}

function isProviderResourceType(type: string): boolean {
  return (PROVIDER_RESOURCE_TYPES as readonly string[]).includes(type);
}

/** The id of the Patient the resource is about (`subject`, `patient`, `for` or a participant). */
export function patientIdOf(resource: FhirResource): string | undefined {
  const candidate = resource as {
    subject?: Reference;
    patient?: Reference;
    for?: Reference;
    participant?: { actor?: Reference }[];
  };
  const references = [
    candidate.subject,
    candidate.patient,
    candidate.for,
    ...(candidate.participant ?? []).map((participant) => participant.actor),
  ];
  for (const reference of references) {
    const match = /^(?:.*\/)?Patient\/([A-Za-z0-9.-]{1,64})$/.exec(reference?.reference ?? '');
    if (match) return match[1];
  }
  return undefined;
}
