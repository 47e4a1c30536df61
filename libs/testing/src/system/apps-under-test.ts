import type { INestApplication } from '@nestjs/common';
import { createApp, type AppDefinition, type BaseAppConfig } from '@cstr/platform';
import type { TestEnvironment } from '../harness/test-env';
import { uniqueName } from '../harness/test-env';
import { dropTestDatabase, provisionTestDatabase, type TestDatabase } from './schemas';

/** An app booted in this process for a test. */
export interface AppUnderTest {
  readonly app: INestApplication;
  /** e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  readonly schema: string;
  /** Its own runtime and owner roles. */
  readonly database: TestDatabase;
}

/**
 * Apps booted in-process with `createApp` (the test passes the app's definition: libs never
 * import apps), each in a fresh schema with database roles of its own — it works as its runtime
 * role, its migrations run as the schema's owner, as in a deployment; {@link stopAll} closes them
 * and drops their schemas and roles.
 */
export class AppsUnderTest {
  private readonly started: AppUnderTest[] = [];

  constructor(private readonly env: TestEnvironment) {}

  /**
   * Boots `definition` with `rabbitUrl` (the hub's user, or a partner's: `env.partnerUrls[id]`),
   * the test database, a schema of its own, a free port and quiet logs, plus `extra` keys.
   */
  async start<C extends BaseAppConfig>(
    definition: AppDefinition<C>,
    rabbitUrl: string,
    extra: Readonly<Record<string, string>> = {},
  ): Promise<AppUnderTest> {
    const schema = uniqueName(definition.name.replace(/-/g, '_'));
    const database = await provisionTestDatabase(this.env.databaseUrl, schema);
    const app = await createApp(definition, {
      RABBITMQ_URL: rabbitUrl,
      ...database.env,
      DATABASE_SCHEMA: schema,
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      ...extra,
    }).catch(async (error: unknown) => {
      await dropTestDatabase(this.env.databaseUrl, database);
      throw error;
    });
    const started: AppUnderTest = {
      app,
      url: (await app.getUrl()).replace('[::1]', '127.0.0.1').replace(/\/$/, ''),
      schema,
      database,
    };
    this.started.push(started);
    return started;
  }

  /** Closes one app and drops its schema and roles (after the close: its outbox relay polls the schema until it stops). */
  async stop(target: AppUnderTest): Promise<void> {
    const index = this.started.indexOf(target);
    if (index >= 0) this.started.splice(index, 1);
    await target.app.close();
    await dropTestDatabase(this.env.databaseUrl, target.database);
  }

  /** Closes every app still running, newest first, and drops their schemas. */
  async stopAll(): Promise<void> {
    for (const each of [...this.started].reverse()) await this.stop(each);
  }
}
