import { AUDIT_MIGRATIONS, AUDIT_RUNTIME_PRIVILEGES } from '@cstr/audit';
import { HUB_INGRESS_QUEUE } from '@cstr/contracts';
import { PERSON_INDEX_MIGRATIONS } from '@cstr/identity';
import { AppDefinition } from '@cstr/platform';
import { HUB_AGREEMENT_MIGRATIONS } from './agreements/agreement-store.migration';
import { HUB_AUTH_MIGRATIONS } from './auth/auth-schema.migration';
import { HubConfig } from './hub.config';
import { HubModule } from './hub.module';
import { HUB_HTTP_MIGRATIONS } from './http/hub-http-schema.migration';
import { configureHubHttp } from './http/hub-http.setup';
import { HUB_INGRESS_MIGRATIONS } from './ingress/hub-state.migration';
import { subjectLaneKey } from './ingress/subject-lane-key';
import { HUB_PATHWAY_MIGRATIONS } from './pathway/pathway-schema.migration';
import { HUB_REPORTING_MIGRATIONS } from './reporting/reporting-schema.migration';

/** How the hub is put together: it consumes `hub.ingress`; its tables are the person index, the audit and the ingress state. */
export const hubApp: AppDefinition<HubConfig> = {
  name: 'hub',
  configClass: HubConfig,
  module: HubModule,
  queue: () => HUB_INGRESS_QUEUE,
  configureHttp: configureHubHttp,
  laneKey: subjectLaneKey,
  // Partners could set the partition key header: the lane comes from the subject the hub reads.
  trustPartitionKey: false,

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
