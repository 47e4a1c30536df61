/** Boots the hub for the HTTP API tests, with test principals whose secrets the tests know. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '@cstr/platform';
import { testEnvironment, uniqueName } from '@cstr/testing';
import { hashSecret } from '../src/auth/secret-hash';
import type { Role } from '../src/auth/roles';
import { hubApp } from '../src/hub.app';

/** A test principal: its id, secret and roles. */
export interface TestPrincipal {
  readonly id: string;
  readonly secret: string;
  readonly roles: readonly Role[];
  readonly partner?: string;
}

/** One principal per role, a second partner, and a user with two roles. */
export const PRINCIPALS = {
  slam: { id: 'slam-mhtr', secret: 'test-secret-slam-mhtr', roles: ['partner'], partner: 'slam-mhtr' },
  probation: {
    id: 'nps-london-croydon',
    secret: 'test-secret-nps-croydon',
    roles: ['partner'],
    partner: 'nps-london-croydon',
  },
  gp: { id: 'pds-gp-registration', secret: 'test-secret-pds-gp', roles: ['partner'], partner: 'pds-gp-registration' },
  auditor: { id: 'ig-lead', secret: 'test-secret-ig-lead', roles: ['ig-auditor'] },
  operator: { id: 'ops', secret: 'test-secret-operator', roles: ['operator'] },
  admin: { id: 'root', secret: 'test-secret-admin', roles: ['admin'] },
  auditorOperator: { id: 'ig-and-ops', secret: 'test-secret-both', roles: ['ig-auditor', 'operator'] },
} as const satisfies Record<string, TestPrincipal>;

/** The `Authorization` header of a principal (or of any id and secret). */
export function basicAuth(principal: { readonly id: string; readonly secret: string }): string {
  return `Basic ${Buffer.from(`${principal.id}:${principal.secret}`).toString('base64')}`;
}

/** A running hub and what the tests need of it. */
export interface TestHub {
  readonly app: INestApplication;
  readonly dataSource: DataSource;
  close(): Promise<void>;
}

/** Boots the hub with its own schema and a principals file of {@link PRINCIPALS} (cheap hashes, written to a temporary folder). */
export async function bootHub(extra: Record<string, string> = {}): Promise<TestHub> {
  const env = testEnvironment();
  const folder = mkdtempSync(join(tmpdir(), 'hub-principals-'));
  const lines = ['principals:'];
  for (const principal of Object.values(PRINCIPALS) as TestPrincipal[]) {
    // Cheap scrypt cost: the tests log in thousands of times; the format is the production one.
    const secretHash = await hashSecret(principal.secret, { N: 1024, r: 8, p: 1 });
    lines.push(
      principal.partner
        ? `  - { id: ${principal.id}, kind: partner, partner: ${principal.partner}, secretHash: "${secretHash}" }`
        : `  - { id: ${principal.id}, kind: user, roles: [${principal.roles.join(', ')}], secretHash: "${secretHash}" }`,
    );
  }
  writeFileSync(join(folder, 'principals.yaml'), `${lines.join('\n')}\n`);
  const app = await createApp(hubApp, {
    RABBITMQ_URL: env.hubUrl,
    DATABASE_URL: env.databaseUrl,
    DATABASE_SCHEMA: uniqueName('hub_http'),
    HTTP_PORT: '0',
    LOG_LEVEL: 'error',
    PRINCIPALS_FILE: join(folder, 'principals.yaml'),
    LOGIN_MAX_FAILURES: '1000',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
    ...extra,
  });
  const dataSource = app.get(DataSource);
  return {
    app,
    dataSource,
    async close() {
      const schema = (dataSource.options as { schema?: string }).schema;
      await app.close();
      rmSync(folder, { recursive: true, force: true });
      // After the app (its outbox relay polls the schema until it stops).
      const client = new Client({ connectionString: env.databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${String(schema)} CASCADE`).finally(() => client.end());
    },
  };
}
