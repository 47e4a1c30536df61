import {
  DEFAULT_INGRESS_PARTITIONS,
  HUB_INGRESS_QUEUE,
  ingressPartitionQueues,
  partnerInboxQueue,
} from '@cstr/contracts';
import type { AppDefinition } from '@cstr/platform';
import { BrokerFixture } from '../harness/broker-fixture';
import type { TestEnvironment } from '../harness/test-env';
import { AppsUnderTest, type AppUnderTest } from './apps-under-test';
import { freePort } from './free-port';
import { PartnersFileCopy } from './partners-file';
import { OperatorToken, SandboxCredentials } from './sandbox-credentials';
import { callJson, type SandboxAnswer } from './sandbox-process';

/** An app definition whatever its config class (the harness only passes environment keys). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAppDefinition = AppDefinition<any>;

/** One adapter instance of the system: the app, the partner it serves, and keys of its own. */
export interface SystemAdapter {
  readonly definition: AnyAppDefinition;
  readonly partnerId: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** The apps of the system (the test imports them: libs never import apps). */
export interface PathwaySystemApps {
  readonly hub: AnyAppDefinition;
  readonly sandbox: AnyAppDefinition;
  readonly adapters: readonly SystemAdapter[];
  /** More keys for the hub. */
  readonly hubEnv?: Readonly<Record<string, string>>;
  /** More keys for the sandbox. */
  readonly sandboxEnv?: Readonly<Record<string, string>>;
}

/** A principal of the shipped config/principals.yaml and its demo secret (local and test stacks only). */
export interface DemoPrincipal {
  readonly id: string;
  readonly secret: string;
}

/** The demo principal `id` of config/principals.yaml: its secret is `dev-only-<id>`. */
export function demoPrincipal(id: string): DemoPrincipal {
  return { id, secret: `dev-only-${id}` };
}

/**
 * The whole system for pathway tests, in this process: the partner sandbox, the hub and one
 * adapter per partner given, each with its own schema and (adapters) its partner's own broker
 * user, against the test broker and database — as `npm start` runs them, in one Jest worker.
 * Partner systems are the sandbox's stand-ins (a copy of config/partners.yaml points at it); the
 * sandbox pushes to each adapter on a port chosen before it starts.
 *
 * Start it once per test file: {@link start} purges `hub.ingress` and the inboxes of the partners
 * given, so what earlier tests left in the shared queues does not reach this system.
 */
export class PathwaySystem {
  private constructor(
    private readonly apps: AppsUnderTest,
    private readonly partnersFile: PartnersFileCopy,
    readonly sandbox: AppUnderTest,
    readonly hub: AppUnderTest,
    private readonly adapters: ReadonlyMap<string, AppUnderTest>,
    /** The sandbox operator's token: the stand-ins' partner APIs require one (tests act as the partners' staff). */
    readonly operator: OperatorToken,
  ) {}

  static async start(env: TestEnvironment, definitions: PathwaySystemApps): Promise<PathwaySystem> {
    await purge(env, [
      HUB_INGRESS_QUEUE,
      ...ingressPartitionQueues(DEFAULT_INGRESS_PARTITIONS),
      ...definitions.adapters.map((adapter) => partnerInboxQueue(adapter.partnerId)),
    ]);
    const apps = new AppsUnderTest(env);
    let partnersFile: PartnersFileCopy | undefined;
    try {
      const ports = new Map<string, number>();
      for (const adapter of definitions.adapters) ports.set(adapter.partnerId, await freePort());
      const adapterUrls = Object.fromEntries(
        [...ports].map(([partnerId, port]) => [partnerId, `http://127.0.0.1:${port}`]),
      );
      // Each adapter's client secret or key for its partner's token endpoint, made for this run.
      const credentials = SandboxCredentials.generate();
      const sandbox = await apps.start(definitions.sandbox, env.hubUrl, {
        SANDBOX_ADAPTER_URLS: JSON.stringify(adapterUrls),
        SANDBOX_MAX_RECORDS: '20000',
        ...credentials.sandboxEnv,
        ...definitions.sandboxEnv,
      });
      partnersFile = PartnersFileCopy.write(sandbox.url);
      const hub = await apps.start(definitions.hub, env.hubUrl, {
        PARTNERS_FILE: partnersFile.path,
        ...definitions.hubEnv,
      });
      const adapters = new Map<string, AppUnderTest>();
      for (const adapter of definitions.adapters) {
        const url = adapterUrls[adapter.partnerId];
        const started = await apps.start(adapter.definition, env.partnerUrls[adapter.partnerId] ?? '', {
          PARTNER_ID: adapter.partnerId,
          PARTNERS_FILE: partnersFile.path,
          HTTP_PORT: String(ports.get(adapter.partnerId)),
          // Where the provider's FHIR server sends Subscription notifications (other adapters ignore it).
          ADAPTER_PUBLIC_URL: url,
          ...credentials.adapterEnv(adapter.partnerId),
          ...adapter.env,
        });
        adapters.set(adapter.partnerId, started);
      }
      const operator = new OperatorToken(sandbox.url, credentials.operatorSecret);
      return new PathwaySystem(apps, partnersFile, sandbox, hub, adapters, operator);
    } catch (error) {
      await apps.stopAll();
      partnersFile?.remove();
      throw error;
    }
  }

  /** The adapter serving `partnerId`. */
  adapter(partnerId: string): AppUnderTest {
    const adapter = this.adapters.get(partnerId);
    if (!adapter) throw new Error(`No adapter for ${partnerId} in this system`);
    return adapter;
  }

  /** Calls a sandbox stand-in (`/sandbox/{kind}/{partnerId}/…`) as the sandbox operator, JSON in and out. */
  async callSandbox(method: string, path: string, body?: unknown): Promise<SandboxAnswer> {
    return callJson(this.sandbox.url, method, path, body, { authorization: await this.operator.header() });
  }

  /** What the stand-ins of `kind` recorded (`GET /sandbox/{kind}/received`), oldest first. */
  async received<R = SandboxRecord>(
    kind: 'hmcts' | 'ld' | 'delius' | 'fhir' | 'pds',
    query: Readonly<Record<string, string>> = {},
  ): Promise<R[]> {
    const { status, body } = await this.callSandbox(
      'GET',
      `/sandbox/${kind}/received?${new URLSearchParams(query).toString()}`,
    );
    if (status !== 200) throw new Error(`GET /sandbox/${kind}/received answered ${status}`);
    return body.records as R[];
  }

  /** Calls the hub's HTTP API as `principal` (HTTP Basic). */
  callHub(principal: DemoPrincipal, method: string, path: string, body?: unknown): Promise<SandboxAnswer> {
    const authorization = `Basic ${Buffer.from(`${principal.id}:${principal.secret}`).toString('base64')}`;
    return callJson(this.hub.url, method, path, body, {
      authorization,
      ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }),
    });
  }

  /** Stops every app (adapters first, then the hub, then the sandbox) and drops their schemas. */
  async stop(): Promise<void> {
    await this.apps.stopAll();
    this.partnersFile.remove();
  }
}

/** A record of `GET /sandbox/{kind}/received` (apps/partner-sandbox/README.md). */
export interface SandboxRecord {
  readonly id: string;
  readonly partnerId: string;
  readonly direction: 'received' | 'sent';
  readonly at: string;
  readonly method: string;
  readonly url: string;
  readonly status: number | null;
  readonly body?: Record<string, unknown>;
}

async function purge(env: TestEnvironment, queues: readonly string[]): Promise<void> {
  const broker = await BrokerFixture.open(env.rabbitAdminUrl);
  try {
    for (const queue of queues) await broker.channel.purgeQueue(queue);
  } finally {
    await broker.close();
  }
}
