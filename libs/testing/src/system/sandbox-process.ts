import type { TestEnvironment } from '../harness/test-env';
import { uniqueName } from '../harness/test-env';
import { TestProcess } from '../harness/child-process';
import { OperatorToken, SandboxCredentials } from './sandbox-credentials';
import { dropTestDatabase, provisionTestDatabase, type TestDatabase } from './schemas';

/** Options of {@link SandboxProcess.start}. */
export interface SandboxProcessOptions {
  /** Base URL of each partner's adapter, for pushes without a `targetUrl` (`SANDBOX_ADAPTER_URLS`). */
  readonly adapterUrls?: Readonly<Record<string, string>>;
  /** More environment variables for the sandbox. */
  readonly env?: Readonly<Record<string, string>>;
  /** The token-endpoint clients it registers (default: new ones; give the adapters the same: `credentials.adapterEnv(id)`). */
  readonly credentials?: SandboxCredentials;
}

/** An answer of the sandbox: status and JSON body (the caller states the members it reads). */
export interface SandboxAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * The partner sandbox run in its own process, on a free port, in a schema of its own (an app's
 * tests never import another app, so an adapter's tests cannot boot the sandbox in-process).
 */
export class SandboxProcess {
  private constructor(
    private readonly process: TestProcess,
    /** e.g. `http://127.0.0.1:41234` (no trailing slash). */
    readonly url: string,
    readonly schema: string,
    private readonly databaseUrl: string,
    private readonly database: TestDatabase,
    /** The clients registered with its token issuer: pass `credentials.adapterEnv(partnerId)` to an adapter. */
    readonly credentials: SandboxCredentials,
    private readonly operator: OperatorToken,
  ) {}

  /** Starts the sandbox; resolves once it listens. */
  static async start(env: TestEnvironment, options: SandboxProcessOptions = {}): Promise<SandboxProcess> {
    const schema = uniqueName('partner_sandbox');
    const credentials = options.credentials ?? SandboxCredentials.generate();
    // Its own runtime role and schema owner, as in a deployment.
    const database = await provisionTestDatabase(env.databaseUrl, schema);
    const child = TestProcess.start('apps/partner-sandbox/src/main.ts', {
      RABBITMQ_URL: env.hubUrl,
      ...database.env,
      DATABASE_SCHEMA: schema,
      HTTP_PORT: '0',
      LOG_LEVEL: 'log',
      ...(options.adapterUrls ? { SANDBOX_ADAPTER_URLS: JSON.stringify(options.adapterUrls) } : {}),
      ...credentials.sandboxEnv,
      ...options.env,
    });
    const [, url] = await child.waitFor(/partner-sandbox listening on (http:\/\/[\w.:[\]-]+)/, 90_000);
    const base = url.replace('[::1]', '127.0.0.1').replace(/\/$/, '');
    return new SandboxProcess(
      child,
      base,
      schema,
      env.databaseUrl,
      database,
      credentials,
      new OperatorToken(base, credentials.operatorSecret),
    );
  }

  /** Calls the sandbox as its operator (the stand-ins' partner APIs require a token), JSON in and out. */
  async call(method: string, path: string, body?: unknown): Promise<SandboxAnswer> {
    return callJson(this.url, method, path, body, { authorization: await this.operator.header() });
  }

  /** Stops the process (SIGTERM) and drops its schema and roles; the sandbox may already be stopped. */
  async stop(): Promise<void> {
    await this.process.kill('SIGTERM');
    await dropTestDatabase(this.databaseUrl, this.database);
  }
}

/** One JSON request to `baseUrl + path`; an empty answer body is `{}`. */
export async function callJson(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<SandboxAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
