import type { Meta, Resource } from 'fhir/r4';
import { ukCoreProfile, type UkCoreProfiledType } from './uk-core-profiles';

/** What a builder takes: the resource without `resourceType`, `id` and `meta.profile`, which it sets. */
export type ResourceFields<R extends Resource> = Omit<R, 'resourceType' | 'id' | 'meta'> & {
  meta?: Omit<Meta, 'profile'>;
};

/** Assembles a resource claiming its UK Core profile, keeping `resourceType`, `id`, `meta` first. */
export function ukCoreResource<R extends Resource>(
  resourceType: R['resourceType'] & UkCoreProfiledType,
  id: string,
  fields: ResourceFields<R>,
): R {
  const { meta, ...rest } = fields;
  return { resourceType, id, meta: { ...meta, profile: [ukCoreProfile(resourceType)] }, ...rest } as unknown as R;
}

/** Assembles a base R4 resource (no UK Core profile exists for its type). */
export function baseResource<R extends Resource>(
  resourceType: R['resourceType'],
  id: string,
  fields: ResourceFields<R>,
): R {
  return { resourceType, id, ...fields } as unknown as R;
}
