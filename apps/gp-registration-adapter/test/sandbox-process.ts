import { TestProcess, uniqueName, type TestEnvironment } from '@cstr/testing';

/** The partner sandbox run as its own process (apps never import one another, tests included). */
export interface SandboxProcess {
  readonly url: string;
  readonly schema: string;
  stop(): Promise<void>;
}

/** Starts the sandbox on a free port, pushing to the given adapter base URLs; resolves once it listens. */
export async function startSandbox(env: TestEnvironment, adapterUrls: Record<string, string>): Promise<SandboxProcess> {
  const schema = uniqueName('partner_sandbox');
  const sandbox = TestProcess.start('apps/partner-sandbox/src/main.ts', {
    RABBITMQ_URL: env.hubUrl,
    DATABASE_URL: env.databaseUrl,
    DATABASE_SCHEMA: schema,
    HTTP_PORT: '0',
    LOG_LEVEL: 'log',
    SANDBOX_ADAPTER_URLS: JSON.stringify(adapterUrls),
  });
  const [, url] = await sandbox.waitFor(/partner-sandbox listening on (http:\/\/[\w.:[\]-]+)/, 90_000);
  return { url: url.replace('[::1]', '127.0.0.1'), schema, stop: () => sandbox.kill('SIGTERM') };
}
