import { INestApplication, LogLevel, Logger, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource, type MigrationInterface } from 'typeorm';
import {
  AmqpConnection,
  AmqpTransport,
  Outbox,
  hubDeliveriesOnly,
  type AcceptedPublishers,
  type AmqpTransportOptions,
  type QueueConsumerOptions,
  databaseUrlUser,
  type RuntimeTablePrivileges,
} from '@cstr/messaging';
import { partnerInboxQueue, safeErrorText } from '@cstr/contracts';
import { BaseAppConfig, PartnerAdapterConfig, inPlaceRetryDelays, retryDelays } from './config/base-app.config';
import { ConfigError, loadConfig } from './config/load-config';
import { httpsOptions } from './config/tls';
import { OperationOutcomeFilter } from './http/operation-outcome.filter';
import { PlatformModule } from './platform.module';
import { AppIdentity } from './platform.tokens';
import { TransportRegistry } from './transport-registry';
import { connectTransport } from './transport/connect-transport';

/** How an app is put together: its name, config, root module, and the queue it consumes. */
export interface AppDefinition<C extends BaseAppConfig> {
  readonly name: string;
  readonly configClass: new () => C;
  readonly module: Type<unknown>;
  /** Instance name (defaults to the app name), e.g. one adapter instance per partner. */
  readonly instance?: (config: C) => string;
  /** The queue to consume, if any. */
  readonly queue?: (config: C) => string | undefined;
  /**
   * Several queues to consume instead of {@link queue} (the hub's ingress partitions): one
   * transport each, every one with the app's handlers and the same consumer name (idempotency).
   */
  readonly queues?: (config: C) => readonly string[];
  readonly migrations?: readonly (new () => MigrationInterface)[];
  /**
   * Tables of its schema on which the app's runtime role (DATABASE_URL) gets less than SELECT,
   * INSERT, UPDATE, DELETE — granted by the schema's owner after the migrations (DATABASE_MIGRATION_URL).
   */
  readonly runtimePrivileges?: RuntimeTablePrivileges;
  /** The ordering key of a consumed message without a partition key (see QueueConsumerOptions.laneKey). */
  readonly laneKey?: QueueConsumerOptions['laneKey'];
  /** Whether the partition key header of a delivery chooses its lane (QueueConsumerOptions.trustPartitionKey). Default true. */
  readonly trustPartitionKey?: boolean;
  /**
   * Whose deliveries the app acts on, given the broker user it connects as (see
   * QueueConsumerOptions.acceptedPublishers). Default: any.
   */
  readonly acceptedPublishers?: (ownBrokerUser: string) => AcceptedPublishers;
  /**
   * Work done on each batch before its transaction opens (see `AmqpTransportOptions.prepareBatch`),
   * taken from the booted app (the hub validates a batch's Bundles on its worker threads).
   */
  readonly prepareBatch?: (app: INestApplication) => AmqpTransportOptions['prepareBatch'];
  /**
   * Adjusts the HTTP server before it starts (body parsers, documentation routes): called once
   * the app is created, before Nest registers its default parsers, its routes and its 404 handler.
   */
  configureHttp?(app: INestApplication, config: C): void | Promise<void>;
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/**
 * Boots an app: validated config, platform (database, broker, outbox relay, health), the app's
 * module, its AMQP transport, and the HTTP server on `HTTP_HOST:HTTP_PORT`.
 */
export async function createApp<C extends BaseAppConfig>(
  definition: AppDefinition<C>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<INestApplication> {
  const config = loadConfig(definition.configClass, env);
  const queues = definition.queues?.(config) ?? [definition.queue?.(config)].filter((queue) => queue !== undefined);
  const identity: AppIdentity = {
    name: definition.name,
    instance: definition.instance?.(config) ?? definition.name,
    queue: queues[0],
  };
  const schema = config.DATABASE_SCHEMA ?? instanceSchema(identity.instance);
  warnWithoutSchemaOwner(config, identity.instance);

  @Module({
    imports: [
      PlatformModule.forRoot({
        config,
        identity,
        schema,
        migrations: definition.migrations,
        runtimePrivileges: definition.runtimePrivileges,
      }),
      definition.module,
    ],
  })
  class RootModule {}

  const logger = LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL) + 1);
  const https = httpsOptions(config);
  const app = await NestFactory.create(RootModule, { logger, abortOnError: false, httpsOptions: https });
  app.useGlobalFilters(new OperationOutcomeFilter());
  (app.getHttpAdapter().getInstance() as { disable(setting: string): void }).disable('x-powered-by');
  app.enableShutdownHooks();
  await definition.configureHttp?.(app, config);
  for (const queue of queues) {
    const connection = app.get(AmqpConnection);
    const transport = new AmqpTransport({
      connection,
      queue,
      consumerName: identity.instance,
      retryDelaysMs: retryDelays(config),
      prefetch: config.PREFETCH,
      lanes: config.CONSUMER_LANES,
      laneKey: definition.laneKey,
      trustPartitionKey: definition.trustPartitionKey,
      inPlaceRetryDelaysMs: inPlaceRetryDelays(config),
      maxMessageBytes: config.MAX_MESSAGE_BYTES,
      acceptedPublishers: definition.acceptedPublishers?.(connection.brokerUser),
      prepareBatch: definition.prepareBatch?.(app),
      persistence: { dataSource: app.get(DataSource), outbox: app.get(Outbox) },
    });
    connectTransport(app, transport);
    app.get(TransportRegistry).register(transport);
  }
  if (queues.length > 0) await app.startAllMicroservices();
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  return app;
}

/**
 * In production an app should work as a runtime role that owns nothing and migrate as its
 * schema's owner (README, "Database roles"): says so at boot when it is given one role for both.
 */
function warnWithoutSchemaOwner(config: BaseAppConfig, instance: string): void {
  if (config.NODE_ENV !== 'production') return;
  const runtime = databaseUrlUser(config.DATABASE_URL);
  const owner = config.DATABASE_MIGRATION_URL && databaseUrlUser(config.DATABASE_MIGRATION_URL);
  if (owner && owner !== runtime) return;
  new Logger(instance).warn(
    `${owner ? 'DATABASE_MIGRATION_URL names the same role as DATABASE_URL' : 'DATABASE_MIGRATION_URL is not set'}: ` +
      `the app works as the role that runs its migrations and owns its tables (${runtime ?? 'unknown'}); give it a ` +
      `runtime role of its own and its schema's owner (README, "Database roles"; tools/provision-database.ts)`,
  );
}

/**
 * The database schema of an app instance unless DATABASE_SCHEMA says otherwise: its instance name
 * in snake case (`hub`, `partner_sandbox`, `ndelius_adapter_nps_london_croydon`).
 */
export function instanceSchema(instance: string): string {
  return instance.replace(/[^a-z0-9]+/g, '_');
}

/**
 * The definition of a partner adapter: one instance per partner, consuming that partner's
 * inbox with that partner's broker user, in a schema of its own. It acts only on deliveries the
 * hub published (and its own retries): anything else is dead-lettered `unauthenticated-publisher`.
 */
export function partnerAdapter(name: string, module: Type<unknown>): AppDefinition<PartnerAdapterConfig> {
  return {
    name,
    module,
    configClass: PartnerAdapterConfig,
    instance: (config) => `${name}:${config.PARTNER_ID}`,
    queue: (config) => partnerInboxQueue(config.PARTNER_ID),
    acceptedPublishers: hubDeliveriesOnly,
  };
}

/**
 * The `main.ts` of every app: boot, or print why not and exit non-zero (an uncaught error exits
 * too). Bounds shutdown time.
 */
export function runApp<C extends BaseAppConfig>(definition: AppDefinition<C>): void {
  const logger = new Logger(definition.name);
  // Node would print an uncaught error whole (a failed query's parameters included): exit as it
  // would, but print only what safeErrorText keeps.
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.on(event, (error: unknown) => {
      logger.fatal(`Uncaught: ${safeErrorText(error, { stack: true })}`);
      process.exit(1);
    });
  }
  createApp(definition).then(
    (app) => {
      const timeoutMs = Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 15_000);
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => setTimeout(() => process.exit(1), timeoutMs).unref());
      }
      void app.getUrl().then((url) => logger.log(`${definition.name} listening on ${url}`));
    },
    (error: unknown) => {
      if (error instanceof ConfigError) {
        logger.fatal(error.message);
      } else {
        logger.fatal(`Could not start: ${safeErrorText(error, { stack: true })}`);
      }
      process.exit(1);
    },
  );
}
