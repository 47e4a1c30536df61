import { SUPPORTED_SEARCH_PARAMS } from './fhir-search';
import { FHIR_RESOURCE_TYPES } from './fhir-store';

/** The CapabilityStatement of a provider's FHIR server; Subscription is listed only when rest-hooks are supported. */
export function capabilityStatement(
  baseUrl: string,
  partnerName: string,
  subscriptions: boolean,
): Record<string, unknown> {
  const types = FHIR_RESOURCE_TYPES.filter((type) => type !== 'Subscription' || subscriptions);
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'cstr-hub partner sandbox FHIR server' },
    implementation: { description: `${partnerName} (sandbox)`, url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        resource: types.map((type) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'create' }, { code: 'update' }, { code: 'search-type' }],
          versioning: 'versioned',
          updateCreate: true,
          conditionalCreate: true,
          searchParam: SUPPORTED_SEARCH_PARAMS.map((name) => ({
            name,
            type: name === '_lastUpdated' ? 'date' : name === 'patient' || name === 'subject' ? 'reference' : 'token',
          })),
        })),
        ...(subscriptions
          ? { documentation: 'Subscriptions: channel.type rest-hook; notifications are id-only history Bundles.' }
          : { documentation: 'No Subscriptions: poll with _lastUpdated.' }),
      },
    ],
  };
}
