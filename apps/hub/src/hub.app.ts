import { AUDIT_MIGRATIONS, AUDIT_RUNTIME_PRIVILEGES } from '@cstr/audit';
import { ingressPartitionQueues } from '@cstr/contracts';
import { HUB_BROKER_USER } from '@cstr/messaging';
import { PERSON_INDEX_MIGRATIONS } from '@cstr/identity';
import { AppDefinition } from '@cstr/platform';
import { HUB_AGREEMENT_MIGRATIONS } from './agreements/agreement-store.migration';
import { HUB_AUTH_MIGRATIONS } from './auth/auth-schema.migration';
import { HubConfig } from './hub.config';
import { HubModule } from './hub.module';
import { HUB_HTTP_MIGRATIONS } from './http/hub-http-schema.migration';
import { configureHubHttp } from './http/hub-http.setup';
import { BundleValidation } from './ingress/bundle-validation';
import { HUB_INGRESS_MIGRATIONS } from './ingress/hub-state.migration';
import { subjectLaneKey } from './ingress/subject-lane-key';
import { HUB_PATHWAY_MIGRATIONS } from './pathway/pathway-schema.migration';
import { HUB_REPORTING_MIGRATIONS } from './reporting/reporting-schema.migration';

/**
 * How the hub is put together: its ingress router (IngressModule) moves what `hub.ingress`
 * receives to the partitions `hub.ingress.p<k>`, and the hub applies every partition it is the
 * active consumer of; its tables are the person index, the audit and the ingress state.
 */
export const hubApp: AppDefinition<HubConfig> = {
  name: 'hub',
  configClass: HubConfig,
  module: HubModule,
  queues: (config) => ingressPartitionQueues(config.INGRESS_PARTITIONS),
  configureHttp: configureHubHttp,
  laneKey: subjectLaneKey,
  // The lane comes from the subject the hub reads, as the router's partition key does.
  trustPartitionKey: false,
  // Only the hub's router (and the hub's own retries) write the partitions: anything else is dead-lettered unread.
  acceptedPublishers: () => ({ publishers: [HUB_BROKER_USER], redeliveredBy: [HUB_BROKER_USER] }),
  // A batch's Bundles are validated on worker threads (VALIDATION_WORKERS) before its transaction opens.
  prepareBatch: (app) => {
    const validation = app.get(BundleValidation);
    return (batch) => validation.prepare(batch);
  },

  migrations: [
    ...PERSON_INDEX_MIGRATIONS,
    ...AUDIT_MIGRATIONS,
    ...HUB_INGRESS_MIGRATIONS,
    ...HUB_HTTP_MIGRATIONS,
    ...HUB_AUTH_MIGRATIONS,
    ...HUB_PATHWAY_MIGRATIONS,
    ...HUB_REPORTING_MIGRATIONS,
    ...HUB_AGREEMENT_MIGRATIONS,
  ],
  // The runtime role (DATABASE_URL) appends to the audit and never rewrites it.
  runtimePrivileges: AUDIT_RUNTIME_PRIVILEGES,
};
