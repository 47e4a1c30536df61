import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource, type MigrationInterface } from 'typeorm';
import {
  AmqpConnection,
  ConfirmedPublisher,
  Outbox,
  OutboxRelay,
  createAppDataSource,
  type RuntimeTablePrivileges,
} from '@cstr/messaging';
import { BaseAppConfig } from './config/base-app.config';
import { databaseUrlWithCa } from './config/tls';
import { HealthController } from './health/health.controller';
import { MessagingLifecycle } from './messaging-lifecycle.service';
import { APP_CONFIG, APP_IDENTITY, AppIdentity } from './platform.tokens';
import { TransportRegistry } from './transport-registry';

/** What {@link PlatformModule.forRoot} needs. */
export interface PlatformOptions {
  readonly config: BaseAppConfig;
  readonly identity: AppIdentity;
  /** The database schema of this instance. */
  readonly schema: string;
  readonly migrations?: readonly (new () => MigrationInterface)[];
  /** Tables the runtime role gets less on than read and write (see AppDefinition.runtimePrivileges). */
  readonly runtimePrivileges?: RuntimeTablePrivileges;
  /** How long boot waits for the broker before failing. Default 30 s. */
  readonly brokerConnectTimeoutMs?: number;
}

/**
 * The infrastructure every app shares, available everywhere (global): its config, a migrated
 * data source in its own schema, a self-healing broker connection, a confirmed publisher, the
 * outbox with its running relay, `GET /health`, and an orderly shutdown.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const { config, identity } = options;
    return {
      module: PlatformModule,
      controllers: [HealthController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_IDENTITY, useValue: identity },
        {
          provide: DataSource,
          useFactory: () =>
            createAppDataSource({
              url: databaseUrlWithCa(config.DATABASE_URL, config.TLS_CA_FILE),
              migrationUrl:
                config.DATABASE_MIGRATION_URL && databaseUrlWithCa(config.DATABASE_MIGRATION_URL, config.TLS_CA_FILE),
              runtimePrivileges: options.runtimePrivileges,
              schema: options.schema,
              applicationName: identity.instance,
              migrations: options.migrations,
            }),
        },
        {
          provide: AmqpConnection,
          useFactory: async () => {
            const connection = new AmqpConnection({
              url: config.RABBITMQ_URL,
              caFile: config.TLS_CA_FILE,
              connectionName: identity.instance,
            });
            await connection.start(options.brokerConnectTimeoutMs ?? 30_000);
            return connection;
          },
        },
        {
          provide: ConfirmedPublisher,
          inject: [AmqpConnection],
          useFactory: (connection: AmqpConnection) => new ConfirmedPublisher(connection),
        },
        { provide: Outbox, useValue: new Outbox() },
        {
          provide: OutboxRelay,
          inject: [DataSource, ConfirmedPublisher],
          useFactory: (dataSource: DataSource, publisher: ConfirmedPublisher) => {
            const relay = new OutboxRelay(dataSource, publisher);
            relay.start();
            return relay;
          },
        },
        TransportRegistry,
        MessagingLifecycle,
      ],
      exports: [
        APP_CONFIG,
        APP_IDENTITY,
        DataSource,
        AmqpConnection,
        ConfirmedPublisher,
        Outbox,
        OutboxRelay,
        TransportRegistry,
      ],
    };
  }
}
