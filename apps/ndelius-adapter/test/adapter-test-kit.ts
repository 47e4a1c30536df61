import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { TestProcess, type TestEnvironment, uniqueName } from '@cstr/testing';

/** The partner sandbox run in its own process (apps never import one another), on a free port. */
export class SandboxProcess {
  private constructor(
    private readonly process: TestProcess,
    /** e.g. `http://127.0.0.1:41234`. */
    readonly url: string,
    private readonly schema: string,
    private readonly databaseUrl: string,
  ) {}

  static async start(env: TestEnvironment): Promise<SandboxProcess> {
    const schema = uniqueName('sandbox');
    const child = TestProcess.start('apps/partner-sandbox/src/main.ts', {
      RABBITMQ_URL: env.hubUrl,
      DATABASE_URL: env.databaseUrl,
      DATABASE_SCHEMA: schema,
      HTTP_PORT: '0',
      LOG_LEVEL: 'log',
    });
    const [, url] = await child.waitFor(/listening on (http:\/\/[0-9A-Za-z.:[\]-]+)/, 60_000);
    return new SandboxProcess(child, url.replace('[::1]', '127.0.0.1').replace(/\/$/, ''), schema, env.databaseUrl);
  }

  /** Calls the sandbox; JSON in and out (the caller states the members it reads). */
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async stop(): Promise<void> {
    await this.process.kill('SIGTERM');
    const client = new Client({ connectionString: this.databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`).finally(() => client.end());
  }
}

/** A copy of config/partners.yaml whose partner URLs point at the sandbox actually running. */
export class PartnersFileCopy {
  private constructor(
    private readonly dir: string,
    readonly path: string,
  ) {}

  static write(sandboxUrl: string): PartnersFileCopy {
    const dir = mkdtempSync(join(tmpdir(), 'partners-'));
    const path = join(dir, 'partners.yaml');
    writeFileSync(path, readFileSync('config/partners.yaml', 'utf8').replaceAll('http://127.0.0.1:3200', sandboxUrl));
    return new PartnersFileCopy(dir, path);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Drops a test schema. */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => client.end());
}
